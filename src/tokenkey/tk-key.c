/* tk-key.c - finding a key by its pkcs11: URI: token, session, login,
 * exactly one object. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tk-key.h"

#include <p11-kit/uri.h>

#include "err.h"
#include "log.h"
#include "secmem.h"

#define TEMPLATE_MAX 8

static const struct {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	const char *name;
} kinds[] = {
    [OC_TK_AES] = {CKO_SECRET_KEY, CKK_AES, "AES key"},
    [OC_TK_RSA] = {CKO_PRIVATE_KEY, CKK_RSA, "RSA private key"},
    [OC_TK_EC] = {CKO_PRIVATE_KEY, CKK_EC, "EC private key"},
    [OC_TK_RSA_PUBLIC] = {CKO_PUBLIC_KEY, CKK_RSA, "RSA public key"},
    [OC_TK_EC_PUBLIC] = {CKO_PUBLIC_KEY, CKK_EC, "EC public key"},
};

void oc_tk_kind_attrs(enum oc_tk_kind kind, CK_ATTRIBUTE attrs[2])
{
	/* Tokens only read template values. */
	attrs[0] = (CK_ATTRIBUTE){CKA_CLASS, (void *)&kinds[kind].cls,
				  sizeof(kinds[kind].cls)};
	attrs[1] = (CK_ATTRIBUTE){CKA_KEY_TYPE, (void *)&kinds[kind].type,
				  sizeof(kinds[kind].type)};
}

const char *oc_tk_uri_shown(const char *uri)
{
	/* Messages name the URI, never a PIN in it. */
	return strstr(uri, "pin-value") ? "the URI" : uri;
}

static struct oc_tk_key *key_alloc(void)
{
	struct oc_tk_key *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	k->gen = oc_tk_gen();
	return k;
}

void oc_tk_key_free(struct oc_tk_key *k)
{
	if (!k)
		return;
	if (k->gen == oc_tk_gen()) {
		if (k->have_session)
			k->mod->f->C_CloseSession(k->session);
		oc_tk_module_put(k->mod);
		pthread_mutex_destroy(&k->lock);
	}
	oc_wipe(k, sizeof(*k));
	free(k);
}

static int open_session(struct oc_tk_key *k, CK_SLOT_ID slot, const char *label,
			struct oc_tk_err *e)
{
	CK_RV rv;

	rv = k->mod->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
				      &k->session);
	if (rv != CKR_OK)
		return oc_tk_fail(e, OC_TK_AT_TOKEN, rv, OC_ERR_CRYPTO,
				  "token '%s': cannot open a session: 0x%lx",
				  label, (unsigned long)rv);
	k->slot = slot;
	k->have_session = true;
	return OC_OK;
}

int oc_tk_key_new_session(struct oc_tk_module *m, CK_SLOT_ID slot,
			  struct oc_tk_key **out, struct oc_tk_err *e)
{
	struct oc_tk_key *k = key_alloc();
	int err;

	if (!k)
		return OC_ERR_NOMEM;
	oc_tk_module_hold(m);
	k->mod = m;
	err = open_session(k, slot, "", e);
	if (err) {
		oc_tk_key_free(k);
		return err;
	}
	k->session_obj = true;
	*out = k;
	return OC_OK;
}

