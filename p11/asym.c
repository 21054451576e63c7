/* asym.c - the public-key mechanisms on OpenSSL's EVP interface, always in
 * the core's private library context (the key is exported into it when it
 * came from elsewhere).
 *
 * Three shapes of operation:
 *   digest   CKM_SHA*_RSA_PKCS(_PSS), CKM_ECDSA_SHA*: an EVP_MD_CTX
 *            (EVP_DigestSign/Verify) fed by every update;
 *   EdDSA    an EVP_MD_CTX without digest, one-shot over the collected
 *            message;
 *   raw      CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP,
 *            CKM_RSA_X_509, CKM_ECDSA:
 *            an EVP_PKEY_CTX over one collected block.
 * ECDSA signatures cross the PKCS#11 boundary as r||s (each as long as the
 * group order) and OpenSSL's as DER: converted both ways here. */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "asym.h"
#include "err.h"
#include "ossl.h"
#include "pkey.h"
#include "secmem.h"

/* Longest OAEP label taken from an application. */
#define MAX_LABEL 1024
/* Longest hash CKM_ECDSA signs: SHA-512's. */
#define MAX_ECDSA_HASH 64
/* Room for a DER ECDSA-Sig-Value on P-521 (at most 139 bytes). */
#define MAX_ECDSA_DER 160

enum alg {
	ALG_RSA = 1,
	ALG_EC,
	ALG_ED25519,
};

enum pad {
	PAD_NONE = 0,
	PAD_PKCS1,
	PAD_PSS,
	PAD_OAEP,
	PAD_RAW, /* CKM_RSA_X_509 */
};

#define SV	 (CKF_SIGN | CKF_VERIFY)
#define ED	 (CKF_ENCRYPT | CKF_DECRYPT)
#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)

struct mech {
	CK_MECHANISM_TYPE type;
	enum alg alg;
	enum pad pad;
	CK_MECHANISM_TYPE digest; /* the multi-part ones: CKM_SHA256, ... */
	CK_FLAGS flags;
};

static const struct mech mechs[] = {
    {CKM_RSA_PKCS, ALG_RSA, PAD_PKCS1, 0, SV | ED},
    {CKM_RSA_PKCS_PSS, ALG_RSA, PAD_PSS, 0, SV},
    {CKM_SHA256_RSA_PKCS, ALG_RSA, PAD_PKCS1, CKM_SHA256, SV},
    {CKM_SHA384_RSA_PKCS, ALG_RSA, PAD_PKCS1, CKM_SHA384, SV},
    {CKM_SHA512_RSA_PKCS, ALG_RSA, PAD_PKCS1, CKM_SHA512, SV},
    {CKM_SHA256_RSA_PKCS_PSS, ALG_RSA, PAD_PSS, CKM_SHA256, SV},
    {CKM_SHA384_RSA_PKCS_PSS, ALG_RSA, PAD_PSS, CKM_SHA384, SV},
    {CKM_SHA512_RSA_PKCS_PSS, ALG_RSA, PAD_PSS, CKM_SHA512, SV},
    {CKM_RSA_PKCS_OAEP, ALG_RSA, PAD_OAEP, 0, ED},
    /* Raw RSA: what OpenSSL's RSA_NO_PADDING becomes in PKCS#11 clients
     * (libp11 signs TLS 1.3's RSA-PSS this way, padding in OpenSSL). */
    {CKM_RSA_X_509, ALG_RSA, PAD_RAW, 0, SV | ED},
    {CKM_ECDSA, ALG_EC, PAD_NONE, 0, SV | EC_FLAGS},
    {CKM_ECDSA_SHA256, ALG_EC, PAD_NONE, CKM_SHA256, SV | EC_FLAGS},
    {CKM_ECDSA_SHA384, ALG_EC, PAD_NONE, CKM_SHA384, SV | EC_FLAGS},
    {CKM_EDDSA, ALG_ED25519, PAD_NONE, 0, SV},
};

#define N_MECHS (sizeof(mechs) / sizeof(mechs[0]))

