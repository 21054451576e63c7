/* delegate.c - AES-GCM forwarded to a key in another PKCS#11 token. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck.h"
#include <p11-kit/uri.h>

#include "codec.h"
#include "delegate.h"
#include "entry.h"
#include "err.h"
#include "log.h"
#include "secmem.h"

struct deleg {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	bool have_session;
	bool finalize; /* we initialised the module */
	pthread_mutex_t m;
};

/* iv is the IV this module generated; a token that generates its own
 * writes it into pIv at C_EncryptInit, and the caller finds it in iv. */
static int dg_seal(void *ctx, uint8_t *iv, size_t iv_len, const uint8_t *aad,
		   size_t aad_len, const uint8_t *pt, size_t n, uint8_t *ct,
		   uint8_t *tag, size_t tag_len)
{
	struct deleg *d = ctx;
	CK_GCM_PARAMS gp = {
	    .pIv = iv,
	    .ulIvLen = iv_len,
	    .ulIvBits = iv_len * 8,
	    .pAAD = (CK_BYTE *)aad,
	    .ulAADLen = aad_len,
	    .ulTagBits = tag_len * 8,
	};
	CK_MECHANISM mech = {CKM_AES_GCM, &gp, sizeof(gp)};
	static const uint8_t none[1];
	CK_ULONG out_len = n + tag_len;
	uint8_t *out = malloc(n + tag_len);
	CK_RV rv;

	if (!out)
		return OC_ERR_NOMEM;
	pthread_mutex_lock(&d->m);
	rv = d->f->C_EncryptInit(d->s, &mech, d->k);
	if (rv == CKR_OK)
		rv = d->f->C_Encrypt(d->s, (CK_BYTE *)(n ? pt : none), n, out,
				     &out_len);
	pthread_mutex_unlock(&d->m);
	if (rv != CKR_OK || out_len != n + tag_len) {
		oc_debug(OC_LOG_CMEK, "delegated C_Encrypt: 0x%lx",
			 (unsigned long)rv);
		free(out);
		return OC_ERR_CRYPTO;
	}
	memcpy(ct, out, n);
	memcpy(tag, out + n, tag_len);
	free(out);
	return OC_OK;
}

static int dg_open(void *ctx, const uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		   size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	struct deleg *d = ctx;
	CK_GCM_PARAMS gp = {
	    .pIv = (CK_BYTE *)iv,
	    .ulIvLen = iv_len,
	    .ulIvBits = iv_len * 8,
	    .pAAD = (CK_BYTE *)aad,
	    .ulAADLen = aad_len,
	    .ulTagBits = tag_len * 8,
	};
	CK_MECHANISM mech = {CKM_AES_GCM, &gp, sizeof(gp)};
	/* Room for tokens that size the output by the input. */
	CK_ULONG out_len = n + tag_len + 16;
	uint8_t *in = malloc(n + tag_len);
	uint8_t *out = oc_secure_alloc(out_len);
	int err = OC_ERR_CRYPTO;
	CK_RV rv;

	if (!in || !out) {
		err = OC_ERR_NOMEM;
		goto out;
	}
	if (n)
		memcpy(in, ct, n);
	memcpy(in + n, tag, tag_len);
	pthread_mutex_lock(&d->m);
	rv = d->f->C_DecryptInit(d->s, &mech, d->k);
	if (rv == CKR_OK)
		rv = d->f->C_Decrypt(d->s, in, n + tag_len, out, &out_len);
	pthread_mutex_unlock(&d->m);
	/* After a successful C_DecryptInit with valid parameters, tokens
	 * report a failed GCM tag as CKR_ENCRYPTED_DATA_INVALID, or (SoftHSM)
	 * as a generic failure of C_Decrypt. */
	if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_GENERAL_ERROR ||
	    rv == CKR_FUNCTION_FAILED) {
		oc_debug(OC_LOG_CMEK,
			 "delegated C_Decrypt: 0x%lx: taken as "
			 "a failed tag",
			 (unsigned long)rv);
		err = OC_ERR_DECRYPT;
		goto out;
	}
	if (rv != CKR_OK || out_len != n) {
		oc_debug(OC_LOG_CMEK, "delegated C_Decrypt: 0x%lx",
			 (unsigned long)rv);
		goto out;
	}
	if (n)
		memcpy(pt, out, n);
	err = OC_OK;
out:
	free(in);
	oc_secure_free(out);
	return err;
}

static void dg_free(void *ctx)
{
	struct deleg *d = ctx;

	if (!d)
		return;
	if (d->f) {
		if (d->have_session)
			d->f->C_CloseSession(d->s);
		if (d->finalize)
			d->f->C_Finalize(NULL);
	}
	if (d->dl)
		dlclose(d->dl);
	pthread_mutex_destroy(&d->m);
	oc_wipe(d, sizeof(*d));
	free(d);
}

static const struct oc_cmek_key_ops dg_ops = {
    .seal = dg_seal,
    .open = dg_open,
    .free = dg_free,
};

