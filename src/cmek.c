/* cmek.c - the 1claw CMEK blob format over AES-256-GCM.
 *
 * A raw key keeps its 32 bytes in locked memory and, for speed, one cached
 * encrypt and one cached decrypt EVP context with the key schedule already
 * set up.  A caller that finds a cached context busy (another thread holds
 * it) uses a fresh one instead of waiting.  A caller with a context of its
 * own (struct oc_cmek_ctx) touches neither: its context remembers which
 * key it holds by the key's serial number, never by its address, which a
 * later key may reuse. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cmek.h"
#include "err.h"
#include "log.h"
#include "ossl.h"
#include "secmem.h"

#define GCM_IV_MAX  128
#define GCM_TAG_MIN 4

struct cached_ctx {
	pthread_mutex_t lock;
	EVP_CIPHER_CTX *ctx; /* keyed lazily on first use */
	size_t iv_len;	     /* the IV length ctx is set up for */
};

struct oc_cmek_key {
	const struct oc_cmek_key_ops *ops; /* delegated: the work goes here */
	void *ops_ctx;
	uint8_t fpr[OC_CMEK_FPR_LEN];
	uint8_t *raw;	      /* oc_secure_alloc(32); NULL when delegated */
	unsigned long serial; /* unique in this process, never 0 */
	struct cached_ctx enc;
	struct cached_ctx dec;
};

struct oc_cmek_ctx {
	EVP_CIPHER_CTX *evp;  /* made on first use */
	unsigned long serial; /* of the key evp holds; 0: none */
	int enc;	      /* the direction evp is set up for */
	size_t iv_len;	      /* the IV length evp is set up for */
};

static atomic_ulong key_serials;

static int check_gcm_args(const uint8_t *iv, size_t iv_len, const uint8_t *aad,
			  size_t aad_len, const uint8_t *in, size_t n,
			  const uint8_t *out, const uint8_t *tag,
			  size_t tag_len)
{
	if (iv == NULL || iv_len == 0 || iv_len > GCM_IV_MAX)
		return OC_ERR_ARGS;
	if (tag == NULL || tag_len < GCM_TAG_MIN || tag_len > OC_CMEK_TAG_LEN)
		return OC_ERR_ARGS;
	if (aad == NULL && aad_len != 0)
		return OC_ERR_ARGS;
	if ((in == NULL || out == NULL) && n != 0)
		return OC_ERR_ARGS;
	if (n > INT_MAX || aad_len > INT_MAX)
		return OC_ERR_RANGE;
	return OC_OK;
}

/* One AES-256-GCM operation on c.  key is NULL when c already holds it;
 * *cur_iv_len tracks the IV length c is set to, so that the common 12-byte
 * case costs no parameter call (those dominate small operations).  On a
 * failed decrypt the output is wiped. */
static int gcm_run(EVP_CIPHER_CTX *c, size_t *cur_iv_len, int enc,
		   const uint8_t *key, const uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *in,
		   size_t n, uint8_t *out, const uint8_t *tag_in,
		   uint8_t *tag_out, size_t tag_len)
{
	unsigned char tagbuf[OC_CMEK_TAG_LEN] = {0};
	int outl = 0, finl = 0, rc = OC_ERR_CRYPTO;

	if (key != NULL) {
		const EVP_CIPHER *cipher = oc_ossl_aes_256_gcm();

		if (cipher == NULL ||
		    !EVP_CipherInit_ex2(c, cipher, key, NULL, enc, NULL))
			goto out;
		*cur_iv_len = OC_CMEK_IV_LEN; /* GCM's default */
	}
	if (iv_len != *cur_iv_len) {
		/* Forget the old length first: a failure leaves it unknown. */
		*cur_iv_len = 0;
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len,
					NULL) <= 0)
			goto out;
		*cur_iv_len = iv_len;
	}
	if (!EVP_CipherInit_ex2(c, NULL, NULL, iv, enc, NULL))
		goto out;
	if (aad_len != 0 &&
	    !EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len))
		goto out;
	outl = 0;
	if (n != 0 && !EVP_CipherUpdate(c, out, &outl, in, (int)n))
		goto out_wipe;
	if (!enc) {
		memcpy(tagbuf, tag_in, tag_len);
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)tag_len,
					tagbuf) <= 0)
			goto out_wipe;
		if (EVP_CipherFinal_ex(c, out ? out + outl : tagbuf, &finl) <=
		    0) {
			rc = OC_ERR_DECRYPT;
			goto out_wipe;
		}
	} else {
		if (EVP_CipherFinal_ex(c, out ? out + outl : tagbuf, &finl) <=
			0 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, (int)tag_len,
					tag_out) <= 0)
			goto out;
	}
	rc = OC_OK;
	goto out;
