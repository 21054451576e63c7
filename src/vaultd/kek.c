/* kek.c - the master key file, per-vault KEK derivation, DEK wrapping. */
#include "config.h"

#include "kek.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "cmek.h"
#include "codec.h"
#include "err.h"
#include "fdio.h"
#include "log.h"
#include "ossl.h"
#include "scratch.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

#define MASTER_LEN  32
#define KIND_MASTER OC_KEK_WRAP_MASTER
#define KIND_TOKEN  OC_KEK_WRAP_TOKEN
#define IV_LEN	    12
#define TAG_LEN	    16

struct oc_kek {
	uint8_t *master; /* oc_secure_alloc, MASTER_LEN */
	EVP_KDF *hkdf;
	struct oc_tk_key *token; /* the KEK in a PKCS#11 token, or NULL */
	char *token_uri;	 /* its URI (names it in oc_kek_id) */
};

int oc_kek_master_create(const char *path)
{
	uint8_t key[MASTER_LEN];
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot create master key %s: %s",
			     path, strerror(errno));
		return OC_ERR_IO;
	}
	rc = oc_random(key, sizeof(key));
	if (!rc)
		rc = oc_fdio_write_all(fd, key, sizeof(key));
	if (!rc && fsync(fd) != 0)
		rc = OC_ERR_IO;
	if (close(fd) != 0 && !rc)
		rc = OC_ERR_IO;
	/* The key's name must be on disk before anything is sealed under
	 * it: a database whose DEKs a lost key wraps is lost with it. */
	if (!rc)
		rc = oc_fdio_sync_dir_of(path);
	oc_wipe(key, sizeof(key));
	if (rc) {
		oc_log_error("oneclaw-vaultd: cannot write master key %s",
			     path);
		unlink(path);
	}
	return rc;
}

int oc_kek_open(const char *path, struct oc_kek **out)
{
	struct oc_kek *k;
	struct stat sb;
	size_t n;
	int fd, rc = OC_ERR_IO;

	k = calloc(1, sizeof(*k));
	if (!k)
		return OC_ERR_NOMEM;
	k->master = oc_secure_alloc(MASTER_LEN);
	if (!k->master) {
		rc = OC_ERR_NOMEM;
		goto fail;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot open master key %s: %s",
			     path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 077) != 0) {
		oc_log_error("oneclaw-vaultd: master key %s must be a "
			     "regular file of mode 0600",
			     path);
		close(fd);
		rc = OC_ERR_PERM;
		goto fail;
	}
	n = oc_fdio_read_max(fd, k->master, MASTER_LEN);
	close(fd);
	if (n != MASTER_LEN || sb.st_size != MASTER_LEN) {
		oc_log_error("oneclaw-vaultd: master key %s is not %d bytes",
			     path, MASTER_LEN);
		rc = OC_ERR_CONFIG;
		goto fail;
	}
	k->hkdf = EVP_KDF_fetch(oc_ossl_libctx(), "HKDF", NULL);
	if (!k->hkdf) {
		rc = OC_ERR_CRYPTO;
		goto fail;
	}
	*out = k;
	return OC_OK;
fail:
	oc_kek_free(k);
	return rc;
}

int oc_kek_use_token(struct oc_kek *k, const char *module, const char *uri,
		     const char *pin_file)
{
	struct oc_tk_open_args a = {
	    .uri = uri,
	    .module = module,
	    .loader = OC_TK_P11KIT,
	    .kind = OC_TK_AES,
	    .pin_file = pin_file,
	};
	struct oc_tk_key *t = NULL;
	struct oc_tk_err e;
	int rc;

	rc = oc_tk_key_open(&a, &t, &e);
	if (rc) {
		if (e.stage == OC_TK_AT_LOGIN)
			oc_log_error("oneclaw-vaultd: token login failed: "
				     "0x%lx",
				     e.ckr);
		else
			oc_log_error("oneclaw-vaultd: %s",
				     e.msg[0] ? e.msg : oc_strerror(rc));
		return rc;
	}
	free(k->token_uri);
	k->token_uri = strdup(uri);
	if (!k->token_uri) {
		oc_tk_key_free(t);
		return OC_ERR_NOMEM;
	}
	oc_tk_key_free(k->token);
	k->token = t;
	return OC_OK;
}

bool oc_kek_uses_token(const struct oc_kek *k)
{
	return k && k->token;
}

void oc_kek_free(struct oc_kek *k)
{
	if (!k)
		return;
	oc_secure_free(k->master);
	EVP_KDF_free(k->hkdf);
	oc_tk_key_free(k->token);
	free(k->token_uri);
	free(k);
}