int oc_tk_key_renew_session(struct oc_tk_key *k)
{
	CK_SESSION_HANDLE old = k->session;
	CK_RV rv;

	if (k->session_obj || !k->have_session)
		return OC_ERR_UNSUPPORTED;
	/* The new one first: closing a token's last session logs out. */
	rv = k->mod->f->C_OpenSession(k->slot, CKF_SERIAL_SESSION, NULL, NULL,
				      &k->session);
	if (rv != CKR_OK) {
		k->session = old;
		oc_debug(OC_LOG_CMEK, "token C_OpenSession: 0x%lx",
			 (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	k->mod->f->C_CloseSession(old);
	oc_debug(OC_LOG_CMEK, "token kept an operation active: new session");
	return OC_OK;
}

/* The first token matching the URI; its label, trailing blanks cut. */
static int find_token(struct oc_tk_key *k, P11KitUri *uri, const char *uri_s,
		      CK_TOKEN_INFO *ti, char label[33], struct oc_tk_err *e)
{
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_SLOT_ID *ids = NULL;
	CK_ULONG n = 0, i;
	size_t len;
	CK_RV rv;
	int err;

	rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv == CKR_OK) {
		ids = calloc(n ? n : 1, sizeof(*ids));
		if (!ids)
			return OC_ERR_NOMEM;
		rv = f->C_GetSlotList(CK_TRUE, ids, &n);
	}
	if (rv != CKR_OK) {
		err = oc_tk_fail(e, OC_TK_AT_TOKEN, rv, OC_ERR_CRYPTO,
				 "PKCS#11 module %s: C_GetSlotList: 0x%lx",
				 k->mod->path, (unsigned long)rv);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (f->C_GetTokenInfo(ids[i], ti) == CKR_OK &&
		    p11_kit_uri_match_token_info(uri, ti))
			break;
	if (i == n) {
		err = oc_tk_fail(e, OC_TK_AT_TOKEN, 0, OC_ERR_NOT_FOUND,
				 "no token in %s matches %s", k->mod->path,
				 uri_s);
		goto out;
	}
	len = sizeof(ti->label);
	memcpy(label, ti->label, len);
	while (len && label[len - 1] == ' ')
		len--;
	label[len] = '\0';
	err = open_session(k, ids[i], label, e);
out:
	free(ids);
	return err;
}

/* The PIN source the arguments and the URI give, in their order. */
static int pin_source(const struct oc_tk_open_args *a, P11KitUri *uri,
		      struct oc_tk_pin_src *src)
{
	const char *value = p11_kit_uri_get_pin_value(uri);
	const char *file = p11_kit_uri_get_pin_source(uri);

	if (a->pin_file) {
		src->file = a->pin_file;
	} else if (a->pin) {
		src->from = OC_TK_PIN_STRING;
		src->string = a->pin;
	} else if (value && (a->flags & OC_TK_URI_PIN_VALUE)) {
		src->from = OC_TK_PIN_STRING;
		src->string = value;
	} else if (file && (a->flags & OC_TK_URI_PIN_SOURCE)) {
		src->file = strncmp(file, "file:", 5) == 0 ? file + 5 : file;
	} else if (a->flags & OC_TK_MAY_PROMPT) {
		src->from = OC_TK_PIN_PROMPT;
	} else {
		return OC_ERR_NO_KEY;
	}
	return OC_OK;
}

static int login(struct oc_tk_key *k, const struct oc_tk_open_args *a,
		 P11KitUri *uri, const CK_TOKEN_INFO *ti, const char *label,
		 struct oc_tk_err *e)
{
	struct oc_tk_pin_src src = {
	    .from = OC_TK_PIN_FILE,
	    .label = label,
	    .interrupted = a->interrupted,
	};
	bool if_required = a->flags & OC_TK_LOGIN_IF_REQUIRED;
	const char *from;
	char *pin = NULL;
	size_t len = 0;
	CK_RV rv;
	int err;

	if (if_required && !(ti->flags & CKF_LOGIN_REQUIRED))
		return OC_OK;
	if (pin_source(a, uri, &src) != OC_OK) {
		if (!if_required)
			return OC_OK; /* the key needs no login */
		return oc_tk_fail(e, OC_TK_AT_NEED_PIN, 0, OC_ERR_NO_KEY,
				  "token '%s' needs a PIN", label);
	}
	err = oc_tk_pin_read(&src, &pin, &len, e);
	if (err)
		return err;
	rv = k->mod->f->C_Login(k->session, CKU_USER, (CK_UTF8CHAR *)pin, len);
	oc_secure_free(pin);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return OC_OK;
	if (rv != CKR_PIN_INCORRECT && rv != CKR_PIN_INVALID &&
	    rv != CKR_PIN_LEN_RANGE)
		return oc_tk_fail(e, OC_TK_AT_LOGIN, rv, OC_ERR_CRYPTO,
				  "token '%s': C_Login: 0x%lx", label,
				  (unsigned long)rv);
	from = src.from == OC_TK_PIN_FILE ? src.file : NULL;
	return oc_tk_fail(e, OC_TK_AT_LOGIN, rv, OC_ERR_UNAUTHORIZED,
			  "token '%s' refused the PIN%s%s", label,
			  from ? " from " : "", from ? from : "");
}

/* Exactly one object matching the URI's attributes and the kind. */
static int find_key(struct oc_tk_key *k, enum oc_tk_kind kind, P11KitUri *uri,
		    const char *uri_s, const char *label, struct oc_tk_err *e)
{
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_ATTRIBUTE tmpl[TEMPLATE_MAX], *ua, want[2];
	CK_OBJECT_HANDLE hits[2];
	CK_ULONG nu = 0, n = 0, found = 0, i;
	CK_RV rv;

	ua = p11_kit_uri_get_attributes(uri, &nu);
	for (i = 0; i < nu && n < TEMPLATE_MAX - 2; i++)
		tmpl[n++] = ua[i];
	/* The kind's class and key type, unless the URI names its own. */
	oc_tk_kind_attrs(kind, want);
	for (i = 0; i < 2; i++)
		if (!p11_kit_uri_get_attribute(uri, want[i].type))
			tmpl[n++] = want[i];
	rv = f->C_FindObjectsInit(k->session, tmpl, n);
	if (rv == CKR_OK) {
		rv = f->C_FindObjects(k->session, hits, 2, &found);
		f->C_FindObjectsFinal(k->session);
	}
	if (rv != CKR_OK)
		return oc_tk_fail(e, OC_TK_AT_FIND, rv, OC_ERR_CRYPTO,
				  "token '%s': cannot search objects: 0x%lx",
				  label, (unsigned long)rv);
	if (found == 0)
		return oc_tk_fail(e, OC_TK_AT_FIND, 0, OC_ERR_NOT_FOUND,
				  "no %s in token '%s' matches %s",
				  kinds[kind].name, label, uri_s);
	if (found > 1)
		return oc_tk_fail(e, OC_TK_AT_FIND, 0, OC_ERR_ARGS,
				  "%s matches more than one key in token '%s': "
				  "add object= or id= to the URI",
				  uri_s, label);
	k->obj = hits[0];
	return OC_OK;
}

int oc_tk_key_open(const struct oc_tk_open_args *a, struct oc_tk_key **out,
		   struct oc_tk_err *e)
{
	struct oc_tk_key *k = NULL;
	P11KitUri *uri = NULL;
	/* Zeroed: the analyser cannot see the token fill it. */
	CK_TOKEN_INFO ti = {0};
	char label[sizeof(ti.label) + 1] = "";
	const char *module, *uri_s;
	int err, r;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!a || !a->uri || !out || (unsigned)a->kind >= OC_TK_KIND_COUNT)
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS,
				  "no key URI");
	uri_s = oc_tk_uri_shown(a->uri);
	uri = p11_kit_uri_new();
	k = key_alloc();
	if (!uri || !k) {
		err = OC_ERR_NOMEM;
		goto out;
	}
	r = p11_kit_uri_parse(a->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri);
	if (r != P11_KIT_URI_OK) {
		err = oc_tk_fail(e, OC_TK_AT_URI, 0, OC_ERR_PARSE,
				 "bad pkcs11: URI %s: %s", uri_s,
				 p11_kit_uri_message(r));
		goto out;
	}
	module = a->module ? a->module : p11_kit_uri_get_module_path(uri);
	if (!module || !*module) {
		err = oc_tk_fail(e, OC_TK_AT_NO_MODULE, 0, OC_ERR_CONFIG,
				 "%s names no PKCS#11 module", uri_s);
		goto out;
	}
	err = oc_tk_module_get(a->loader, module, a->refuse, &k->mod, e);
	if (!err)
		err = find_token(k, uri, uri_s, &ti, label, e);
	if (!err)
		err = login(k, a, uri, &ti, label, e);
	if (!err)
		err = find_key(k, a->kind, uri, uri_s, label, e);
	if (!err) {
		oc_debug(OC_LOG_CMEK, "%s in token '%s' of %s ready",
			 kinds[a->kind].name, label, module);
		*out = k;
		k = NULL;
	}
out:
	oc_tk_key_free(k);
	p11_kit_uri_free(uri);
	return err;
}

int oc_tk_key_attr(struct oc_tk_key *k, CK_ATTRIBUTE_TYPE type, void *buf,
		   size_t cap, size_t *len)
{
	CK_ATTRIBUTE a = {type, buf, cap};
	CK_RV rv;

	pthread_mutex_lock(&k->lock);
	rv = k->mod->f->C_GetAttributeValue(k->session, k->obj, &a, 1);
	pthread_mutex_unlock(&k->lock);
	if (rv != CKR_OK)
		return OC_ERR_UNSUPPORTED;
	*len = a.ulValueLen;
	return OC_OK;
}
