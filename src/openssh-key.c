/* openssh-key.c - OpenSSH's openssh-key-v1 private key format.
 *
 * The layout (OpenSSH's PROTOCOL.key): the magic "openssh-key-v1\0",
 * string ciphername, string kdfname, string kdfoptions, uint32 number of
 * keys, string public key, string private section.  The private section
 * (unencrypted here) is uint32 check1, uint32 check2, string key type, the
 * type's fields, string comment, then padding 1, 2, 3, ... to a multiple
 * of 8.  Every read is bounded by what is left; nothing may follow the
 * padding or the private section.
 *
 * The decoded body holds the private key, so it lives in oc_secure_alloc
 * memory; private numbers go into secure BIGNUMs and the OSSL_PARAM
 * blocks built from them are cleared when freed. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>

#include "codec.h"
#include "err.h"
#include "openssh-key.h"
#include "ossl.h"
#include "pkey.h"
#include "secmem.h"

static const char header[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
static const char footer[] = "-----END OPENSSH PRIVATE KEY-----";
static const char magic[] = "openssh-key-v1"; /* and its NUL */

#define ED25519_LEN 32
/* The largest RSA modulus accepted (8192 bits) plus a sign byte. */
#define MPINT_MAX (1024 + 1)

static const struct ssh_curve {
	const char *type;  /* key type string */
	const char *ident; /* curve identifier inside the key */
	const char *group; /* OpenSSL's group name */
	size_t field_len;
} ssh_curves[] = {
    {"ecdsa-sha2-nistp256", "nistp256", "prime256v1", 32},
    {"ecdsa-sha2-nistp384", "nistp384", "secp384r1", 48},
    {"ecdsa-sha2-nistp521", "nistp521", "secp521r1", 66},
};

/* ------------------------------------------------------------------ */
/* A bounded reader over SSH wire encoding */

struct rd {
	const uint8_t *p;
	size_t left;
};

static int get_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return OC_ERR_PARSE;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return OC_OK;
}

static int get_string(struct rd *r, const uint8_t **s, size_t *len)
{
	uint32_t n;

	if (get_u32(r, &n) != OC_OK || n > r->left)
		return OC_ERR_PARSE;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return OC_OK;
}

/* A string read as a sub-reader. */
static int get_sub(struct rd *r, struct rd *sub)
{
	return get_string(r, &sub->p, &sub->left);
}

static bool same(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

static bool str_eq(const uint8_t *s, size_t len, const char *want)
{
	return same(s, len, (const uint8_t *)want, strlen(want));
}

/* An mpint: positive, at most max bytes once leading zeros are dropped
 * (as OpenSSH does when it reads one). */
static int get_mpint(struct rd *r, const uint8_t **s, size_t *len, size_t max)
{
	const uint8_t *p;
	size_t n;

	if (get_string(r, &p, &n) != OC_OK)
		return OC_ERR_PARSE;
	if (n > 0 && (p[0] & 0x80) != 0)
		return OC_ERR_PARSE;
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0 || n > max)
		return OC_ERR_PARSE;
	*s = p;
	*len = n;
	return OC_OK;
}