/* The PIN file: a regular file, bounded, trailing newline dropped. */
static int read_pin(const char *path, char **pin, size_t *len, char *errbuf,
		    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t n = 0;
	int fd, err = OC_ERR_IO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(errbuf, errlen, "cannot open PIN file %s: %s", path,
			 strerror(errno));
		return OC_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > OC_P11_MAX_PIN) {
		snprintf(errbuf, errlen,
			 "PIN file %s: not a regular file of "
			 "at most %d bytes",
			 path, OC_P11_MAX_PIN);
		goto out;
	}
	buf = oc_secure_alloc(OC_P11_MAX_PIN + 1);
	if (!buf) {
		err = OC_ERR_NOMEM;
		goto out;
	}
	while (n < OC_P11_MAX_PIN &&
	       (r = read(fd, buf + n, OC_P11_MAX_PIN - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "reading PIN file %s: %s",
				 path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*pin = buf;
	*len = n;
	buf = NULL;
	err = OC_OK;
out:
	oc_secure_free(buf);
	close(fd);
	return err;
}

static int fail(char *errbuf, size_t errlen, const char *what, CK_RV rv)
{
	snprintf(errbuf, errlen, "delegated key: %s failed (0x%lx)", what,
		 (unsigned long)rv);
	return OC_ERR_CRYPTO;
}

static int find_key(struct deleg *d, P11KitUri *uri, char *errbuf,
		    size_t errlen)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE tmpl[OC_P11_MAX_TEMPLATE];
	CK_ATTRIBUTE_PTR ua;
	CK_ULONG nu = 0, n = 0, found = 0;
	CK_OBJECT_HANDLE hits[2];
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE ka = {CKA_KEY_TYPE, &kt, sizeof(kt)};
	CK_RV rv;

	ua = p11_kit_uri_get_attributes(uri, &nu);
	for (CK_ULONG i = 0; i < nu && n < OC_P11_MAX_TEMPLATE - 1; i++)
		tmpl[n++] = ua[i];
	if (!p11_kit_uri_get_attribute(uri, CKA_CLASS)) {
		tmpl[n].type = CKA_CLASS;
		tmpl[n].pValue = &cls;
		tmpl[n].ulValueLen = sizeof(cls);
		n++;
	}
	rv = d->f->C_FindObjectsInit(d->s, tmpl, n);
	if (rv != CKR_OK)
		return fail(errbuf, errlen, "C_FindObjectsInit", rv);
	rv = d->f->C_FindObjects(d->s, hits, 2, &found);
	d->f->C_FindObjectsFinal(d->s);
	if (rv != CKR_OK)
		return fail(errbuf, errlen, "C_FindObjects", rv);
	if (found != 1) {
		snprintf(errbuf, errlen,
			 "delegated key: %s key matches the "
			 "URI",
			 found ? "more than one" : "no");
		return OC_ERR_NO_KEY;
	}
	d->k = hits[0];
	rv = d->f->C_GetAttributeValue(d->s, d->k, &ka, 1);
	if (rv != CKR_OK || kt != CKK_AES) {
		snprintf(errbuf, errlen, "delegated key: not an AES key");
		return OC_ERR_NO_KEY;
	}
	return OC_OK;
}

static int key_fpr(struct deleg *d, const struct oc_conf_key *src,
		   uint8_t fpr[OC_CMEK_FPR_LEN], char *errbuf, size_t errlen)
{
	CK_ULONG vlen = 0;
	CK_ATTRIBUTE a[2] = {
	    {CKA_ID, fpr, OC_CMEK_FPR_LEN},
	    {CKA_VALUE_LEN, &vlen, sizeof(vlen)},
	};
	size_t len;
	CK_RV rv;

	/* An AES-256 key only: the CMEK format is AES-256-GCM. */
	rv = d->f->C_GetAttributeValue(d->s, d->k, &a[1], 1);
	if (rv == CKR_OK && vlen != OC_CMEK_KEY_LEN) {
		snprintf(errbuf, errlen, "delegated key: %lu bytes, not 32",
			 (unsigned long)vlen);
		return OC_ERR_NO_KEY;
	}
	if (src->fingerprint) {
		if (oc_hex_decode(src->fingerprint, strlen(src->fingerprint),
				  fpr, OC_CMEK_FPR_LEN, &len) == OC_OK &&
		    len == OC_CMEK_FPR_LEN)
			return OC_OK;
		snprintf(errbuf, errlen,
			 "cmek_key_fingerprint: not 64 hex "
			 "characters");
		return OC_ERR_CONFIG;
	}
	rv = d->f->C_GetAttributeValue(d->s, d->k, &a[0], 1);
	if (rv == CKR_OK && a[0].ulValueLen == OC_CMEK_FPR_LEN)
		return OC_OK;
	snprintf(errbuf, errlen,
		 "delegated key: no fingerprint: set "
		 "cmek_key_fingerprint, or give the key a 32-byte CKA_ID "
		 "holding it");
	return OC_ERR_NO_KEY;
}

static int open_token(struct deleg *d, P11KitUri *uri, char *errbuf,
		      size_t errlen)
{
	CK_SLOT_ID *ids = NULL;
	CK_ULONG n = 0;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int err = OC_ERR_NO_KEY;

	rv = d->f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK)
		return fail(errbuf, errlen, "C_GetSlotList", rv);
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return OC_ERR_NOMEM;
	rv = d->f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK) {
		err = fail(errbuf, errlen, "C_GetSlotList", rv);
		goto out;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if (d->f->C_GetTokenInfo(ids[i], &ti) != CKR_OK ||
		    !p11_kit_uri_match_token_info(uri, &ti))
			continue;
		rv = d->f->C_OpenSession(ids[i], CKF_SERIAL_SESSION, NULL, NULL,
					 &d->s);
		if (rv != CKR_OK) {
			err = fail(errbuf, errlen, "C_OpenSession", rv);
			goto out;
		}
		d->have_session = true;
		err = OC_OK;
		goto out;
	}
	snprintf(errbuf, errlen, "delegated key: no token matches the URI");