out_wipe:
	if (!enc && n != 0)
		OPENSSL_cleanse(out, n);
out:
	if (rc != OC_OK)
		ERR_clear_error();
	return rc;
}

static int gcm_oneshot(int enc, const uint8_t *key, const uint8_t *iv,
		       size_t iv_len, const uint8_t *aad, size_t aad_len,
		       const uint8_t *in, size_t n, uint8_t *out,
		       const uint8_t *tag_in, uint8_t *tag_out, size_t tag_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t cur = 0;
	int rc;

	if (c == NULL) {
		if (!enc && n != 0)
			OPENSSL_cleanse(out, n);
		return OC_ERR_NOMEM;
	}
	rc = gcm_run(c, &cur, enc, key, iv, iv_len, aad, aad_len, in, n, out,
		     tag_in, tag_out, tag_len);
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int oc_aes_gcm_seal(const uint8_t key[32], const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		    size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len)
{
	int rc;

	if (key == NULL)
		return OC_ERR_ARGS;
	rc = check_gcm_args(iv, iv_len, aad, aad_len, pt, n, ct, tag, tag_len);
	if (rc != OC_OK)
		return rc;
	return gcm_oneshot(1, key, iv, iv_len, aad, aad_len, pt, n, ct, NULL,
			   tag, tag_len);
}

int oc_aes_gcm_open(const uint8_t key[32], const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		    size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	int rc;

	if (key == NULL)
		return OC_ERR_ARGS;
	rc = check_gcm_args(iv, iv_len, aad, aad_len, ct, n, pt, tag, tag_len);
	if (rc != OC_OK)
		return rc;
	return gcm_oneshot(0, key, iv, iv_len, aad, aad_len, ct, n, pt, tag,
			   NULL, tag_len);
}

/* A raw key's operation: the cached context when free, else a fresh one. */
static int raw_gcm(const struct oc_cmek_key *k, int enc, const uint8_t *iv,
		   size_t iv_len, const uint8_t *aad, size_t aad_len,
		   const uint8_t *in, size_t n, uint8_t *out,
		   const uint8_t *tag_in, uint8_t *tag_out, size_t tag_len)
{
	/* The cache is mutable state behind a const key: it changes nothing
	 * a caller can observe. */
	struct cached_ctx *cc = (struct cached_ctx *)(enc ? &k->enc : &k->dec);
	const uint8_t *key = NULL;
	int rc;

	if (pthread_mutex_trylock(&cc->lock) != 0)
		return gcm_oneshot(enc, k->raw, iv, iv_len, aad, aad_len, in, n,
				   out, tag_in, tag_out, tag_len);
	if (cc->ctx == NULL) {
		cc->ctx = EVP_CIPHER_CTX_new();
		if (cc->ctx == NULL) {
			pthread_mutex_unlock(&cc->lock);
			return gcm_oneshot(enc, k->raw, iv, iv_len, aad,
					   aad_len, in, n, out, tag_in, tag_out,
					   tag_len);
		}
		key = k->raw;
	}
	rc = gcm_run(cc->ctx, &cc->iv_len, enc, key, iv, iv_len, aad, aad_len,
		     in, n, out, tag_in, tag_out, tag_len);
	if (rc == OC_ERR_CRYPTO) {
		/* Never reuse a context in an unknown state. */
		EVP_CIPHER_CTX_free(cc->ctx);
		cc->ctx = NULL;
	}
	pthread_mutex_unlock(&cc->lock);
	return rc;
}

int oc_cmek_ctx_new(struct oc_cmek_ctx **out)
{
	struct oc_cmek_ctx *c;

	if (out == NULL)
		return OC_ERR_ARGS;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return OC_ERR_NOMEM;
	*out = c;
	return OC_OK;
}

void oc_cmek_ctx_free(struct oc_cmek_ctx *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->evp); /* cleanses the key schedule */
	free(c);
}

/* A raw key's operation on the caller's context, keyed again only when it
 * last held another key or served the other direction. */