/* For reasons: a key type name, only when it is short printable ASCII. */
static void type_name(const uint8_t *s, size_t len, char *out, size_t n)
{
	bool ok = len > 0 && len < n && len <= 64;

	for (size_t i = 0; ok && i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			ok = false;
	if (ok)
		snprintf(out, n, "%.*s", (int)len, (const char *)s);
	else
		snprintf(out, n, "(unprintable)");
}

/* ------------------------------------------------------------------ */
/* Building keys */

static EVP_PKEY *from_params(const char *name, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;

	ctx = EVP_PKEY_CTX_new_from_name(oc_ossl_libctx(), name, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* pub: string (32); priv: string (64) = seed || pub. */
static int ed25519_key(struct rd *r, const uint8_t *pub_blob, size_t pub_len,
		       EVP_PKEY **out, char *why, size_t why_len)
{
	const uint8_t *pub, *priv;
	size_t plen, slen, dlen = ED25519_LEN;
	uint8_t derived[ED25519_LEN];
	OSSL_PARAM params[2];
	EVP_PKEY *k = NULL;
	int rc = OC_ERR_PARSE;

	if (get_string(r, &pub, &plen) != OC_OK || plen != ED25519_LEN ||
	    get_string(r, &priv, &slen) != OC_OK || slen != 2 * ED25519_LEN ||
	    memcmp(priv + ED25519_LEN, pub, ED25519_LEN) != 0) {
		oc_pkey_why(why, why_len, "malformed OpenSSH ssh-ed25519 key");
		goto out;
	}
	if (!same(pub_blob, pub_len, pub, plen)) {
		oc_pkey_why(why, why_len,
			    "OpenSSH public and private keys do not match");
		goto out;
	}
	/* The seed is used in place: no copy to wipe. */
	params[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PRIV_KEY, (void *)priv, ED25519_LEN);
	params[1] = OSSL_PARAM_construct_end();
	rc = OC_ERR_CRYPTO;
	k = from_params("ED25519", params);
	if (k == NULL || EVP_PKEY_get_raw_public_key(k, derived, &dlen) != 1 ||
	    dlen != ED25519_LEN) {
		oc_pkey_why(why, why_len, "the crypto library failed");
		goto out;
	}
	rc = OC_ERR_PARSE;
	if (CRYPTO_memcmp(derived, pub, ED25519_LEN) != 0) {
		oc_pkey_why(
		    why, why_len,
		    "OpenSSH ssh-ed25519 key: public key does not match "
		    "the private key");
		goto out;
	}
	*out = k;
	k = NULL;
	rc = OC_OK;
out:
	EVP_PKEY_free(k);
	return rc;
}

/* EC_POINT checks in OpenSSL find a point off the curve or one that does
 * not belong to the private scalar. */
static int pairwise(EVP_PKEY *k)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	ctx = EVP_PKEY_CTX_new_from_pkey(oc_ossl_libctx(), k, NULL);
	ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? OC_OK : OC_ERR_PARSE;
}

/* ecdsa: string curve, string Q, mpint d; the public blob holds
 * string type, string curve, string Q. */
static int ecdsa_key(struct rd *r, const struct ssh_curve *c,
		     const uint8_t *pub_q, size_t pub_q_len, EVP_PKEY **out,
		     char *why, size_t why_len)
{
	const uint8_t *ident, *q, *d;
	size_t ilen, qlen, dlen;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *priv = NULL;
	EVP_PKEY *k = NULL;
	int rc = OC_ERR_PARSE;

	if (get_string(r, &ident, &ilen) != OC_OK ||
	    !str_eq(ident, ilen, c->ident) ||
	    get_string(r, &q, &qlen) != OC_OK || qlen != 1 + 2 * c->field_len ||
	    q[0] != 0x04 || get_mpint(r, &d, &dlen, c->field_len) != OC_OK) {
		oc_pkey_why(why, why_len, "malformed OpenSSH %s key", c->type);
		goto out;
	}
	if (!same(pub_q, pub_q_len, q, qlen)) {
		oc_pkey_why(why, why_len,
			    "OpenSSH public and private keys do not match");
		goto out;
	}
	rc = OC_ERR_NOMEM;
	priv = BN_secure_new();
	bld = OSSL_PARAM_BLD_new();
	if (priv == NULL || bld == NULL ||
	    BN_bin2bn(d, (int)dlen, priv) == NULL)
		goto out;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    c->group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q,
					     qlen) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	rc = OC_ERR_PARSE;
	k = from_params("EC", params);
	if (k == NULL || pairwise(k) != OC_OK) {
		oc_pkey_why(why, why_len,
			    "OpenSSH %s key: public key does not match the "
			    "private key",
			    c->type);
		goto out;
	}
	*out = k;
	k = NULL;
	rc = OC_OK;
out:
	EVP_PKEY_free(k);
	OSSL_PARAM_free(params); /* clears the secure block holding d */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	return rc;
}

static BIGNUM *bn_of(const uint8_t *p, size_t n, bool secret)
{
	BIGNUM *b = secret ? BN_secure_new() : BN_new();

	if (b != NULL && BN_bin2bn(p, (int)n, b) == NULL) {
		BN_clear_free(b);
		b = NULL;
	}
	return b;
}

/* rsa: mpint n, e, d, iqmp, p, q; the public blob holds mpint e, n. */
static int rsa_key(struct rd *r, struct rd *pub, EVP_PKEY **out, char *why,
		   size_t why_len)
{
	const uint8_t *v[6], *pe, *pn;
	size_t vl[6], pel, pnl;
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *iqmp = NULL, *p = NULL,
	       *q = NULL, *dmp1 = NULL, *dmq1 = NULL, *t = NULL, *pm1 = NULL,
	       *qm1 = NULL;
	BN_CTX *bc = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *k = NULL;
	int rc = OC_ERR_PARSE;

	for (size_t i = 0; i < 6; i++)
		if (get_mpint(r, &v[i], &vl[i], MPINT_MAX) != OC_OK) {
			oc_pkey_why(why, why_len,
				    "malformed OpenSSH ssh-rsa key");
			goto out;
		}
	if (get_mpint(pub, &pe, &pel, MPINT_MAX) != OC_OK ||
	    get_mpint(pub, &pn, &pnl, MPINT_MAX) != OC_OK) {
		oc_pkey_why(why, why_len,
			    "malformed OpenSSH ssh-rsa public key");
		goto out;
	}
	if (!same(pn, pnl, v[0], vl[0]) || !same(pe, pel, v[1], vl[1])) {
		oc_pkey_why(why, why_len,
			    "OpenSSH public and private keys do not match");
		goto out;
	}
	if (vl[1] > OC_PKEY_MAX_EXPONENT) {
		rc = OC_ERR_UNSUPPORTED;
		oc_pkey_why(why, why_len, "RSA public exponent is invalid");
		goto out;
	}
	rc = OC_ERR_NOMEM;
	n = bn_of(v[0], vl[0], false);
	e = bn_of(v[1], vl[1], false);
	d = bn_of(v[2], vl[2], true);
	iqmp = bn_of(v[3], vl[3], true);
	p = bn_of(v[4], vl[4], true);
	q = bn_of(v[5], vl[5], true);
	dmp1 = BN_secure_new();
	dmq1 = BN_secure_new();
	t = BN_secure_new();
	pm1 = BN_secure_new();
	qm1 = BN_secure_new();
	bc = BN_CTX_secure_new_ex(oc_ossl_libctx());
	if (n == NULL || e == NULL || d == NULL || iqmp == NULL || p == NULL ||
	    q == NULL || dmp1 == NULL || dmq1 == NULL || t == NULL ||
	    pm1 == NULL || qm1 == NULL || bc == NULL)
		goto out;
	/* OpenSSH does not store d mod (p-1) and d mod (q-1); compute them,
	 * and check the numbers belong together while at it (cheap next to
	 * a signature). */
	rc = OC_ERR_PARSE;
	if (BN_cmp(p, BN_value_one()) <= 0 || BN_cmp(q, BN_value_one()) <= 0 ||
	    !BN_mul(t, p, q, bc) || BN_cmp(t, n) != 0 ||
	    !BN_sub(pm1, p, BN_value_one()) ||
	    !BN_sub(qm1, q, BN_value_one()) || !BN_mod(dmp1, d, pm1, bc) ||
	    !BN_mod(dmq1, d, qm1, bc) || !BN_mod_mul(t, e, dmp1, pm1, bc) ||
	    !BN_is_one(t) || !BN_mod_mul(t, e, dmq1, qm1, bc) ||
	    !BN_is_one(t) || !BN_mod_mul(t, iqmp, q, p, bc) || !BN_is_one(t)) {
		oc_pkey_why(
		    why, why_len,
		    "OpenSSH ssh-rsa key: its numbers do not form a key");
		goto out;
	}
	rc = OC_ERR_NOMEM;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) !=
		1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) !=
		1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
				   iqmp) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL)
		goto out;
	rc = OC_ERR_CRYPTO;
	k = from_params("RSA", params);
	if (k == NULL) {
		oc_pkey_why(why, why_len, "the crypto library failed");
		goto out;
	}
	*out = k;
	k = NULL;
	rc = OC_OK;
