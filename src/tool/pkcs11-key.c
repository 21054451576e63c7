/* pkcs11-key.c - AES-GCM forwarded to a key in a PKCS#11 token. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "pkcs11-key.h"

#include "main.h"

#include "codec.h"
#include "err.h"
#include "log.h"
#include "secmem.h"

#define MAX_PIN	    256
#define MAX_MODULES 4
#define MAX_SLOTS   256

/* A loaded module, shared by every key in it (C_Initialize once). */
struct module {
	char *path;
	void *dl;
	CK_FUNCTION_LIST_PTR fl;
	unsigned refs;
};

static struct module modules[MAX_MODULES];
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;

struct p11key {
	pthread_mutex_t lock; /* one operation at a time per session */
	struct module *mod;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE obj;
};

static void module_release(struct module *m)
{
	pthread_mutex_lock(&modules_lock);
	if (m && m->refs && --m->refs == 0) {
		m->fl->C_Finalize(NULL);
		dlclose(m->dl);
		free(m->path);
		memset(m, 0, sizeof(*m));
	}
	pthread_mutex_unlock(&modules_lock);
}

static int module_get(const char *path, struct module **out, char *err,
		      size_t errlen)
{
	CK_C_INITIALIZE_ARGS init;
	CK_C_GetFunctionList get;
	struct module *m = NULL;
	CK_RV rv;
	size_t i;
	int rc = OC_ERR_IO;

	pthread_mutex_lock(&modules_lock);
	for (i = 0; i < MAX_MODULES; i++) {
		if (modules[i].refs && strcmp(modules[i].path, path) == 0) {
			modules[i].refs++;
			*out = &modules[i];
			rc = 0;
			goto out;
		}
	}
	for (i = 0; i < MAX_MODULES && !m; i++)
		if (!modules[i].refs)
			m = &modules[i];
	if (!m) {
		snprintf(err, errlen, "too many PKCS#11 modules");
		rc = OC_ERR_RANGE;
		goto out;
	}
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		snprintf(err, errlen, "cannot load PKCS#11 module %s: %s", path,
			 dlerror());
		goto out;
	}
	*(void **)&get = dlsym(m->dl, "C_GetFunctionList");
	if (!get || get(&m->fl) != CKR_OK || !m->fl) {
		snprintf(err, errlen, "%s is not a PKCS#11 module", path);
		goto fail;
	}
	memset(&init, 0, sizeof(init));
	init.flags = CKF_OS_LOCKING_OK;
	rv = m->fl->C_Initialize(&init);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		snprintf(err, errlen, "PKCS#11 module %s: C_Initialize: 0x%lx",
			 path, (unsigned long)rv);
		goto fail;
	}
	m->path = strdup(path);
	if (!m->path) {
		m->fl->C_Finalize(NULL);
		rc = OC_ERR_NOMEM;
		goto fail;
	}
	m->refs = 1;
	*out = m;
	rc = 0;
	goto out;
fail:
	dlclose(m->dl);
	memset(m, 0, sizeof(*m));
out:
	pthread_mutex_unlock(&modules_lock);
	return rc;
}