/* The hashes PSS and OAEP parameters may name.  SHA-1 and SHA-224 are
 * there to verify what others signed: a new PSS signature is over a hash
 * of SHA-2 of 256 bits or more (its MGF1 hash, which needs no collision
 * resistance, may be any; OAEP takes all five: SHA-1 is its common
 * default). */
struct hash {
	CK_MECHANISM_TYPE ckm;
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *name;
	size_t len;
	bool sign;
};

static const struct hash hashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1, "SHA1", 20, false},
    {CKM_SHA224, CKG_MGF1_SHA224, "SHA224", 28, false},
    {CKM_SHA256, CKG_MGF1_SHA256, "SHA256", 32, true},
    {CKM_SHA384, CKG_MGF1_SHA384, "SHA384", 48, true},
    {CKM_SHA512, CKG_MGF1_SHA512, "SHA512", 64, true},
};

#define N_HASHES (sizeof(hashes) / sizeof(hashes[0]))

/* CK_EDDSA_PARAMS of PKCS#11 3.0, which p11-kit's header lacks. */
struct eddsa_params {
	CK_BBOOL phFlag;
	CK_ULONG ulContextDataLen;
	CK_BYTE_PTR pContextData;
};

/* What the mechanism parameters asked for. */
struct params {
	const struct hash *hash; /* PSS, OAEP */
	const struct hash *mgf;	 /* PSS, OAEP */
	int salt;		 /* PSS */
	const unsigned char *label;
	size_t label_len;
};

static const struct mech *mech_find(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < N_MECHS; i++)
		if (mechs[i].type == type)
			return &mechs[i];
	return NULL;
}

static const struct hash *hash_by_ckm(CK_MECHANISM_TYPE ckm)
{
	size_t i;

	for (i = 0; i < N_HASHES; i++)
		if (hashes[i].ckm == ckm)
			return &hashes[i];
	return NULL;
}

static const struct hash *hash_by_mgf(CK_RSA_PKCS_MGF_TYPE mgf)
{
	size_t i;

	for (i = 0; i < N_HASHES; i++)
		if (hashes[i].mgf == mgf)
			return &hashes[i];
	return NULL;
}

/* OpenSSL's error queue is per thread and shared with the application:
 * leave nothing of ours behind. */
static CK_RV done(CK_RV rv)
{
	if (rv != CKR_OK)
		oc_ossl_clear_errors();
	return rv;
}

CK_RV oc_asym_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	const struct mech *me = mech_find(type);

	if (!me)
		return CKR_MECHANISM_INVALID;
	/* A NULL info only asks whether the mechanism is one of ours. */
	if (!info)
		return CKR_OK;
	memset(info, 0, sizeof(*info));
	switch (me->alg) {
	case ALG_RSA:
		info->ulMinKeySize = 2048;
		info->ulMaxKeySize = 8192;
		break;
	case ALG_EC:
		info->ulMinKeySize = 256;
		info->ulMaxKeySize = 521;
		break;
	case ALG_ED25519:
		/* In bits, as p11-kit and SoftHSM report it. */
		info->ulMinKeySize = 255;
		info->ulMaxKeySize = 255;
		break;
	}
	info->flags = me->flags;
	return CKR_OK;
}

size_t oc_asym_mech_count(void)
{
	return N_MECHS;
}

CK_MECHANISM_TYPE oc_asym_mech_at(size_t i)
{
	return i < N_MECHS ? mechs[i].type : CKM_VENDOR_DEFINED;
}

static CK_FLAGS flag_of(enum oc_asym_use use)
{
	switch (use) {
	case OC_ASYM_SIGN:
		return CKF_SIGN;
	case OC_ASYM_VERIFY:
		return CKF_VERIFY;
	case OC_ASYM_ENCRYPT:
		return CKF_ENCRYPT;
	case OC_ASYM_DECRYPT:
		return CKF_DECRYPT;
	}
	return 0;
}

static bool key_is(const EVP_PKEY *key, enum alg alg)
{
	switch (alg) {
	case ALG_RSA:
		return EVP_PKEY_is_a(key, "RSA");
	case ALG_EC:
		return EVP_PKEY_is_a(key, "EC");
	case ALG_ED25519:
		return EVP_PKEY_is_a(key, "ED25519");
	}
	return false;
}

