/* cmek.h - the 1claw CMEK format: AES-256-GCM, blob = 0x01 || IV(12) ||
 * ciphertext || tag(16), no AAD; fingerprint = SHA-256 of the 32 key bytes.
 *
 * A key is either raw bytes held in locked memory, or a delegated key whose
 * AES-GCM work is forwarded to someone else (another PKCS#11 token) through
 * a small ops table, so the bytes are never in this process. */
#ifndef OC_CMEK_H
#define OC_CMEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_CMEK_KEY_LEN	    32
#define OC_CMEK_IV_LEN	    12
#define OC_CMEK_TAG_LEN	    16
#define OC_CMEK_VERSION	    0x01
#define OC_CMEK_OVERHEAD    (1 + OC_CMEK_IV_LEN + OC_CMEK_TAG_LEN) /* 29 */
#define OC_CMEK_FPR_LEN	    32
#define OC_CMEK_FPR_HEX_LEN 64
/* Largest plaintext sealed or opened in one call (values are <= 5 MB). */
#define OC_CMEK_MAX_PLAINTEXT (8u * 1024 * 1024)

/* AES-256-GCM primitives a key source provides.  iv_len 1..128 bytes,
 * tag_len 4..16 (CK_GCM_PARAMS limits); aad may be NULL when aad_len is 0.
 * seal's iv is in and out: a token that generates its own IVs (this
 * module is one) may replace it, and seal leaves the IV it really used
 * there.  open must write nothing readable to pt when the tag fails (it
 * may use pt as scratch but must wipe it) and return OC_ERR_DECRYPT. */
struct oc_cmek_key_ops {
	int (*seal)(void *ctx, uint8_t *iv, size_t iv_len, const uint8_t *aad,
		    size_t aad_len, const uint8_t *pt, size_t n, uint8_t *ct,
		    uint8_t *tag, size_t tag_len);
	int (*open)(void *ctx, const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		    size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt);
	void (*free)(void *ctx);
};

struct oc_cmek_key;

/* Copies the 32 bytes into locked memory and computes the fingerprint. */
int oc_cmek_key_from_raw(const uint8_t key[OC_CMEK_KEY_LEN],
			 struct oc_cmek_key **out);
/* A delegated key: ops/ctx do the work; fpr is its known fingerprint.  On
 * success the key owns ctx (ops->free is called by oc_cmek_key_free). */
int oc_cmek_key_from_ops(const struct oc_cmek_key_ops *ops, void *ctx,
			 const uint8_t fpr[OC_CMEK_FPR_LEN],
			 struct oc_cmek_key **out);
/* Wipes; NULL-safe. */
void oc_cmek_key_free(struct oc_cmek_key *k);
const uint8_t *oc_cmek_key_fingerprint(const struct oc_cmek_key *k);
bool oc_cmek_key_is_delegated(const struct oc_cmek_key *k);
/* Raw bytes of a non-delegated key, for the server-assisted rotation
 * headers only; OC_ERR_UNSUPPORTED for a delegated key. */
int oc_cmek_key_raw(const struct oc_cmek_key *k, uint8_t out[OC_CMEK_KEY_LEN]);

int oc_cmek_fingerprint(const uint8_t key[OC_CMEK_KEY_LEN],
			uint8_t out[OC_CMEK_FPR_LEN]);
/* 64 lowercase hex chars + NUL. */
void oc_cmek_fingerprint_hex(const uint8_t fpr[OC_CMEK_FPR_LEN],
			     char out[OC_CMEK_FPR_HEX_LEN + 1]);

/* Blob length for an n-byte plaintext. */
static inline size_t oc_cmek_blob_len(size_t n)
{
	return n + OC_CMEK_OVERHEAD;
}

/* Seals with a fresh random IV.  OC_ERR_RANGE when blob_size is too small. */
int oc_cmek_seal(const struct oc_cmek_key *k, const uint8_t *pt, size_t n,
		 uint8_t *blob, size_t blob_size, size_t *blob_len);
/* Same with a given IV (test vectors only; a delegated key's token may
 * still pick another, which the blob then holds). */
int oc_cmek_seal_iv(const struct oc_cmek_key *k,
		    const uint8_t iv[OC_CMEK_IV_LEN], const uint8_t *pt,
		    size_t n, uint8_t *blob, size_t blob_size,
		    size_t *blob_len);
/* Checks in this order: n >= 29 (OC_ERR_TOO_SHORT), blob[0] == 1
 * (OC_ERR_VERSION), tag (OC_ERR_DECRYPT).  pt_size >= n - 29 else
 * OC_ERR_RANGE.  On any failure pt holds no plaintext. */
int oc_cmek_open(const struct oc_cmek_key *k, const uint8_t *blob, size_t n,
		 uint8_t *pt, size_t pt_size, size_t *pt_len);

/* A caller's own cipher context: keyed for one key at a time (again when
 * used with another), used by one thread at a time.  A session keeps one
 * per direction, so that callers on different sessions share no lock and
 * no context, and the key schedule is not set up again for each
 * operation.  A delegated key ignores it. */
struct oc_cmek_ctx;

int oc_cmek_ctx_new(struct oc_cmek_ctx **out);
/* Wipes (the key schedule goes with the context); NULL-safe. */
void oc_cmek_ctx_free(struct oc_cmek_ctx *c);

/* oc_cmek_seal and oc_cmek_open on a context of the caller's (NULL: the
 * key's own, shared by all callers). */
int oc_cmek_seal_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		     const uint8_t *pt, size_t n, uint8_t *blob,
		     size_t blob_size, size_t *blob_len);
int oc_cmek_open_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
		     const uint8_t *blob, size_t n, uint8_t *pt, size_t pt_size,
		     size_t *pt_len);

/* Plain AES-256-GCM on the key (CKM_AES_GCM), same rules as the ops: a
 * delegated key's token may replace the IV in iv (see seal above). */
int oc_cmek_gcm_seal(const struct oc_cmek_key *k, uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		     size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len);
int oc_cmek_gcm_open(const struct oc_cmek_key *k, const uint8_t *iv,
		     size_t iv_len, const uint8_t *aad, size_t aad_len,
		     const uint8_t *ct, size_t n, const uint8_t *tag,
		     size_t tag_len, uint8_t *pt);
/* The same on a context of the caller's (NULL: the key's own). */
int oc_cmek_gcm_seal_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
			 uint8_t *iv, size_t iv_len, const uint8_t *aad,
			 size_t aad_len, const uint8_t *pt, size_t n,
			 uint8_t *ct, uint8_t *tag, size_t tag_len);
int oc_cmek_gcm_open_ctx(const struct oc_cmek_key *k, struct oc_cmek_ctx *c,
			 const uint8_t *iv, size_t iv_len, const uint8_t *aad,
			 size_t aad_len, const uint8_t *ct, size_t n,
			 const uint8_t *tag, size_t tag_len, uint8_t *pt);

/* Raw-key AES-256-GCM helpers shared by the raw key source and the server's
 * envelope code. */
int oc_aes_gcm_seal(const uint8_t key[32], const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		    size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len);
int oc_aes_gcm_open(const uint8_t key[32], const uint8_t *iv, size_t iv_len,
		    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		    size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt);

#endif