/* Reads a PIN file: one line, trailing newline dropped. */
static int read_pin_file(const char *path, char *pin, size_t *len, char *err,
			 size_t errlen)
{
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd, rc = OC_ERR_IO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read PIN file %s: %s", path,
			 strerror(errno));
		return OC_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "PIN file %s is not a regular file",
			 path);
		goto out;
	}
	if (st.st_mode & 077)
		fprintf(stderr,
			"oneclaw-tool: warning: PIN file %s is readable by "
			"group or others (chmod 600 %s)\n",
			path, path);
	while (n < MAX_PIN) {
		r = read(fd, pin + n, MAX_PIN - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read PIN file %s: %s",
				 path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n >= MAX_PIN) {
		snprintf(err, errlen, "PIN file %s is too long", path);
		rc = OC_ERR_RANGE;
		goto out;
	}
	while (n && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		n--;
	pin[n] = '\0';
	*len = n;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Asks on the controlling terminal with echo off. */
static int prompt_pin(const char *label, char *pin, size_t *len, char *err,
		      size_t errlen)
{
	struct termios old, quiet;
	ssize_t r;
	size_t n = 0;
	char c;
	int fd, rc = OC_ERR_IO;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || !isatty(fd)) {
		snprintf(err, errlen,
			 "token '%s' needs a PIN and there is no terminal to "
			 "ask on: give --pin-file FILE",
			 label);
		if (fd >= 0)
			close(fd);
		return OC_ERR_NO_KEY;
	}
	if (tcgetattr(fd, &old) != 0)
		goto out_fd;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (dprintf(fd, "PIN for token '%s': ", label) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		goto out_fd;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !oc_tool_interrupted)
			continue;
		if (r < 0 || n + 1 >= MAX_PIN)
			break;
		if (r == 0 || c == '\n' || c == '\r') {
			rc = 0;
			break;
		}
		pin[n++] = c;
	}
	c = 0;
	pin[n] = '\0';
	*len = n;
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
out_fd:
	if (rc)
		snprintf(err, errlen, "cannot read a PIN from the terminal");
	close(fd);
	return rc;
}

static void copy_label(char *dst, const unsigned char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

static int map_rv(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return 0;
	case CKR_HOST_MEMORY:
		return OC_ERR_NOMEM;
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_USER_NOT_LOGGED_IN:
	case CKR_KEY_HANDLE_INVALID:
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
	case CKR_KEY_TYPE_INCONSISTENT:
		return OC_ERR_CRYPTO;
	default:
		/* A tag failure is reported differently by different
		 * tokens; all of them mean "does not open". */
		return OC_ERR_DECRYPT;
	}
}

/* CKM_AES_GCM with its parameters in *gp, which must outlive mech.  For
 * encryption iv is writable: a token that generates its own IVs
 * (oneclaw-pkcs11 does) replaces it at C_EncryptInit, one that takes the
 * caller's (SoftHSM) uses the random one already there. */
static void gcm_mech(CK_MECHANISM *mech, CK_GCM_PARAMS *gp, uint8_t *iv,
		     size_t iv_len, const uint8_t *aad, size_t aad_len,
		     size_t tag_len)
{
	memset(gp, 0, sizeof(*gp));
	gp->pIv = iv;
	gp->ulIvLen = iv_len;
	gp->ulIvBits = iv_len * 8;
	gp->pAAD = (CK_BYTE_PTR)aad;
	gp->ulAADLen = aad_len;
	gp->ulTagBits = tag_len * 8;
	mech->mechanism = CKM_AES_GCM;
	mech->pParameter = gp;
	mech->ulParameterLen = sizeof(*gp);
}

static int p11_seal(void *ctx, uint8_t *iv, size_t iv_len, const uint8_t *aad,
		    size_t aad_len, const uint8_t *pt, size_t n, uint8_t *ct,
		    uint8_t *tag, size_t tag_len)
{
	struct p11key *k = ctx;
	CK_FUNCTION_LIST_PTR fl = k->mod->fl;
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech;
	CK_ULONG out_len = n + tag_len;
	uint8_t *out;
	CK_RV rv;
	int rc;

	out = malloc(n + tag_len);
	if (!out)
		return OC_ERR_NOMEM;
	gcm_mech(&mech, &gp, iv, iv_len, aad, aad_len, tag_len);
	pthread_mutex_lock(&k->lock);
	rv = fl->C_EncryptInit(k->session, &mech, k->obj);
	if (rv == CKR_OK)
		rv = fl->C_Encrypt(k->session, (CK_BYTE_PTR)pt, n, out,
				   &out_len);
	pthread_mutex_unlock(&k->lock);
	if (rv != CKR_OK) {
		oc_debug(OC_LOG_CMEK, "token encrypt failed: 0x%lx",
			 (unsigned long)rv);
		rc = OC_ERR_CRYPTO;
	} else if (out_len != n + tag_len) {
		rc = OC_ERR_CRYPTO;
	} else {
		memcpy(ct, out, n);
		memcpy(tag, out + n, tag_len);
		rc = 0;
	}
	free(out);
	return rc;
}

