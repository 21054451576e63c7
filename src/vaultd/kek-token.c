/* kek-token.c - AES-GCM with a key that stays inside a PKCS#11 token. */
#include "config.h"

#include "kek-token.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "err.h"
#include "fdio.h"
#include "log.h"
#include "secmem.h"

#define PIN_MAX 256
#define GCM_TAG 16

struct oc_kek_token {
	CK_FUNCTION_LIST *f;
	bool initialized;
	CK_SESSION_HANDLE session;
	bool have_session;
	CK_OBJECT_HANDLE key;
	pthread_mutex_t lock;
};

/* Reads the PIN file into secure memory, without its trailing newline. */
static int read_pin(const char *path, char **out, size_t *len)
{
	char *pin;
	size_t n;
	int fd, rc = OC_ERR_IO;

	pin = oc_secure_alloc(PIN_MAX + 1);
	if (!pin)
		return OC_ERR_NOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot open PIN file %s: %s",
			     path, strerror(errno));
		goto out;
	}
	n = oc_fdio_read_max(fd, pin, PIN_MAX);
	close(fd);
	if (n == PIN_MAX) {
		oc_log_error("oneclaw-vaultd: PIN file %s is too long", path);
		rc = OC_ERR_RANGE;
		goto out;
	}
	while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		pin[--n] = '\0';
	*out = pin;
	*len = n;
	pin = NULL;
	rc = OC_OK;
out:
	oc_secure_free(pin);
	return rc;
}