static int own_gcm(const struct oc_cmek_key *k, struct oc_cmek_ctx *c, int enc,
		   const uint8_t *iv, size_t iv_len, const uint8_t *aad,
		   size_t aad_len, const uint8_t *in, size_t n, uint8_t *out,
		   const uint8_t *tag_in, uint8_t *tag_out, size_t tag_len)
{
	const uint8_t *key = NULL;
	int rc;

	if (c->evp == NULL) {
		c->evp = EVP_CIPHER_CTX_new();
		if (c->evp == NULL)
			return gcm_oneshot(enc, k->raw, iv, iv_len, aad,
					   aad_len, in, n, out, tag_in, tag_out,
					   tag_len);
		c->serial = 0;
	}
	if (c->serial != k->serial || c->enc != enc) {
		key = k->raw;
		c->serial = k->serial;
		c->enc = enc;
	}
	rc = gcm_run(c->evp, &c->iv_len, enc, key, iv, iv_len, aad, aad_len, in,
		     n, out, tag_in, tag_out, tag_len);
	if (rc == OC_ERR_CRYPTO) {
		/* Never reuse a context in an unknown state. */
		EVP_CIPHER_CTX_free(c->evp);
		c->evp = NULL;
		c->serial = 0;
	}
	return rc;
}

/* A raw key's operation: the caller's context when given, else the key's
 * own. */
static int raw_or_own(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		      int enc, const uint8_t *iv, size_t iv_len,
		      const uint8_t *aad, size_t aad_len, const uint8_t *in,
		      size_t n, uint8_t *out, const uint8_t *tag_in,
		      uint8_t *tag_out, size_t tag_len)
{
	if (c != NULL)
		return own_gcm(k, c, enc, iv, iv_len, aad, aad_len, in, n, out,
			       tag_in, tag_out, tag_len);
	return raw_gcm(k, enc, iv, iv_len, aad, aad_len, in, n, out, tag_in,
		       tag_out, tag_len);
}

int oc_cmek_fingerprint(const uint8_t key[OC_CMEK_KEY_LEN],
			uint8_t out[OC_CMEK_FPR_LEN])
{
	const EVP_MD *md = oc_ossl_sha256();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (key == NULL || out == NULL)
		return OC_ERR_ARGS;
	if (md == NULL ||
	    !EVP_Digest(key, OC_CMEK_KEY_LEN, d, &len, md, NULL) ||
	    len != OC_CMEK_FPR_LEN) {
		ERR_clear_error();
		return OC_ERR_CRYPTO;
	}
	memcpy(out, d, OC_CMEK_FPR_LEN);
	return OC_OK;
}

void oc_cmek_fingerprint_hex(const uint8_t fpr[OC_CMEK_FPR_LEN],
			     char out[OC_CMEK_FPR_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < OC_CMEK_FPR_LEN; i++) {
		out[2 * i] = hex[fpr[i] >> 4];
		out[2 * i + 1] = hex[fpr[i] & 0x0f];
	}
	out[OC_CMEK_FPR_HEX_LEN] = '\0';
}

static struct oc_cmek_key *key_new(void)
{
	struct oc_cmek_key *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	if (pthread_mutex_init(&k->enc.lock, NULL) != 0) {
		free(k);
		return NULL;
	}
	if (pthread_mutex_init(&k->dec.lock, NULL) != 0) {
		pthread_mutex_destroy(&k->enc.lock);
		free(k);
		return NULL;
	}
	k->serial = atomic_fetch_add(&key_serials, 1) + 1;
	return k;
}

int oc_cmek_key_from_raw(const uint8_t key[OC_CMEK_KEY_LEN],
			 struct oc_cmek_key **out)
{
	struct oc_cmek_key *k = NULL;
	int rc = OC_ERR_ARGS;

	if (key == NULL || out == NULL)
		goto out;
	rc = OC_ERR_NOMEM;
	k = key_new();
	if (k == NULL)
		goto out;
	k->raw = oc_secure_alloc(OC_CMEK_KEY_LEN);
	if (k->raw == NULL)
		goto out;
	memcpy(k->raw, key, OC_CMEK_KEY_LEN);
	rc = oc_cmek_fingerprint(k->raw, k->fpr);
	if (rc != OC_OK)
		goto out;
	*out = k;
	k = NULL;
out:
	oc_cmek_key_free(k);
	return rc;
}