static int p11_open(void *ctx, const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		    size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	struct p11key *k = ctx;
	CK_FUNCTION_LIST_PTR fl = k->mod->fl;
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech;
	CK_ULONG out_len = n + tag_len;
	uint8_t *in, *out;
	CK_RV rv;
	int rc;

	in = malloc(n + tag_len);
	/* Some tokens want room for the tag in the output too. */
	out = oc_secure_alloc(n + tag_len);
	if (!in || !out) {
		free(in);
		oc_secure_free(out);
		return OC_ERR_NOMEM;
	}
	memcpy(in, ct, n);
	memcpy(in + n, tag, tag_len);
	/* Decryption only reads the IV. */
	gcm_mech(&mech, &gp, (uint8_t *)iv, iv_len, aad, aad_len, tag_len);
	pthread_mutex_lock(&k->lock);
	rv = fl->C_DecryptInit(k->session, &mech, k->obj);
	if (rv == CKR_OK) {
		rv = fl->C_Decrypt(k->session, in, n + tag_len, out, &out_len);
		if (rv == CKR_BUFFER_TOO_SMALL) {
			/* Ends the still-active operation. */
			fl->C_DecryptInit(k->session, NULL, k->obj);
		}
	}
	pthread_mutex_unlock(&k->lock);
	rc = map_rv(rv);
	if (rc == 0 && out_len != n)
		rc = OC_ERR_CRYPTO;
	if (rc == 0)
		memcpy(pt, out, n);
	else
		oc_debug(OC_LOG_CMEK, "token decrypt failed: 0x%lx",
			 (unsigned long)rv);
	oc_secure_free(out);
	free(in);
	return rc;
}

static void p11_free(void *ctx)
{
	struct p11key *k = ctx;

	if (!k)
		return;
	if (k->mod) {
		k->mod->fl->C_CloseSession(k->session);
		module_release(k->mod);
	}
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static const struct oc_cmek_key_ops p11_ops = {
    .seal = p11_seal,
    .open = p11_open,
    .free = p11_free,
};

/* The first slot whose token matches the URI. */
static int find_token(struct module *m, P11KitUri *uri, CK_SLOT_ID *slot,
		      CK_TOKEN_INFO *ti, char *err, size_t errlen,
		      const char *uri_s)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS, i;
	CK_RV rv;

	rv = m->fl->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		snprintf(err, errlen, "PKCS#11 module %s: C_GetSlotList: 0x%lx",
			 m->path, (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	for (i = 0; i < n; i++) {
		if (m->fl->C_GetTokenInfo(slots[i], ti) != CKR_OK)
			continue;
		if (p11_kit_uri_match_token_info(uri, ti)) {
			*slot = slots[i];
			return 0;
		}
	}
	snprintf(err, errlen, "no token in %s matches %s", m->path, uri_s);
	return OC_ERR_NOT_FOUND;
}

static int login(struct module *m, CK_SESSION_HANDLE s, const CK_TOKEN_INFO *ti,
		 const char *label, const struct oc_p11key_args *a,
		 const char *uri_pin_source, char *err, size_t errlen)
{
	char *pin;
	const char *file = a->pin_file;
	size_t len = 0;
	CK_RV rv;
	int rc;

	if (!(ti->flags & CKF_LOGIN_REQUIRED))
		return 0;
	pin = oc_secure_alloc(MAX_PIN + 1);
	if (!pin)
		return OC_ERR_NOMEM;
	if (!file && uri_pin_source) {
		file = uri_pin_source;
		if (strncmp(file, "file:", 5) == 0)
			file += 5;
	}
	if (file)
		rc = read_pin_file(file, pin, &len, err, errlen);
	else if (a->may_prompt)
		rc = prompt_pin(label, pin, &len, err, errlen);
	else {
		snprintf(err, errlen,
			 "token '%s' needs a PIN: give --pin-file FILE", label);
		rc = OC_ERR_NO_KEY;
	}
	if (rc)
		goto out;
	rv = m->fl->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, len);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		rc = 0;
	} else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID ||
		   rv == CKR_PIN_LEN_RANGE) {
		snprintf(err, errlen, "token '%s' refused the PIN%s%s", label,
			 file ? " from " : "", file ? file : "");
		rc = OC_ERR_UNAUTHORIZED;
	} else {
		snprintf(err, errlen, "token '%s': C_Login: 0x%lx", label,
			 (unsigned long)rv);
		rc = OC_ERR_CRYPTO;
	}