out:
	if (rc == OC_ERR_NOMEM)
		oc_pkey_why(why, why_len, "out of memory");
	EVP_PKEY_free(k);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bc);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(iqmp);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_clear_free(t);
	BN_clear_free(pm1);
	BN_clear_free(qm1);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The container */

/* The decoded container into *out: one key, matched against its public
 * half and within oc_pkey_check's list. */
static int parse_body(const uint8_t *body, size_t len, EVP_PKEY **out,
		      char *why, size_t why_len)
{
	struct rd r = {body, len}, pub, priv;
	const uint8_t *cipher, *kdf, *kdfopts, *ptype, *type, *comment;
	size_t clen, klen, olen, ptlen, tlen, mlen;
	uint32_t nkeys, check1, check2;
	const struct ssh_curve *curve = NULL;
	EVP_PKEY *k = NULL;
	char name[72];
	int rc = OC_ERR_PARSE;

	if (r.left < sizeof(magic) || memcmp(r.p, magic, sizeof(magic)) != 0) {
		oc_pkey_why(why, why_len, "not an openssh-key-v1 key");
		goto out;
	}
	r.p += sizeof(magic);
	r.left -= sizeof(magic);
	if (get_string(&r, &cipher, &clen) != OC_OK ||
	    get_string(&r, &kdf, &klen) != OC_OK ||
	    get_string(&r, &kdfopts, &olen) != OC_OK ||
	    get_u32(&r, &nkeys) != OC_OK) {
		oc_pkey_why(why, why_len, "truncated OpenSSH key");
		goto out;
	}
	if (!str_eq(cipher, clen, "none")) {
		rc = OC_ERR_UNSUPPORTED;
		oc_pkey_why(why, why_len,
			    "encrypted OpenSSH key (no passphrase)");
		goto out;
	}
	if (!str_eq(kdf, klen, "none") || olen != 0) {
		oc_pkey_why(why, why_len, "malformed OpenSSH key (kdf)");
		goto out;
	}
	if (nkeys != 1) {
		rc = OC_ERR_UNSUPPORTED;
		oc_pkey_why(why, why_len, "OpenSSH key file with %lu keys",
			    (unsigned long)nkeys);
		goto out;
	}
	if (get_sub(&r, &pub) != OC_OK || get_sub(&r, &priv) != OC_OK) {
		oc_pkey_why(why, why_len, "truncated OpenSSH key");
		goto out;
	}
	if (r.left != 0) {
		oc_pkey_why(why, why_len, "trailing data in the OpenSSH key");
		goto out;
	}
	/* Unencrypted sections are padded to the "none" cipher's block. */
	if (priv.left % 8 != 0 || get_u32(&priv, &check1) != OC_OK ||
	    get_u32(&priv, &check2) != OC_OK) {
		oc_pkey_why(why, why_len, "malformed OpenSSH private section");
		goto out;
	}
	if (check1 != check2) {
		oc_pkey_why(why, why_len, "OpenSSH key check words differ");
		goto out;
	}
	if (get_string(&pub, &ptype, &ptlen) != OC_OK ||
	    get_string(&priv, &type, &tlen) != OC_OK) {
		oc_pkey_why(why, why_len, "truncated OpenSSH key");
		goto out;
	}
	if (!same(ptype, ptlen, type, tlen)) {
		oc_pkey_why(why, why_len,
			    "OpenSSH public and private key types differ");
		goto out;
	}
	for (size_t i = 0; i < sizeof(ssh_curves) / sizeof(ssh_curves[0]); i++)
		if (str_eq(type, tlen, ssh_curves[i].type))
			curve = &ssh_curves[i];
	if (str_eq(type, tlen, "ssh-ed25519")) {
		const uint8_t *pk;
		size_t pklen;

		if (get_string(&pub, &pk, &pklen) != OC_OK) {
			oc_pkey_why(why, why_len,
				    "malformed OpenSSH public key");
			goto out;
		}
		rc = ed25519_key(&priv, pk, pklen, &k, why, why_len);
	} else if (curve != NULL) {
		const uint8_t *ident, *q;
		size_t ilen, qlen;

		if (get_string(&pub, &ident, &ilen) != OC_OK ||
		    !str_eq(ident, ilen, curve->ident) ||
		    get_string(&pub, &q, &qlen) != OC_OK) {
			oc_pkey_why(why, why_len,
				    "malformed OpenSSH public key");
			goto out;
		}
		rc = ecdsa_key(&priv, curve, q, qlen, &k, why, why_len);
	} else if (str_eq(type, tlen, "ssh-rsa")) {
		rc = rsa_key(&priv, &pub, &k, why, why_len);
	} else {
		rc = OC_ERR_UNSUPPORTED;
		type_name(type, tlen, name, sizeof(name));
		oc_pkey_why(why, why_len, "unsupported key type %s", name);
		goto out;
	}
	if (rc != OC_OK)
		goto out;
	rc = OC_ERR_PARSE;
	if (pub.left != 0) {
		oc_pkey_why(why, why_len,
			    "trailing data in the OpenSSH public key");
		goto out;
	}
	if (get_string(&priv, &comment, &mlen) != OC_OK) {
		oc_pkey_why(why, why_len, "truncated OpenSSH key");
		goto out;
	}
	if (priv.left >= 8) {
		oc_pkey_why(why, why_len, "bad padding in the OpenSSH key");
		goto out;
	}
	for (size_t i = 0; i < priv.left; i++)
		if (priv.p[i] != (uint8_t)(i + 1)) {
			oc_pkey_why(why, why_len,
				    "bad padding in the OpenSSH key");
			goto out;
		}
	rc = oc_pkey_check(k, why, why_len);
	if (rc != OC_OK)
		goto out;
	*out = k;
	k = NULL;
out:
	EVP_PKEY_free(k);
	return rc;
}