/* No parameters.  A non-NULL pointer with length 0 is taken too: some
 * applications pass one. */
static CK_RV no_params(const CK_MECHANISM *m)
{
	return m->ulParameterLen ? CKR_MECHANISM_PARAM_INVALID : CKR_OK;
}

/* Ed25519 in its pure form only: no prehash, no context. */
static CK_RV eddsa_params(const CK_MECHANISM *m)
{
	const struct eddsa_params *ep = m->pParameter;

	if (!m->ulParameterLen)
		return CKR_OK;
	if (!ep || m->ulParameterLen != sizeof(*ep))
		return CKR_MECHANISM_PARAM_INVALID;
	if (ep->phFlag || ep->ulContextDataLen)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV pss_params(const struct mech *me, enum oc_asym_use use,
			const CK_MECHANISM *m, int bits, struct params *p)
{
	const CK_RSA_PKCS_PSS_PARAMS *pp = m->pParameter;
	size_t em;

	if (!pp || m->ulParameterLen != sizeof(*pp))
		return CKR_MECHANISM_PARAM_INVALID;
	p->hash = hash_by_ckm(pp->hashAlg);
	p->mgf = hash_by_mgf(pp->mgf);
	if (!p->hash || !p->mgf)
		return CKR_MECHANISM_PARAM_INVALID;
	if (use == OC_ASYM_SIGN && !p->hash->sign)
		return CKR_MECHANISM_PARAM_INVALID;
	if (me->digest && me->digest != pp->hashAlg)
		return CKR_MECHANISM_PARAM_INVALID;
	/* RFC 8017 9.1.1: emLen = ceil((modBits - 1) / 8) must hold the
	 * hash, the salt and two more bytes. */
	em = ((size_t)bits - 1 + 7) / 8;
	if (em < p->hash->len + 2 || pp->sLen > em - p->hash->len - 2)
		return CKR_MECHANISM_PARAM_INVALID;
	p->salt = (int)pp->sLen;
	return CKR_OK;
}

static CK_RV oaep_params(const CK_MECHANISM *m, size_t k, struct params *p)
{
	const CK_RSA_PKCS_OAEP_PARAMS *op = m->pParameter;

	if (!op || m->ulParameterLen != sizeof(*op))
		return CKR_MECHANISM_PARAM_INVALID;
	p->hash = hash_by_ckm(op->hashAlg);
	p->mgf = hash_by_mgf(op->mgf);
	if (!p->hash || !p->mgf)
		return CKR_MECHANISM_PARAM_INVALID;
	/* The spec knows only CKZ_DATA_SPECIFIED; a zero source with no
	 * label is what some applications send for "no label". */
	if (op->source != CKZ_DATA_SPECIFIED &&
	    !(op->source == 0 && op->ulSourceDataLen == 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (op->ulSourceDataLen > MAX_LABEL ||
	    (op->ulSourceDataLen && !op->pSourceData))
		return CKR_MECHANISM_PARAM_INVALID;
	if (k < 2 * p->hash->len + 2)
		return CKR_MECHANISM_PARAM_INVALID;
	p->label = op->pSourceData;
	p->label_len = op->ulSourceDataLen;
	return CKR_OK;
}

/* Parameters, key size and the bounds of input and output. */
static CK_RV shape(struct oc_asym *op, const struct mech *me,
		   const CK_MECHANISM *m, struct params *p)
{
	int bits = EVP_PKEY_get_bits(op->key);
	int size = EVP_PKEY_get_size(op->key);
	size_t k;
	CK_RV rv;

	if (bits <= 0 || size <= 0)
		return CKR_FUNCTION_FAILED;
	k = (size_t)size;
	switch (me->alg) {
	case ALG_RSA:
		if (bits < 2048 || bits > 8192)
			return CKR_KEY_SIZE_RANGE;
		op->out_len = k;
		if (me->pad == PAD_PSS)
			rv = pss_params(me, op->use, m, bits, p);
		else if (me->pad == PAD_OAEP)
			rv = oaep_params(m, k, p);
		else
			rv = no_params(m);
		if (rv != CKR_OK)
			return rv;
		if (op->use == OC_ASYM_DECRYPT) {
			op->in_min = op->in_max = k;
		} else if (me->pad == PAD_OAEP) {
			op->in_max = k - 2 * p->hash->len - 2;
		} else if (me->pad == PAD_PSS) {
			op->in_min = op->in_max = p->hash->len;
		} else if (me->pad == PAD_RAW) {
			/* Shorter input is a number with leading zeros. */
			op->in_min = 1;
			op->in_max = k;
		} else {
			/* PKCS#1 v1.5: 8 bytes of padding at least, 3 fixed */
			op->in_max = k - 11;
		}
		return CKR_OK;
	case ALG_EC:
		if (bits < 256 || bits > 521 || k > MAX_ECDSA_DER)
			return CKR_KEY_SIZE_RANGE;
		/* r and s are as long as the group order (bits is its
		 * length). */
		op->out_len = 2 * (((size_t)bits + 7) / 8);
		op->in_min = 1;
		op->in_max = MAX_ECDSA_HASH;
		return no_params(m);
	case ALG_ED25519:
		op->out_len = 64;
		op->in_max = OC_ASYM_MAX_INPUT;
		return eddsa_params(m);
	}
	return CKR_FUNCTION_FAILED;
}

/* The RSA padding and its parameters on the context.  Through the
 * EVP_PKEY_CTX_set_rsa_* calls, not OSSL_PARAMs: when the application set
 * an engine as the default for RSA (openssl -engine pkcs11 does), OpenSSL
 * 3.0 gives even our provider key a legacy context, which understands the
 * calls but not the parameters. */
static CK_RV set_rsa(EVP_PKEY_CTX *pctx, const struct mech *me,
		     const struct params *p)
{
	const EVP_MD *hash =
	    p->hash ? EVP_get_digestbyname(p->hash->name) : NULL;
	const EVP_MD *mgf = p->mgf ? EVP_get_digestbyname(p->mgf->name) : NULL;
	unsigned char *label = NULL;
	int pad;

	switch (me->pad) {
	case PAD_PSS:
		pad = RSA_PKCS1_PSS_PADDING;
		break;
	case PAD_OAEP:
		pad = RSA_PKCS1_OAEP_PADDING;
		break;
	case PAD_RAW:
		pad = RSA_NO_PADDING;
		break;
	default:
		pad = RSA_PKCS1_PADDING;
		break;
	}
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, pad) <= 0)
		return CKR_FUNCTION_FAILED;
	if (me->pad == PAD_PSS) {
		if (!hash || !mgf)
			return CKR_FUNCTION_FAILED;
		/* A digest-sign context has its digest already. */
		if (!me->digest &&
		    EVP_PKEY_CTX_set_signature_md(pctx, hash) <= 0)
			return CKR_FUNCTION_FAILED;
		if (EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, p->salt) <= 0)
			return CKR_FUNCTION_FAILED;
	} else if (me->pad == PAD_OAEP) {
		if (!hash || !mgf ||
		    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, hash) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) <= 0)
			return CKR_FUNCTION_FAILED;
		if (p->label_len) {
			/* The context takes the copy. */
			label = OPENSSL_memdup(p->label, p->label_len);
			if (!label)
				return CKR_HOST_MEMORY;
			if (EVP_PKEY_CTX_set0_rsa_oaep_label(
				pctx, label, (int)p->label_len) <= 0) {
				OPENSSL_free(label);
				return CKR_FUNCTION_FAILED;
			}
		}
	}
	return CKR_OK;
}