out:
	oc_wipe(pin, MAX_PIN + 1);
	oc_secure_free(pin);
	return rc;
}

/* Finds exactly one AES secret key matching the URI's attributes. */
static int find_key(struct module *m, CK_SESSION_HANDLE s, P11KitUri *uri,
		    CK_OBJECT_HANDLE *obj, char *err, size_t errlen,
		    const char *label, const char *uri_s)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE tmpl[16];
	CK_ATTRIBUTE_PTR attrs;
	CK_OBJECT_HANDLE found[2];
	CK_ULONG na = 0, nt = 0, nf = 0, i;
	bool have_class = false;
	CK_RV rv;

	attrs = p11_kit_uri_get_attributes(uri, &na);
	for (i = 0; i < na && nt < 14; i++) {
		if (attrs[i].type == CKA_CLASS)
			have_class = true;
		tmpl[nt++] = attrs[i];
	}
	if (!have_class) {
		tmpl[nt].type = CKA_CLASS;
		tmpl[nt].pValue = &cls;
		tmpl[nt++].ulValueLen = sizeof(cls);
	}
	tmpl[nt].type = CKA_KEY_TYPE;
	tmpl[nt].pValue = &kt;
	tmpl[nt++].ulValueLen = sizeof(kt);
	rv = m->fl->C_FindObjectsInit(s, tmpl, nt);
	if (rv == CKR_OK) {
		rv = m->fl->C_FindObjects(s, found, 2, &nf);
		m->fl->C_FindObjectsFinal(s);
	}
	if (rv != CKR_OK) {
		snprintf(err, errlen,
			 "token '%s': cannot search objects: 0x%lx", label,
			 (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	if (nf == 0) {
		snprintf(err, errlen, "no AES key in token '%s' matches %s",
			 label, uri_s);
		return OC_ERR_NOT_FOUND;
	}
	if (nf > 1) {
		snprintf(err, errlen,
			 "%s matches more than one key in token '%s': add "
			 "object= or id= to the URI",
			 uri_s, label);
		return OC_ERR_ARGS;
	}
	*obj = found[0];
	return 0;
}

/* The key's fingerprint: given, else its 32-byte CKA_ID. */
static int key_fingerprint(struct module *m, CK_SESSION_HANDLE s,
			   CK_OBJECT_HANDLE obj, const char *given,
			   uint8_t fpr[OC_CMEK_FPR_LEN], char *err,
			   size_t errlen, const char *uri_s)
{
	uint8_t id[OC_CMEK_FPR_LEN];
	CK_ULONG vlen = 0;
	CK_ATTRIBUTE at[2];
	size_t n = 0;

	/* An AES-128 key would seal something no 1claw client opens. */
	at[0].type = CKA_VALUE_LEN;
	at[0].pValue = &vlen;
	at[0].ulValueLen = sizeof(vlen);
	if (m->fl->C_GetAttributeValue(s, obj, at, 1) == CKR_OK &&
	    vlen != OC_CMEK_KEY_LEN) {
		snprintf(err, errlen,
			 "%s is a %lu-byte AES key; CMEK keys are "
			 "32 bytes (AES-256)",
			 uri_s, (unsigned long)vlen);
		return OC_ERR_ARGS;
	}
	if (given) {
		if (!oc_is_fingerprint_hex(given, strlen(given)) ||
		    oc_hex_decode(given, strlen(given), fpr, OC_CMEK_FPR_LEN,
				  &n) != 0 ||
		    n != OC_CMEK_FPR_LEN) {
			snprintf(err, errlen,
				 "the fingerprint given for %s is not 64 "
				 "lowercase hex characters",
				 uri_s);
			return OC_ERR_PARSE;
		}
		return 0;
	}
	at[0].type = CKA_ID;
	at[0].pValue = id;
	at[0].ulValueLen = sizeof(id);
	if (m->fl->C_GetAttributeValue(s, obj, at, 1) != CKR_OK ||
	    at[0].ulValueLen != OC_CMEK_FPR_LEN) {
		snprintf(err, errlen,
			 "cannot tell the fingerprint of %s: its CKA_ID is not "
			 "the 32-byte SHA-256 of the key (set "
			 "cmek_key_fingerprint in the configuration)",
			 uri_s);
		return OC_ERR_NO_KEY;
	}
	memcpy(fpr, id, OC_CMEK_FPR_LEN);
	return 0;
}

int oc_p11key_open(const struct oc_p11key_args *a, struct oc_cmek_key **out,
		   char *err, size_t errlen)
{
	P11KitUri *uri = NULL;
	struct p11key *k = NULL;
	struct module *m = NULL;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	uint8_t fpr[OC_CMEK_FPR_LEN];
	char label[sizeof(ti.label) + 1];
	const char *module, *pin_source;
	int rc, r;

	uri = p11_kit_uri_new();
	if (!uri)
		return OC_ERR_NOMEM;
	r = p11_kit_uri_parse(a->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri);
	if (r != P11_KIT_URI_OK) {
		snprintf(err, errlen, "bad pkcs11: URI %s: %s", a->uri,
			 p11_kit_uri_message(r));
		rc = OC_ERR_PARSE;
		goto out;
	}
	module = a->module ? a->module : p11_kit_uri_get_module_path(uri);
	if (!module || !*module) {
		snprintf(err, errlen,
			 "%s: which PKCS#11 module holds it? give "
			 "--pkcs11-module SO",
			 a->uri);
		rc = OC_ERR_NO_KEY;
		goto out;
	}
	rc = module_get(module, &m, err, errlen);
	if (rc)
		goto out;
	rc = find_token(m, uri, &slot, &ti, err, errlen, a->uri);
	if (rc)
		goto out;
	copy_label(label, ti.label, sizeof(ti.label));
	if (m->fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK) {
		snprintf(err, errlen, "token '%s': cannot open a session",
			 label);
		rc = OC_ERR_CRYPTO;
		goto out;
	}
	pin_source = p11_kit_uri_get_pin_source(uri);
	rc = login(m, s, &ti, label, a, pin_source, err, errlen);
	if (rc)
		goto out;
	k = calloc(1, sizeof(*k));
	if (!k) {
		rc = OC_ERR_NOMEM;
		goto out;
	}
	rc = find_key(m, s, uri, &k->obj, err, errlen, label, a->uri);
	if (rc)
		goto out;
	rc = key_fingerprint(m, s, k->obj, a->fingerprint, fpr, err, errlen,
			     a->uri);
	if (rc)
		goto out;
	pthread_mutex_init(&k->lock, NULL);
	k->mod = m;
	k->session = s;
	rc = oc_cmek_key_from_ops(&p11_ops, k, fpr, out);
	if (rc) {
		snprintf(err, errlen, "%s: %s", a->uri, oc_strerror(rc));
		/* ops->free was not taken over: undo by hand. */
		pthread_mutex_destroy(&k->lock);
		k->mod = NULL;
		goto out;
	}
	oc_debug(OC_LOG_CMEK, "delegated key in token '%s' ready", label);
	k = NULL;
	m = NULL;
	s = CK_INVALID_HANDLE;
out:
	free(k);
	if (m) {
		if (s != CK_INVALID_HANDLE)
			m->fl->C_CloseSession(s);
		module_release(m);
	}
	p11_kit_uri_free(uri);
	return rc;
}