static int derive(struct oc_kek *k, const uint8_t *salt, size_t salt_len,
		  const char *info_a, const char *info_b, uint8_t out[32])
{
	char info[160];
	OSSL_PARAM p[5];
	EVP_KDF_CTX *ctx;
	int n, rc = OC_ERR_CRYPTO;

	n = snprintf(info, sizeof(info), "%s%s", info_a, info_b ? info_b : "");
	if (n < 0 || (size_t)n >= sizeof(info))
		return OC_ERR_RANGE;
	ctx = EVP_KDF_CTX_new(k->hkdf);
	if (!ctx)
		return OC_ERR_NOMEM;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, k->master,
						 MASTER_LEN);
	p[2] = OSSL_PARAM_construct_octet_string(
	    OSSL_KDF_PARAM_SALT, (void *)(salt ? salt : (const uint8_t *)""),
	    salt ? salt_len : 0);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						 (size_t)n);
	p[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, 32, p) == 1)
		rc = OC_OK;
	EVP_KDF_CTX_free(ctx);
	return rc;
}

int oc_kek_id(struct oc_kek *k, char out[OC_KEK_ID_HEX_LEN + 1])
{
	uint8_t id[32];
	unsigned len = 0;
	int rc;

	if (k->token)
		rc = EVP_Digest(k->token_uri, strlen(k->token_uri), id, &len,
				oc_ossl_sha256(), NULL) == 1
			 ? OC_OK
			 : OC_ERR_CRYPTO;
	else
		rc = derive(k, NULL, 0, "oneclaw-vaultd key id v1", NULL, id);
	if (!rc)
		rc = oc_hex_encode(id, OC_KEK_ID_HEX_LEN / 2, out,
				   OC_KEK_ID_HEX_LEN + 1);
	oc_wipe(id, sizeof(id));
	return rc;
}

bool oc_kek_wrapped_by(const uint8_t *w, size_t n, int kind)
{
	return n == OC_KEK_WRAPPED_LEN && w[0] == kind;
}

static int aad_for(const char *vault_id, char *aad, size_t size, size_t *len)
{
	int n = snprintf(aad, size, "oneclaw-vaultd dek v1:%s", vault_id);

	if (n < 0 || (size_t)n >= size)
		return OC_ERR_RANGE;
	*len = (size_t)n;
	return OC_OK;
}

/* The vault's KEK, derived from the master key. */
static int vault_key(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], uint8_t key[32])
{
	return derive(k, salt, 32, "oneclaw-vaultd vault kek v1:", vault_id,
		      key);
}

/* Wraps dek under the token KEK, or else under key (the vault's KEK). */
static int wrap_with(struct oc_kek *k, const char *vault_id, const uint8_t *key,
		     const uint8_t dek[OC_DEK_LEN],
		     uint8_t out[OC_KEK_WRAPPED_LEN])
{
	char aad[128];
	size_t aad_len;
	int rc;

	rc = aad_for(vault_id, aad, sizeof(aad), &aad_len);
	if (!rc)
		rc = oc_random(out + 1, IV_LEN);
	if (rc)
		return rc;
	if (k->token) {
		out[0] = KIND_TOKEN;
		/* In place: a token that picks its own IV leaves it there. */
		return oc_tk_gcm_seal(k->token, out + 1, IV_LEN,
				      (const uint8_t *)aad, aad_len, dek,
				      OC_DEK_LEN, out + 1 + IV_LEN,
				      out + 1 + IV_LEN + OC_DEK_LEN, TAG_LEN);
	}
	out[0] = KIND_MASTER;
	return oc_aes_gcm_seal(key, out + 1, IV_LEN, (const uint8_t *)aad,
			       aad_len, dek, OC_DEK_LEN, out + 1 + IV_LEN,
			       out + 1 + IV_LEN + OC_DEK_LEN, TAG_LEN);
}

/* Unwraps w, by the token KEK or under key (the vault's KEK) as its kind
 * says. */
static int unwrap_with(struct oc_kek *k, const char *vault_id,
		       const uint8_t *key, const uint8_t *w,
		       uint8_t dek[OC_DEK_LEN])
{
	char aad[128];
	size_t aad_len;
	int rc;

	rc = aad_for(vault_id, aad, sizeof(aad), &aad_len);
	if (rc)
		return rc;
	if (w[0] == KIND_TOKEN) {
		if (!k->token) {
			oc_log_error("oneclaw-vaultd: a DEK is wrapped by the "
				     "token KEK; start with --kek-module");
			return OC_ERR_NO_KEY;
		}
		return oc_tk_gcm_open(
		    k->token, w + 1, IV_LEN, (const uint8_t *)aad, aad_len,
		    w + 1 + IV_LEN, OC_DEK_LEN, w + 1 + IV_LEN + OC_DEK_LEN,
		    TAG_LEN, dek);
	}
	if (w[0] != KIND_MASTER)
		return OC_ERR_DECRYPT;
	return oc_aes_gcm_open(key, w + 1, IV_LEN, (const uint8_t *)aad,
			       aad_len, w + 1 + IV_LEN, OC_DEK_LEN,
			       w + 1 + IV_LEN + OC_DEK_LEN, TAG_LEN, dek);
}