/* The OpenSSL contexts.  PKCS#1 v1.5 decryption keeps OpenSSL's default
 * behaviour: implicit rejection where the library has it (3.2 on), a
 * constant-time padding check and an error before. */
static CK_RV contexts(struct oc_asym *op, const struct mech *me,
		      const struct params *p)
{
	OSSL_LIB_CTX *lc = oc_ossl_libctx();
	const struct hash *dg = me->digest ? hash_by_ckm(me->digest) : NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	if (!lc)
		return CKR_FUNCTION_FAILED;
	if (me->digest || me->alg == ALG_ED25519) {
		op->md = EVP_MD_CTX_new();
		if (!op->md)
			return CKR_HOST_MEMORY;
		/* pctx stays owned by the digest context. */
		if (op->use == OC_ASYM_SIGN)
			ok = EVP_DigestSignInit_ex(op->md, &pctx,
						   dg ? dg->name : NULL, lc,
						   NULL, op->key, NULL);
		else
			ok = EVP_DigestVerifyInit_ex(op->md, &pctx,
						     dg ? dg->name : NULL, lc,
						     NULL, op->key, NULL);
	} else {
		op->pctx = pctx = EVP_PKEY_CTX_new_from_pkey(lc, op->key, NULL);
		if (!pctx)
			return CKR_FUNCTION_FAILED;
		switch (op->use) {
		case OC_ASYM_SIGN:
			ok = EVP_PKEY_sign_init(pctx);
			break;
		case OC_ASYM_VERIFY:
			ok = EVP_PKEY_verify_init(pctx);
			break;
		case OC_ASYM_ENCRYPT:
			ok = EVP_PKEY_encrypt_init(pctx);
			break;
		case OC_ASYM_DECRYPT:
			ok = EVP_PKEY_decrypt_init(pctx);
			break;
		}
	}
	if (ok != 1 || !pctx)
		return CKR_FUNCTION_FAILED;
	if (me->alg != ALG_RSA)
		return CKR_OK;
	return set_rsa(pctx, me, p);
}