out:
	free(ids);
	return err;
}

static int login(struct deleg *d, const struct oc_conf_key *src, P11KitUri *uri,
		 char *errbuf, size_t errlen)
{
	char *pin = NULL;
	size_t len = 0;
	const char *uri_pin = p11_kit_uri_get_pin_value(uri);
	CK_RV rv;
	int err;

	if (src->pin_file) {
		err = read_pin(src->pin_file, &pin, &len, errbuf, errlen);
		if (err)
			return err;
	} else if (uri_pin) {
		pin = oc_secure_strdup(uri_pin);
		if (!pin)
			return OC_ERR_NOMEM;
		len = strlen(pin);
	} else {
		return OC_OK; /* the key needs no login */
	}
	rv = d->f->C_Login(d->s, CKU_USER, (CK_UTF8CHAR *)pin, len);
	oc_secure_free(pin);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return OC_OK;
	if (rv == CKR_PIN_INCORRECT) {
		snprintf(errbuf, errlen, "delegated key: the PIN%s%s is wrong",
			 src->pin_file ? " in " : "",
			 src->pin_file ? src->pin_file : "");
		return OC_ERR_UNAUTHORIZED;
	}
	return fail(errbuf, errlen, "C_Login", rv);
}

int oc_delegate_open(const struct oc_conf_key *src, struct oc_cmek_key **out,
		     char *errbuf, size_t errlen)
{
	CK_C_INITIALIZE_ARGS ia = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList getf;
	uint8_t fpr[OC_CMEK_FPR_LEN];
	struct deleg *d = NULL;
	P11KitUri *uri = NULL;
	const char *module;
	CK_RV rv;
	int err = OC_ERR_CONFIG, rc;

	uri = p11_kit_uri_new();
	d = calloc(1, sizeof(*d));
	if (!uri || !d) {
		err = OC_ERR_NOMEM;
		goto out;
	}
	pthread_mutex_init(&d->m, NULL);
	rc = p11_kit_uri_parse(src->uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri);
	if (rc != P11_KIT_URI_OK) {
		snprintf(errbuf, errlen, "cmek_key_uri: %s",
			 p11_kit_uri_message(rc));
		goto out;
	}
	module = src->module ? src->module : p11_kit_uri_get_module_path(uri);
	if (!module) {
		snprintf(errbuf, errlen,
			 "cmek_key_uri needs cmek_key_module "
			 "(the PKCS#11 module holding the key)");
		goto out;
	}
	d->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!d->dl) {
		snprintf(errbuf, errlen, "cmek_key_module %s: %s", module,
			 dlerror());
		goto out;
	}
	*(void **)&getf = dlsym(d->dl, "C_GetFunctionList");
	if (!getf || getf(&d->f) != CKR_OK || !d->f) {
		snprintf(errbuf, errlen,
			 "cmek_key_module %s: no "
			 "C_GetFunctionList",
			 module);
		d->f = NULL;
		goto out;
	}
	if (d->f == oc_entry_function_list()) {
		snprintf(errbuf, errlen, "cmek_key_module %s is this module",
			 module);
		d->f = NULL;
		goto out;
	}
	rv = d->f->C_Initialize(&ia);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		err = fail(errbuf, errlen, "C_Initialize", rv);
		d->f = NULL;
		goto out;
	}
	d->finalize = rv == CKR_OK;
	err = open_token(d, uri, errbuf, errlen);
	if (!err)
		err = login(d, src, uri, errbuf, errlen);
	if (!err)
		err = find_key(d, uri, errbuf, errlen);
	if (!err)
		err = key_fpr(d, src, fpr, errbuf, errlen);
	if (!err)
		err = oc_cmek_key_from_ops(&dg_ops, d, fpr, out);
	if (!err) {
		d = NULL; /* owned by the key now */
		oc_debug(OC_LOG_CMEK, "delegated key opened in %s", module);
	}
out:
	dg_free(d);
	p11_kit_uri_free(uri);
	return err;
}