int oc_cmek_key_from_ops(const struct oc_cmek_key_ops *ops, void *ctx,
			 const uint8_t fpr[OC_CMEK_FPR_LEN],
			 struct oc_cmek_key **out)
{
	struct oc_cmek_key *k;

	if (ops == NULL || ops->seal == NULL || ops->open == NULL ||
	    fpr == NULL || out == NULL)
		return OC_ERR_ARGS;
	k = key_new();
	if (k == NULL)
		return OC_ERR_NOMEM;
	k->ops = ops;
	k->ops_ctx = ctx;
	memcpy(k->fpr, fpr, OC_CMEK_FPR_LEN);
	*out = k;
	return OC_OK;
}

void oc_cmek_key_free(struct oc_cmek_key *k)
{
	if (k == NULL)
		return;
	EVP_CIPHER_CTX_free(k->enc.ctx);
	EVP_CIPHER_CTX_free(k->dec.ctx);
	pthread_mutex_destroy(&k->enc.lock);
	pthread_mutex_destroy(&k->dec.lock);
	oc_secure_free(k->raw);
	if (k->ops != NULL && k->ops->free != NULL)
		k->ops->free(k->ops_ctx);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

const uint8_t *oc_cmek_key_fingerprint(const struct oc_cmek_key *k)
{
	return k ? k->fpr : NULL;
}

bool oc_cmek_key_is_delegated(const struct oc_cmek_key *k)
{
	return k != NULL && k->ops != NULL;
}

int oc_cmek_key_raw(const struct oc_cmek_key *k, uint8_t out[OC_CMEK_KEY_LEN])
{
	if (k == NULL || out == NULL)
		return OC_ERR_ARGS;
	if (k->ops != NULL || k->raw == NULL)
		return OC_ERR_UNSUPPORTED;
	memcpy(out, k->raw, OC_CMEK_KEY_LEN);
	return OC_OK;
}

int oc_cmek_gcm_seal(const struct oc_cmek_key *k, uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		     size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len)
{
	return oc_cmek_gcm_seal_ctx(k, NULL, iv, iv_len, aad, aad_len, pt, n,
				    ct, tag, tag_len);
}

int oc_cmek_gcm_seal_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
			 uint8_t *iv, size_t iv_len, const uint8_t *aad,
			 size_t aad_len, const uint8_t *pt, size_t n,
			 uint8_t *ct, uint8_t *tag, size_t tag_len)
{
	int rc;

	if (k == NULL)
		return OC_ERR_ARGS;
	rc = check_gcm_args(iv, iv_len, aad, aad_len, pt, n, ct, tag, tag_len);
	if (rc != OC_OK)
		return rc;
	if (k->ops != NULL)
		return k->ops->seal(k->ops_ctx, iv, iv_len, aad, aad_len, pt, n,
				    ct, tag, tag_len);
	return raw_or_own(k, c, 1, iv, iv_len, aad, aad_len, pt, n, ct, NULL,
			  tag, tag_len);
}

int oc_cmek_gcm_open(const struct oc_cmek_key *k, const uint8_t *iv,
		     size_t iv_len, const uint8_t *aad, size_t aad_len,
		     const uint8_t *ct, size_t n, const uint8_t *tag,
		     size_t tag_len, uint8_t *pt)
{
	return oc_cmek_gcm_open_ctx(k, NULL, iv, iv_len, aad, aad_len, ct, n,
				    tag, tag_len, pt);
}

int oc_cmek_gcm_open_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
			 const uint8_t *iv, size_t iv_len, const uint8_t *aad,
			 size_t aad_len, const uint8_t *ct, size_t n,
			 const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	int rc;

	if (k == NULL)
		return OC_ERR_ARGS;
	rc = check_gcm_args(iv, iv_len, aad, aad_len, ct, n, pt, tag, tag_len);
	if (rc != OC_OK)
		return rc;
	if (k->ops != NULL) {
		rc = k->ops->open(k->ops_ctx, iv, iv_len, aad, aad_len, ct, n,
				  tag, tag_len, pt);
		/* Do not trust a delegate to have cleaned up. */
		if (rc != OC_OK && n != 0)
			OPENSSL_cleanse(pt, n);
		return rc;
	}
	return raw_or_own(k, c, 0, iv, iv_len, aad, aad_len, ct, n, pt, tag,
			  NULL, tag_len);
}