CK_RV oc_asym_init(struct oc_asym *op, enum oc_asym_use use,
		   const CK_MECHANISM *m, EVP_PKEY *key)
{
	const struct mech *me;
	struct params p;
	CK_RV rv;

	if (!op || !m || !key)
		return CKR_ARGUMENTS_BAD;
	if (op->active)
		return CKR_OPERATION_ACTIVE;
	oc_asym_clear(op);
	me = mech_find(m->mechanism);
	if (!me || !(me->flags & flag_of(use)))
		return CKR_MECHANISM_INVALID;
	if (!key_is(key, me->alg))
		return CKR_KEY_TYPE_INCONSISTENT;
	/* A public key where the private one is needed is the wrong type
	 * of key for the operation (KEY_FUNCTION_NOT_PERMITTED is for
	 * CKA_SIGN/CKA_DECRYPT and friends, which the caller checks). */
	if ((use == OC_ASYM_SIGN || use == OC_ASYM_DECRYPT) &&
	    !oc_pkey_has_private(key))
		return done(CKR_KEY_TYPE_INCONSISTENT);
	if (!EVP_PKEY_up_ref(key))
		return done(CKR_FUNCTION_FAILED);
	memset(&p, 0, sizeof(p));
	op->key = key;
	op->use = use;
	op->mech = me->type;
	rv = shape(op, me, m, &p);
	if (rv == CKR_OK)
		rv = contexts(op, me, &p);
	if (rv != CKR_OK) {
		oc_asym_clear(op);
		return done(rv);
	}
	/* Only the non-digest mechanisms collect their input, bounded by
	 * what the one block may hold. */
	if (!me->digest)
		oc_buf_init(&op->in, op->in_max, true);
	op->active = true;
	return CKR_OK;
}

/* Update: into the digest, or collected. */
static CK_RV feed(struct oc_asym *op, const struct mech *me, const uint8_t *in,
		  size_t n)
{
	int ok, err;

	if (!n)
		return CKR_OK;
	if (me->digest) {
		if (op->use == OC_ASYM_SIGN)
			ok = EVP_DigestSignUpdate(op->md, in, n);
		else
			ok = EVP_DigestVerifyUpdate(op->md, in, n);
		return ok == 1 ? CKR_OK : CKR_FUNCTION_FAILED;
	}
	err = oc_buf_append(&op->in, in, n);
	if (err == OC_ERR_RANGE)
		return CKR_DATA_LEN_RANGE;
	return err ? CKR_HOST_MEMORY : CKR_OK;
}

/* The whole collected input: the caller's own bytes when nothing came
 * before (the usual single-part call: no copy), else the buffer. */