int oc_kek_wrap(struct oc_kek *k, const char *vault_id, const uint8_t salt[32],
		const uint8_t dek[OC_DEK_LEN], uint8_t out[OC_KEK_WRAPPED_LEN])
{
	uint8_t *kek = NULL;
	int rc;

	if (k->token)
		return wrap_with(k, vault_id, NULL, dek, out);
	kek = oc_scratch(OC_SCRATCH_KEK);
	if (!kek)
		return OC_ERR_NOMEM;
	rc = vault_key(k, vault_id, salt, kek);
	if (!rc)
		rc = wrap_with(k, vault_id, kek, dek, out);
	oc_wipe(kek, 32);
	return rc;
}

int oc_kek_unwrap(struct oc_kek *k, const char *vault_id,
		  const uint8_t salt[32], const uint8_t *w, size_t n,
		  uint8_t dek[OC_DEK_LEN])
{
	uint8_t *kek = NULL;
	int rc;

	if (n != OC_KEK_WRAPPED_LEN)
		return OC_ERR_DECRYPT;
	if (w[0] != KIND_MASTER)
		return unwrap_with(k, vault_id, NULL, w, dek);
	kek = oc_scratch(OC_SCRATCH_KEK);
	if (!kek)
		return OC_ERR_NOMEM;
	rc = vault_key(k, vault_id, salt, kek);
	if (!rc)
		rc = unwrap_with(k, vault_id, kek, w, dek);
	oc_wipe(kek, 32);
	return rc;
}

struct oc_vault_kek {
	struct oc_kek *k;
	char vault_id[OC_VAULT_KEK_ID_MAX + 1];
	uint8_t *key; /* oc_secure_alloc, 32 bytes */
};

int oc_vault_kek_new(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], struct oc_vault_kek **out)
{
	struct oc_vault_kek *v;
	int rc;

	if (strlen(vault_id) > OC_VAULT_KEK_ID_MAX)
		return OC_ERR_RANGE;
	v = calloc(1, sizeof(*v));
	if (!v)
		return OC_ERR_NOMEM;
	v->k = k;
	memcpy(v->vault_id, vault_id, strlen(vault_id) + 1);
	v->key = oc_secure_alloc(32);
	rc = v->key ? vault_key(k, vault_id, salt, v->key) : OC_ERR_NOMEM;
	if (rc) {
		oc_vault_kek_free(v);
		return rc;
	}
	*out = v;
	return OC_OK;
}

void oc_vault_kek_free(struct oc_vault_kek *v)
{
	if (!v)
		return;
	oc_secure_free(v->key); /* wipes */
	free(v);
}

const char *oc_vault_kek_vault_id(const struct oc_vault_kek *v)
{
	return v->vault_id;
}

int oc_vault_kek_wrap(struct oc_vault_kek *v, const uint8_t dek[OC_DEK_LEN],
		      uint8_t out[OC_KEK_WRAPPED_LEN])
{
	return wrap_with(v->k, v->vault_id, v->key, dek, out);
}

int oc_vault_kek_unwrap(struct oc_vault_kek *v, const uint8_t *w, size_t n,
			uint8_t dek[OC_DEK_LEN])
{
	if (n != OC_KEK_WRAPPED_LEN)
		return OC_ERR_DECRYPT;
	return unwrap_with(v->k, v->vault_id, v->key, w, dek);
}

int oc_kek_seal_local(struct oc_kek *k, const char *label, const uint8_t *pt,
		      size_t n, uint8_t *out, size_t out_size, size_t *out_len)
{
	uint8_t *key;
	int rc;

	if (out_size < n + IV_LEN + TAG_LEN)
		return OC_ERR_RANGE;
	key = oc_secure_alloc(32);
	if (!key)
		return OC_ERR_NOMEM;
	rc = derive(k, NULL, 0, "oneclaw-vaultd local v1:", label, key);
	if (!rc)
		rc = oc_random(out, IV_LEN);
	if (!rc)
		rc = oc_aes_gcm_seal(key, out, IV_LEN, (const uint8_t *)label,
				     strlen(label), pt, n, out + IV_LEN,
				     out + IV_LEN + n, TAG_LEN);
	if (!rc)
		*out_len = n + IV_LEN + TAG_LEN;
	oc_secure_free(key);
	return rc;
}

int oc_kek_open_local(struct oc_kek *k, const char *label, const uint8_t *in,
		      size_t n, uint8_t *pt, size_t pt_size, size_t *pt_len)
{
	uint8_t *key;
	size_t len;
	int rc;

	if (n < IV_LEN + TAG_LEN)
		return OC_ERR_DECRYPT;
	len = n - IV_LEN - TAG_LEN;
	if (pt_size < len)
		return OC_ERR_RANGE;
	key = oc_secure_alloc(32);
	if (!key)
		return OC_ERR_NOMEM;
	rc = derive(k, NULL, 0, "oneclaw-vaultd local v1:", label, key);
	if (!rc)
		rc = oc_aes_gcm_open(key, in, IV_LEN, (const uint8_t *)label,
				     strlen(label), in + IV_LEN, len,
				     in + IV_LEN + len, TAG_LEN, pt);
	if (!rc)
		*pt_len = len;
	oc_secure_free(key);
	return rc;
}