bool oc_openssh_key_is(const uint8_t *in, size_t n)
{
	size_t i = 0;

	if (in == NULL)
		return false;
	while (i < n && oc_pkey_is_space(in[i]))
		i++;
	return n - i >= sizeof(header) - 1 &&
	       memcmp(in + i, header, sizeof(header) - 1) == 0;
}

int oc_openssh_key_parse(const uint8_t *in, size_t n, EVP_PKEY **out, char *why,
			 size_t why_len)
{
	const uint8_t *start, *end;
	uint8_t *body = NULL;
	size_t i = 0, cap = 0, blen = 0, rest;
	int rc;

	rc = oc_pkey_check_input(in, n, out != NULL, why, why_len);
	if (rc != OC_OK)
		return rc;
	rc = OC_ERR_PARSE;
	if (!oc_openssh_key_is(in, n)) {
		oc_pkey_why(why, why_len, "not an OpenSSH private key");
		goto out;
	}
	while (oc_pkey_is_space(in[i]))
		i++;
	start = in + i + sizeof(header) - 1;
	rest = n - (size_t)(start - in);
	end = memmem(start, rest, footer, sizeof(footer) - 1);
	if (end == NULL) {
		oc_pkey_why(why, why_len,
			    "truncated OpenSSH key (no END line)");
		goto out;
	}
	for (const uint8_t *p = end + sizeof(footer) - 1; p < in + n; p++)
		if (!oc_pkey_is_space(*p)) {
			oc_pkey_why(why, why_len,
				    "trailing data after the OpenSSH key");
			goto out;
		}
	rc = OC_ERR_NOMEM;
	cap = oc_base64_decoded_max((size_t)(end - start)) + 1;
	body = oc_secure_alloc(cap);
	if (body == NULL)
		goto out;
	rc = oc_base64_decode((const char *)start, (size_t)(end - start), body,
			      cap, &blen);
	if (rc != OC_OK) {
		rc = OC_ERR_PARSE;
		oc_pkey_why(why, why_len, "corrupt base64 in the OpenSSH key");
		goto out;
	}
	rc = parse_body(body, blen, out, why, why_len);
out:
	oc_secure_free(body); /* wipes the decoded key */
	oc_ossl_clear_errors();
	return rc;
}
