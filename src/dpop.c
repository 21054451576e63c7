/* dpop.c - RFC 9449 proofs (dpop.h).
 *
 * The public key is read once, at the first proof or JWK asked for, and
 * kept as its JWK, thumbprint and the proof header already in base64url;
 * a proof is then a payload, one SHA-256 and one signature. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "buf.h"
#include "codec.h"
#include "dpop.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "ossl.h"

#define COORD_LEN  32
#define COORD_B64  43 /* base64url of 32 bytes, no padding */
#define METHOD_MAX 16
#define HEADER_MAX (OC_DPOP_JWK_MAX + 64)

struct oc_dpop {
	struct oc_dpop_signer s;
	unsigned long refs;   /* __atomic */
	pthread_mutex_t lock; /* the members below */
	bool have_key;
	char jwk[OC_DPOP_JWK_MAX];
	char jkt[OC_DPOP_JKT_LEN + 1];
	char header_b64[HEADER_MAX * 4 / 3 + 4]; /* base64url of the header */
};

/* --- the JWK -------------------------------------------------------- */

/* base64url of 32 bytes (a coordinate, a SHA-256): 43 characters. */
static int b64url_32(const uint8_t in[32], char out[COORD_B64 + 1])
{
	char padded[COORD_B64 + 2]; /* the encoder's room for one '=' */
	int rc = oc_base64url_encode(in, 32, padded, sizeof(padded));

	if (!rc)
		memcpy(out, padded, COORD_B64 + 1);
	return rc;
}

static int coord_b64(const EVP_PKEY *pub, const char *param,
		     char out[COORD_B64 + 1])
{
	uint8_t raw[COORD_LEN];
	BIGNUM *bn = NULL;
	int rc = OC_ERR_CRYPTO;

	if (EVP_PKEY_get_bn_param(pub, param, &bn) != 1 ||
	    BN_bn2binpad(bn, raw, sizeof(raw)) != (int)sizeof(raw))
		goto out;
	rc = b64url_32(raw, out);
out:
	BN_free(bn);
	return rc;
}

/* x and y of a P-256 public key, base64url. */
static int p256_coords(const EVP_PKEY *pub, char x[COORD_B64 + 1],
		       char y[COORD_B64 + 1])
{
	char group[64];
	size_t n = 0;
	int rc;

	if (!pub)
		return OC_ERR_ARGS;
	if (!EVP_PKEY_is_a(pub, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), &n) != 1 ||
	    (strcmp(group, SN_X9_62_prime256v1) != 0 &&
	     strcmp(group, "P-256") != 0)) {
		oc_debug(OC_LOG_API,
			 "DPoP key refused: ES256 needs an EC P-256 key, "
			 "not %s",
			 EVP_PKEY_is_a(pub, "EC") ? "another curve"
						  : "this key type");
		return OC_ERR_UNSUPPORTED;
	}
	rc = coord_b64(pub, OSSL_PKEY_PARAM_EC_PUB_X, x);
	if (!rc)
		rc = coord_b64(pub, OSSL_PKEY_PARAM_EC_PUB_Y, y);
	return rc;
}

/* The SDK's member order; base64url needs no escaping. */
static int jwk_text(const char *x, const char *y, char *out, size_t cap)
{
	int n = snprintf(out, cap,
			 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
			 "\"y\":\"%s\"}",
			 x, y);

	return n > 0 && (size_t)n < cap ? OC_OK : OC_ERR_RANGE;
}

int oc_dpop_jwk_of(const EVP_PKEY *pub, char *out, size_t cap)
{
	char x[COORD_B64 + 1], y[COORD_B64 + 1];
	int rc;

	if (!out)
		return OC_ERR_ARGS;
	rc = p256_coords(pub, x, y);
	return rc ? rc : jwk_text(x, y, out, cap);
}

int oc_dpop_jkt(const char *x, const char *y, char out[OC_DPOP_JKT_LEN + 1])
{
	char canon[OC_DPOP_JWK_MAX];
	uint8_t md[32];
	unsigned mdlen = 0;
	int n;

	n = snprintf(
	    canon, sizeof(canon),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x,
	    y);
	if (n <= 0 || (size_t)n >= sizeof(canon))
		return OC_ERR_RANGE;
	if (!oc_ossl_sha256() || EVP_Digest(canon, (size_t)n, md, &mdlen,
					    oc_ossl_sha256(), NULL) != 1)
		return OC_ERR_CRYPTO;
	return mdlen == sizeof(md) ? b64url_32(md, out) : OC_ERR_CRYPTO;
}