static CK_RV gather(struct oc_asym *op, const struct mech *me,
		    const uint8_t *in, size_t n, const uint8_t **data,
		    size_t *len)
{
	CK_RV rv;

	if (!op->in.len) {
		*data = n ? in : (const uint8_t *)"";
		*len = n;
	} else {
		rv = feed(op, me, in, n);
		if (rv != CKR_OK)
			return rv;
		*data = op->in.data;
		*len = op->in.len;
	}
	if (*len < op->in_min || *len > op->in_max)
		return CKR_DATA_LEN_RANGE;
	return CKR_OK;
}

/* Raw RSA takes exactly the modulus' length: a shorter number gets its
 * leading zeros in blk (OC_PKEY_MAX_MODULUS bytes; the caller wipes). */
static void raw_block(const struct oc_asym *op, const struct mech *me,
		      const uint8_t **data, size_t *len, uint8_t *blk)
{
	size_t k = op->out_len;

	if (me->pad != PAD_RAW || *len >= k || k > OC_PKEY_MAX_MODULUS)
		return;
	memset(blk, 0, k - *len);
	memcpy(blk + (k - *len), *data, *len);
	*data = blk;
	*len = k;
}

static const struct mech *op_mech(const struct oc_asym *op,
				  enum oc_asym_use use)
{
	if (!op->active || op->use != use)
		return NULL;
	return mech_find(op->mech);
}

CK_RV oc_asym_update(struct oc_asym *op, const uint8_t *in, size_t n)
{
	const struct mech *me;

	if (!op || (n && !in))
		return CKR_ARGUMENTS_BAD;
	me = op_mech(op, op->use);
	if (!me || (op->use != OC_ASYM_SIGN && op->use != OC_ASYM_VERIFY))
		return CKR_OPERATION_NOT_INITIALIZED;
	return done(feed(op, me, in, n));
}

/* DER ECDSA-Sig-Value to r||s, each half bytes. */
static CK_RV der_to_raw(const unsigned char *der, size_t len, uint8_t *out,
			size_t half)
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig;
	CK_RV rv = CKR_FUNCTION_FAILED;

	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!sig)
		return rv;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(s, out + half, (int)half) == (int)half)
		rv = CKR_OK;
	ECDSA_SIG_free(sig);
	return rv;
}