static int seal_iv(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		   const uint8_t iv[OC_CMEK_IV_LEN], const uint8_t *pt,
		   size_t n, uint8_t *blob, size_t blob_size, size_t *blob_len)
{
	int rc;

	if (k == NULL || iv == NULL || (pt == NULL && n != 0) || blob == NULL ||
	    blob_len == NULL)
		return OC_ERR_ARGS;
	if (n > OC_CMEK_MAX_PLAINTEXT || blob_size < oc_cmek_blob_len(n))
		return OC_ERR_RANGE;
	blob[0] = OC_CMEK_VERSION;
	memcpy(blob + 1, iv, OC_CMEK_IV_LEN);
	/* Sealed in place: a token that picks its own IV leaves it here. */
	rc = oc_cmek_gcm_seal_ctx(k, c, blob + 1, OC_CMEK_IV_LEN, NULL, 0, pt,
				  n, blob + 1 + OC_CMEK_IV_LEN,
				  blob + 1 + OC_CMEK_IV_LEN + n,
				  OC_CMEK_TAG_LEN);
	if (rc != OC_OK) {
		oc_debug(OC_LOG_CMEK, "seal of %zu bytes failed: %s", n,
			 oc_strerror(rc));
		return rc;
	}
	*blob_len = oc_cmek_blob_len(n);
	return OC_OK;
}

int oc_cmek_seal_iv(const struct oc_cmek_key *k,
		    const uint8_t iv[OC_CMEK_IV_LEN], const uint8_t *pt,
		    size_t n, uint8_t *blob, size_t blob_size, size_t *blob_len)
{
	return seal_iv(k, NULL, iv, pt, n, blob, blob_size, blob_len);
}

int oc_cmek_seal(const struct oc_cmek_key *k, const uint8_t *pt, size_t n,
		 uint8_t *blob, size_t blob_size, size_t *blob_len)
{
	return oc_cmek_seal_ctx(k, NULL, pt, n, blob, blob_size, blob_len);
}

int oc_cmek_seal_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		     const uint8_t *pt, size_t n, uint8_t *blob,
		     size_t blob_size, size_t *blob_len)
{
	uint8_t iv[OC_CMEK_IV_LEN];
	int rc;

	if (k == NULL || (pt == NULL && n != 0) || blob == NULL ||
	    blob_len == NULL)
		return OC_ERR_ARGS;
	if (n > OC_CMEK_MAX_PLAINTEXT || blob_size < oc_cmek_blob_len(n))
		return OC_ERR_RANGE;
	rc = oc_random(iv, sizeof(iv));
	if (rc != OC_OK)
		return rc;
	return seal_iv(k, c, iv, pt, n, blob, blob_size, blob_len);
}

int oc_cmek_open(const struct oc_cmek_key *k, const uint8_t *blob, size_t n,
		 uint8_t *pt, size_t pt_size, size_t *pt_len)
{
	return oc_cmek_open_ctx(k, NULL, blob, n, pt, pt_size, pt_len);
}

int oc_cmek_open_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		     const uint8_t *blob, size_t n, uint8_t *pt, size_t pt_size,
		     size_t *pt_len)
{
	size_t ct_len;
	int rc;

	if (k == NULL || (blob == NULL && n != 0) || pt_len == NULL)
		return OC_ERR_ARGS;
	if (n < OC_CMEK_OVERHEAD)
		return OC_ERR_TOO_SHORT;
	if (blob[0] != OC_CMEK_VERSION) {
		oc_debug(OC_LOG_CMEK, "unsupported CMEK version %u", blob[0]);
		return OC_ERR_VERSION;
	}
	ct_len = n - OC_CMEK_OVERHEAD;
	if (ct_len > OC_CMEK_MAX_PLAINTEXT || pt_size < ct_len)
		return OC_ERR_RANGE;
	if (pt == NULL && ct_len != 0)
		return OC_ERR_ARGS;
	rc = oc_cmek_gcm_open_ctx(
	    k, c, blob + 1, OC_CMEK_IV_LEN, NULL, 0, blob + 1 + OC_CMEK_IV_LEN,
	    ct_len, blob + 1 + OC_CMEK_IV_LEN + ct_len, OC_CMEK_TAG_LEN, pt);
	if (rc != OC_OK) {
		oc_debug(OC_LOG_CMEK, "open of a %zu-byte blob failed: %s", n,
			 oc_strerror(rc));
		return rc;
	}
	*pt_len = ct_len;
	return OC_OK;
}