/* Reads the signer's public key once; lock held. */
static int load_key(struct oc_dpop *d)
{
	char x[COORD_B64 + 1], y[COORD_B64 + 1];
	char header[HEADER_MAX];
	EVP_PKEY *pub = NULL;
	int rc, n;

	if (d->have_key)
		return OC_OK;
	rc = d->s.public_key(d->s.ctx, &pub);
	if (rc)
		return rc;
	rc = p256_coords(pub, x, y);
	EVP_PKEY_free(pub);
	if (rc)
		return rc;
	rc = jwk_text(x, y, d->jwk, sizeof(d->jwk));
	if (rc)
		return rc;
	n = snprintf(header, sizeof(header),
		     "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":%s}",
		     d->jwk);
	if (n <= 0 || (size_t)n >= sizeof(header))
		return OC_ERR_RANGE;
	rc = oc_base64url_encode((const uint8_t *)header, (size_t)n,
				 d->header_b64, sizeof(d->header_b64));
	if (!rc)
		rc = oc_dpop_jkt(x, y, d->jkt);
	if (rc)
		return rc;
	d->have_key = true;
	oc_debug(OC_LOG_API, "DPoP key: P-256, thumbprint %s", d->jkt);
	return OC_OK;
}

static int with_key(struct oc_dpop *d)
{
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = load_key(d);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* --- the object ----------------------------------------------------- */

int oc_dpop_new(const struct oc_dpop_signer *s, struct oc_dpop **out)
{
	struct oc_dpop *d;

	if (!s || !out)
		return OC_ERR_ARGS;
	if (!s->public_key || !s->sign) {
		if (s->free)
			s->free(s->ctx);
		return OC_ERR_ARGS;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		if (s->free)
			s->free(s->ctx);
		return OC_ERR_NOMEM;
	}
	d->s = *s;
	d->refs = 1;
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return OC_OK;
}

struct oc_dpop *oc_dpop_ref(struct oc_dpop *d)
{
	if (d)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

void oc_dpop_free(struct oc_dpop *d)
{
	if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (d->s.free)
		d->s.free(d->s.ctx);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void oc_dpop_abandon(struct oc_dpop *d)
{
	if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (d->s.abandon)
		d->s.abandon(d->s.ctx);
	else if (d->s.free)
		d->s.free(d->s.ctx);
	/* The parent may have held the lock at fork: do not destroy it. */
	free(d);
}

int oc_dpop_jwk(struct oc_dpop *d, char *out, size_t cap)
{
	int rc;

	if (!d || !out)
		return OC_ERR_ARGS;
	rc = with_key(d);
	if (rc)
		return rc;
	if (strlen(d->jwk) >= cap)
		return OC_ERR_RANGE;
	memcpy(out, d->jwk, strlen(d->jwk) + 1);
	return OC_OK;
}

int oc_dpop_thumbprint(struct oc_dpop *d, char out[OC_DPOP_JKT_LEN + 1])
{
	int rc;

	if (!d || !out)
		return OC_ERR_ARGS;
	rc = with_key(d);
	if (!rc)
		memcpy(out, d->jkt, OC_DPOP_JKT_LEN + 1);
	return rc;
}

/* --- proofs --------------------------------------------------------- */

int oc_dpop_htu(const char *url, char *out, size_t cap)
{
	size_t n;

	if (!url || !out)
		return OC_ERR_ARGS;
	n = strcspn(url, "?#");
	if (n == 0 || n > OC_DPOP_HTU_MAX || n >= cap)
		return OC_ERR_RANGE;
	memcpy(out, url, n);
	out[n] = '\0';
	return OC_OK;
}

static bool method_ok(const char *m)
{
	size_t i, n = m ? strlen(m) : 0;

	if (n == 0 || n > METHOD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return false;
	return true;
}

static int payload_json(struct oc_buf *b, const char *method, const char *htu)
{
	char jti[OC_UUID_LEN + 1];
	struct oc_jgen j;
	int rc;

	rc = oc_uuid(jti);
	if (rc)
		return rc;
	rc = oc_jgen_init(&j, b);
	if (!rc && yajl_gen_map_open(j.g) != yajl_gen_status_ok)
		rc = OC_ERR_INTERNAL;
	if (!rc)
		rc = oc_jgen_kv_str(&j, "jti", jti);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "htm", method);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "htu", htu);
	if (!rc)
		rc = oc_jgen_kv_int(&j, "iat", (int64_t)time(NULL));
	if (!rc && yajl_gen_map_close(j.g) != yajl_gen_status_ok)
		rc = OC_ERR_INTERNAL;
	if (!rc)
		rc = oc_jgen_status(&j);
	oc_jgen_free(&j);
	return rc;
}

/* Appends "." and base64url of data[0..n). */
static int append_b64(struct oc_buf *out, const uint8_t *data, size_t n)
{
	char enc[OC_DPOP_PROOF_MAX];
	int rc;

	rc = oc_base64url_encode(data, n, enc, sizeof(enc));
	if (!rc)
		rc = oc_buf_append_str(out, ".");
	if (!rc)
		rc = oc_buf_append_str(out, enc);
	return rc;
}

int oc_dpop_proof(struct oc_dpop *d, const char *method, const char *url,
		  char **out)
{
	char htu[OC_DPOP_HTU_MAX + 1];
	uint8_t md[32], sig[64];
	unsigned mdlen = 0;
	struct oc_buf payload, jws;
	size_t n;
	int rc;

	if (!d || !out || !method_ok(method))
		return OC_ERR_ARGS;
	*out = NULL;
	rc = oc_dpop_htu(url, htu, sizeof(htu));
	if (rc)
		return rc;
	rc = with_key(d);
	if (rc)
		return rc;
	oc_buf_init(&payload, OC_DPOP_HTU_MAX + 256, false);
	oc_buf_init(&jws, OC_DPOP_PROOF_MAX, false);
	rc = payload_json(&payload, method, htu);
	if (!rc)
		rc = oc_buf_append_str(&jws, d->header_b64);
	if (!rc)
		rc = append_b64(&jws, payload.data, payload.len);
	if (rc)
		goto out;
	if (!oc_ossl_sha256() || EVP_Digest(jws.data, jws.len, md, &mdlen,
					    oc_ossl_sha256(), NULL) != 1) {
		rc = OC_ERR_CRYPTO;
		goto out;
	}
	rc = d->s.sign(d->s.ctx, md, sig);
	if (rc) {
		oc_debug(OC_LOG_API, "DPoP proof: signing failed: %s",
			 oc_strerror(rc));
		goto out;
	}
	rc = append_b64(&jws, sig, sizeof(sig));
	if (!rc) {
		*out = (char *)oc_buf_steal(&jws, &n);
		if (!*out)
			rc = OC_ERR_NOMEM;
	}
out:
	oc_buf_free(&payload);
	oc_buf_free(&jws);
	return rc;
}

/* --- a key in this process ------------------------------------------- */

static int pkey_public(void *ctx, EVP_PKEY **out)
{
	if (EVP_PKEY_up_ref(ctx) != 1)
		return OC_ERR_CRYPTO;
	*out = ctx;
	return OC_OK;
}

static int pkey_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
	EVP_PKEY_CTX *pc = NULL;
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	const unsigned char *p;
	unsigned char der[80];
	size_t dlen = sizeof(der);
	int rc = OC_ERR_CRYPTO;

	pc = EVP_PKEY_CTX_new_from_pkey(oc_ossl_libctx(), ctx, NULL);
	if (!pc || EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_sign(pc, der, &dlen, digest, 32) != 1)
		goto out;
	p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 ||
	    BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	rc = OC_OK;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(pc);
	return rc;
}

static void pkey_free(void *ctx)
{
	EVP_PKEY_free(ctx);
}

int oc_dpop_signer_pkey(EVP_PKEY *key, struct oc_dpop_signer *out)
{
	if (!key || !out)
		return OC_ERR_ARGS;
	*out = (struct oc_dpop_signer){
	    .public_key = pkey_public,
	    .sign = pkey_sign,
	    .free = pkey_free,
	    .ctx = key,
	};
	return OC_OK;
}