void oc_kek_token_free(struct oc_kek_token *t)
{
	if (!t)
		return;
	if (t->f && t->have_session) {
		t->f->C_Logout(t->session);
		t->f->C_CloseSession(t->session);
	}
	if (t->f) {
		if (t->initialized)
			p11_kit_module_finalize(t->f);
		p11_kit_module_release(t->f);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int find_key(struct oc_kek_token *t, P11KitUri *uri)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE tmpl[8];
	CK_ATTRIBUTE *ua;
	CK_ULONG nua = 0, i, n = 0, found = 0;
	CK_OBJECT_HANDLE objs[2];
	CK_RV rv;

	ua = p11_kit_uri_get_attributes(uri, &nua);
	for (i = 0; i < nua && n < 6; i++) {
		if (ua[i].type == CKA_LABEL || ua[i].type == CKA_ID)
			tmpl[n++] = ua[i];
	}
	tmpl[n].type = CKA_CLASS;
	tmpl[n].pValue = &cls;
	tmpl[n++].ulValueLen = sizeof(cls);
	tmpl[n].type = CKA_KEY_TYPE;
	tmpl[n].pValue = &kt;
	tmpl[n++].ulValueLen = sizeof(kt);
	rv = t->f->C_FindObjectsInit(t->session, tmpl, n);
	if (rv != CKR_OK)
		return OC_ERR_CRYPTO;
	rv = t->f->C_FindObjects(t->session, objs, 2, &found);
	t->f->C_FindObjectsFinal(t->session);
	if (rv != CKR_OK)
		return OC_ERR_CRYPTO;
	if (found != 1) {
		oc_log_error("oneclaw-vaultd: --kek-uri matches %lu AES keys "
			     "in the token; it must match exactly one",
			     (unsigned long)found);
		return OC_ERR_CONFIG;
	}
	t->key = objs[0];
	return OC_OK;
}

static int open_session(struct oc_kek_token *t, P11KitUri *uri,
			const char *pin_file)
{
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = 64, i;
	CK_TOKEN_INFO info;
	char *pin = NULL;
	size_t pin_len = 0;
	CK_RV rv;
	int rc;

	rv = t->f->C_GetSlotList(CK_TRUE, slots, &nslots);
	if (rv != CKR_OK) {
		oc_log_error("oneclaw-vaultd: C_GetSlotList: 0x%lx",
			     (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	for (i = 0; i < nslots; i++) {
		if (t->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		if (p11_kit_uri_match_token_info(uri, &info))
			break;
	}
	if (i == nslots) {
		oc_log_error("oneclaw-vaultd: no token matches --kek-uri");
		return OC_ERR_CONFIG;
	}
	rv = t->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL,
				 &t->session);
	if (rv != CKR_OK) {
		oc_log_error("oneclaw-vaultd: C_OpenSession: 0x%lx",
			     (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	t->have_session = true;
	if (pin_file) {
		rc = read_pin(pin_file, &pin, &pin_len);
		if (rc)
			return rc;
		rv = t->f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR *)pin,
				   pin_len);
		oc_secure_free(pin);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			oc_log_error("oneclaw-vaultd: token login failed: "
				     "0x%lx",
				     (unsigned long)rv);
			return rv == CKR_PIN_INCORRECT ? OC_ERR_UNAUTHORIZED
						       : OC_ERR_CRYPTO;
		}
	}
	return find_key(t, uri);
}

int oc_kek_token_open(const char *module, const char *uri_text,
		      const char *pin_file, struct oc_kek_token **out)
{
	struct oc_kek_token *t;
	P11KitUri *uri = NULL;
	CK_RV rv;
	int rc;

	t = calloc(1, sizeof(*t));
	if (!t)
		return OC_ERR_NOMEM;
	pthread_mutex_init(&t->lock, NULL);
	uri = p11_kit_uri_new();
	if (!uri) {
		rc = OC_ERR_NOMEM;
		goto fail;
	}
	if (p11_kit_uri_parse(uri_text, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri) !=
	    P11_KIT_URI_OK) {
		oc_log_error("oneclaw-vaultd: --kek-uri is not a valid "
			     "pkcs11: URI");
		rc = OC_ERR_CONFIG;
		goto fail;
	}
	t->f = p11_kit_module_load(module, 0);
	if (!t->f) {
		oc_log_error("oneclaw-vaultd: cannot load %s: %s", module,
			     p11_kit_message() ? p11_kit_message() : "?");
		rc = OC_ERR_CONFIG;
		goto fail;
	}
	rv = p11_kit_module_initialize(t->f);
	if (rv != CKR_OK) {
		oc_log_error("oneclaw-vaultd: C_Initialize of %s: 0x%lx",
			     module, (unsigned long)rv);
		rc = OC_ERR_CRYPTO;
		goto fail;
	}
	t->initialized = true;
	rc = open_session(t, uri, pin_file);
	if (rc)
		goto fail;
	p11_kit_uri_free(uri);
	*out = t;
	return OC_OK;
fail:
	p11_kit_uri_free(uri);
	oc_kek_token_free(t);
	return rc;
}

/* iv is written by a token that generates its own encryption IVs. */
static void gcm_mech(CK_MECHANISM *m, CK_GCM_PARAMS *p, uint8_t *iv,
		     const uint8_t *aad, size_t aad_len)
{
	memset(p, 0, sizeof(*p));
	p->pIv = iv;
	p->ulIvLen = 12;
	p->ulIvBits = 96;
	p->pAAD = (CK_BYTE_PTR)aad;
	p->ulAADLen = aad_len;
	p->ulTagBits = GCM_TAG * 8;
	m->mechanism = CKM_AES_GCM;
	m->pParameter = p;
	m->ulParameterLen = sizeof(*p);
}

int oc_kek_token_seal(struct oc_kek_token *t, uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		      size_t n, uint8_t *ct, uint8_t tag[16])
{
	CK_MECHANISM m;
	CK_GCM_PARAMS p;
	uint8_t buf[64 + GCM_TAG];
	CK_ULONG out_len = sizeof(buf);
	CK_RV rv;
	int rc = OC_ERR_CRYPTO;

	if (n > 64)
		return OC_ERR_RANGE;
	gcm_mech(&m, &p, iv, aad, aad_len);
	pthread_mutex_lock(&t->lock);
	rv = t->f->C_EncryptInit(t->session, &m, t->key);
	if (rv == CKR_OK)
		rv = t->f->C_Encrypt(t->session, (CK_BYTE_PTR)pt, n, buf,
				     &out_len);
	pthread_mutex_unlock(&t->lock);
	if (rv == CKR_OK && out_len == n + GCM_TAG) {
		memcpy(ct, buf, n);
		memcpy(tag, buf + n, GCM_TAG);
		rc = OC_OK;
	} else {
		oc_debug(OC_LOG_SERVER, "token encrypt failed: 0x%lx",
			 (unsigned long)rv);
	}
	oc_wipe(buf, sizeof(buf));
	return rc;
}

int oc_kek_token_open_ct(struct oc_kek_token *t, const uint8_t iv[12],
			 const uint8_t *aad, size_t aad_len, const uint8_t *ct,
			 size_t n, const uint8_t tag[16], uint8_t *pt)
{
	CK_MECHANISM m;
	CK_GCM_PARAMS p;
	uint8_t in[64 + GCM_TAG], buf[64 + GCM_TAG];
	CK_ULONG out_len = sizeof(buf);
	CK_RV rv;
	int rc = OC_ERR_DECRYPT;

	if (n > 64)
		return OC_ERR_RANGE;
	memcpy(in, ct, n);
	memcpy(in + n, tag, GCM_TAG);
	/* Decryption only reads the IV. */
	gcm_mech(&m, &p, (uint8_t *)iv, aad, aad_len);
	pthread_mutex_lock(&t->lock);
	rv = t->f->C_DecryptInit(t->session, &m, t->key);
	if (rv == CKR_OK)
		rv =
		    t->f->C_Decrypt(t->session, in, n + GCM_TAG, buf, &out_len);
	pthread_mutex_unlock(&t->lock);
	if (rv == CKR_OK && out_len == n) {
		memcpy(pt, buf, n);
		rc = OC_OK;
	} else {
		oc_debug(OC_LOG_SERVER, "token decrypt failed: 0x%lx",
			 (unsigned long)rv);
	}
	oc_wipe(buf, sizeof(buf));
	return rc;
}