/* r||s to DER into der (MAX_ECDSA_DER bytes). */
static CK_RV raw_to_der(const uint8_t *in, size_t half, unsigned char *der,
			size_t *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(in, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(in + half, (int)half, NULL);
	unsigned char *p = der;
	CK_RV rv = CKR_HOST_MEMORY;
	int n;

	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	/* now owned by sig */
	r = s = NULL;
	rv = CKR_FUNCTION_FAILED;
	n = i2d_ECDSA_SIG(sig, NULL);
	if (n <= 0 || n > MAX_ECDSA_DER)
		goto out;
	if (i2d_ECDSA_SIG(sig, &p) != n)
		goto out;
	*len = (size_t)n;
	rv = CKR_OK;
out:
	ECDSA_SIG_free(sig);
	return rv;
}

CK_RV oc_asym_sign(struct oc_asym *op, const uint8_t *in, size_t n,
		   uint8_t *sig, size_t *sig_len)
{
	unsigned char der[MAX_ECDSA_DER];
	uint8_t blk[OC_PKEY_MAX_MODULUS];
	const struct mech *me;
	const uint8_t *data;
	size_t len, dlen;
	uint8_t *to;
	CK_RV rv;
	int ok;

	if (!op || !sig || !sig_len || (n && !in))
		return CKR_ARGUMENTS_BAD;
	me = op_mech(op, OC_ASYM_SIGN);
	if (!me)
		return CKR_OPERATION_NOT_INITIALIZED;
	/* ECDSA comes out as DER first. */
	to = me->alg == ALG_EC ? der : sig;
	len = me->alg == ALG_EC ? sizeof(der) : op->out_len;
	if (me->digest) {
		rv = feed(op, me, in, n);
		if (rv != CKR_OK)
			return done(rv);
		ok = EVP_DigestSignFinal(op->md, to, &len);
	} else {
		rv = gather(op, me, in, n, &data, &dlen);
		if (rv != CKR_OK)
			return done(rv);
		raw_block(op, me, &data, &dlen, blk);
		if (me->alg == ALG_ED25519)
			ok = EVP_DigestSign(op->md, to, &len, data, dlen);
		else
			ok = EVP_PKEY_sign(op->pctx, to, &len, data, dlen);
		oc_wipe(blk, sizeof(blk));
	}
	if (ok != 1)
		return done(CKR_FUNCTION_FAILED);
	if (me->alg == ALG_EC) {
		rv = der_to_raw(der, len, sig, op->out_len / 2);
		if (rv != CKR_OK)
			return done(rv);
		len = op->out_len;
	}
	if (len != op->out_len)
		return done(CKR_FUNCTION_FAILED);
	*sig_len = len;
	return CKR_OK;
}

CK_RV oc_asym_verify(struct oc_asym *op, const uint8_t *in, size_t n,
		     const uint8_t *sig, size_t sig_len)
{
	unsigned char der[MAX_ECDSA_DER];
	uint8_t blk[OC_PKEY_MAX_MODULUS];
	const struct mech *me;
	const uint8_t *data;
	size_t dlen;
	CK_RV rv;
	int ok;

	if (!op || (n && !in) || (sig_len && !sig))
		return CKR_ARGUMENTS_BAD;
	me = op_mech(op, OC_ASYM_VERIFY);
	if (!me)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (sig_len != op->out_len)
		return CKR_SIGNATURE_LEN_RANGE;
	if (me->alg == ALG_EC) {
		rv = raw_to_der(sig, sig_len / 2, der, &sig_len);
		if (rv != CKR_OK)
			return done(rv);
		sig = der;
	}
	if (me->digest) {
		rv = feed(op, me, in, n);
		if (rv != CKR_OK)
			return done(rv);
		ok = EVP_DigestVerifyFinal(op->md, sig, sig_len);
	} else {
		rv = gather(op, me, in, n, &data, &dlen);
		if (rv != CKR_OK)
			return done(rv);
		raw_block(op, me, &data, &dlen, blk);
		if (me->alg == ALG_ED25519)
			ok = EVP_DigestVerify(op->md, sig, sig_len, data, dlen);
		else
			ok =
			    EVP_PKEY_verify(op->pctx, sig, sig_len, data, dlen);
	}
	/* OpenSSL answers 0 or -1 for a bad signature depending on where
	 * it failed; both are a signature that does not verify. */
	return done(ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID);
}

CK_RV oc_asym_crypt(struct oc_asym *op, const uint8_t *in, size_t n,
		    uint8_t *out, size_t *out_len)
{
	uint8_t blk[OC_PKEY_MAX_MODULUS];
	const struct mech *me;
	bool enc;
	size_t len;
	int ok;

	if (!op || !out || !out_len || (n && !in))
		return CKR_ARGUMENTS_BAD;
	if (!op->active ||
	    (op->use != OC_ASYM_ENCRYPT && op->use != OC_ASYM_DECRYPT))
		return CKR_OPERATION_NOT_INITIALIZED;
	enc = op->use == OC_ASYM_ENCRYPT;
	if (n < op->in_min || n > op->in_max)
		return enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (!n)
		in = (const uint8_t *)"";
	len = op->out_len;
	if (enc) {
		me = mech_find(op->mech);
		if (me)
			raw_block(op, me, &in, &n, blk);
		ok = EVP_PKEY_encrypt(op->pctx, out, &len, in, n);
		oc_wipe(blk, sizeof(blk));
		if (ok != 1 || len > op->out_len)
			return done(CKR_FUNCTION_FAILED);
	} else {
		ok = EVP_PKEY_decrypt(op->pctx, out, &len, in, n);
		if (ok != 1 || len > op->out_len) {
			/* whatever was written may be a part of a plaintext */
			oc_wipe(out, op->out_len);
			return done(CKR_ENCRYPTED_DATA_INVALID);
		}
	}
	*out_len = len;
	return CKR_OK;
}

void oc_asym_clear(struct oc_asym *op)
{
	if (!op)
		return;
	EVP_MD_CTX_free(op->md);
	EVP_PKEY_CTX_free(op->pctx);
	EVP_PKEY_free(op->key);
	oc_buf_free(&op->in);
	oc_wipe(op, sizeof(*op));
}
