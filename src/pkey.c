/* pkey.c - private keys and X.509 certificates held in secrets.
 *
 * PEM is scanned here rather than handed whole to OpenSSL, so that the
 * block that matters is picked out (a key after "EC PARAMETERS", a leaf in
 * front of its chain), trailing data is refused, and a certificate or
 * public key where a private key belongs gets a reason of its own.  The
 * key block itself goes to an OSSL_DECODER on the core's library context
 * with a passphrase callback that never prompts: it only notes that the
 * key was encrypted.  OpenSSL's error queue is cleared on the way out so
 * the host never sees our failed attempts. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "codec.h"
#include "err.h"
#include "openssh-key.h"
#include "ossl.h"
#include "pkey.h"
#include "secmem.h"

#define LABEL_MAX 64

/* i2d of obj into a malloc'd buffer and its length.  On failure it goes
 * to out, with rc as the caller set it (OC_ERR_NOMEM when malloc fails). */
#define DER_DUP(i2d, obj, buf, len)                                            \
	do {                                                                   \
		int n_ = i2d((obj), NULL);                                     \
		unsigned char *p_;                                             \
		if (n_ <= 0)                                                   \
			goto out;                                              \
		(buf) = malloc((size_t)n_);                                    \
		if ((buf) == NULL) {                                           \
			rc = OC_ERR_NOMEM;                                     \
			goto out;                                              \
		}                                                              \
		p_ = (buf);                                                    \
		if (i2d((obj), &p_) != n_)                                     \
			goto out;                                              \
		(len) = (size_t)n_;                                            \
	} while (0)

/* The curves accepted, with their CKA_EC_PARAMS (DER OID) spelled out:
 * fixed bytes cannot fail where i2d_ASN1_OBJECT could. */
/* clang-format off */
static const struct curve {
	const char *name;  /* OpenSSL's group name */
	const char *nist;  /* the alias it may also report */
	int nid;
	unsigned bits;
	size_t field_len;
	uint8_t oid[10];
	size_t oid_len;
} curves[] = {
	{ "prime256v1", "P-256", NID_X9_62_prime256v1, 256, 32,
	  { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }, 10 },
	{ "secp384r1", "P-384", NID_secp384r1, 384, 48,
	  { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 }, 7 },
	{ "secp521r1", "P-521", NID_secp521r1, 521, 66,
	  { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 }, 7 },
};
/* clang-format on */

/* id-Ed25519, 1.3.101.112 */
static const uint8_t ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

void oc_pkey_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

bool oc_pkey_is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool all_space(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!oc_pkey_is_space(p[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* PEM blocks */

struct pem_block {
	size_t begin;	 /* offset of "-----BEGIN " */
	size_t body;	 /* just past the BEGIN line's closing dashes */
	size_t body_end; /* offset of "-----END " */
	size_t end;	 /* just past the END line's closing dashes */
	const uint8_t *label;
	size_t label_len;
};

static bool label_is(const struct pem_block *b, const char *s)
{
	size_t n = strlen(s);

	return b->label_len == n && memcmp(b->label, s, n) == 0;
}

/* The next PEM block at or after from: 1 found, 0 none, OC_ERR_PARSE for
 * a BEGIN line that is malformed or has no END line. */
static int pem_next(const uint8_t *in, size_t n, size_t from,
		    struct pem_block *b)
{
	static const char begin[] = "-----BEGIN ";
	char endm[LABEL_MAX + 16];
	const uint8_t *p, *d, *e;
	size_t pos = from, at, ls, look, endm_len;

	for (;;) {
		if (pos >= n)
			return 0;
		p = memmem(in + pos, n - pos, begin, sizeof(begin) - 1);
		if (p == NULL)
			return 0;
		at = (size_t)(p - in);
		/* Only at the start of a line. */
		if (at == 0 || in[at - 1] == '\n')
			break;
		pos = at + 1;
	}
	ls = at + sizeof(begin) - 1;
	look = n - ls < LABEL_MAX + 5 ? n - ls : LABEL_MAX + 5;
	d = memmem(in + ls, look, "-----", 5);
	if (d == NULL || d == in + ls)
		return OC_ERR_PARSE;
	b->begin = at;
	b->label = in + ls;
	b->label_len = (size_t)(d - b->label);
	for (size_t i = 0; i < b->label_len; i++) {
		uint8_t c = b->label[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' '))
			return OC_ERR_PARSE;
	}
	b->body = (size_t)(d - in) + 5;
	endm_len = (size_t)snprintf(endm, sizeof(endm), "-----END %.*s-----",
				    (int)b->label_len, (const char *)b->label);
	if (endm_len >= sizeof(endm))
		return OC_ERR_PARSE;
	e = memmem(in + b->body, n - b->body, endm, endm_len);
	if (e == NULL)
		return OC_ERR_PARSE;
	b->body_end = (size_t)(e - in);
	b->end = b->body_end + endm_len;
	return 1;
}

static bool is_key_label(const struct pem_block *b)
{
	return label_is(b, "PRIVATE KEY") || label_is(b, "RSA PRIVATE KEY") ||
	       label_is(b, "EC PRIVATE KEY") ||
	       label_is(b, "DSA PRIVATE KEY") ||
	       label_is(b, "ENCRYPTED PRIVATE KEY");
}

static bool is_cert_label(const struct pem_block *b)
{
	return label_is(b, "CERTIFICATE") || label_is(b, "X509 CERTIFICATE") ||
	       label_is(b, "TRUSTED CERTIFICATE");
}

static bool is_pub_label(const struct pem_block *b)
{
	return label_is(b, "PUBLIC KEY") || label_is(b, "RSA PUBLIC KEY");
}

/* The length of the DER element at in (tag, length and content), when it
 * is a SEQUENCE with a definite, minimally encoded length. */
static int der_seq_len(const uint8_t *in, size_t n, size_t *total)
{
	size_t len = 0, hdr, nb;

	if (n < 2 || in[0] != 0x30)
		return OC_ERR_PARSE;
	if (in[1] < 0x80) {
		len = in[1];
		hdr = 2;
	} else {
		nb = in[1] & 0x7f;
		if (nb == 0 || nb > 3 || n < 2 + nb || in[2] == 0)
			return OC_ERR_PARSE;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | in[2 + i];
		if (len < 0x80)
			return OC_ERR_PARSE;
		hdr = 2 + nb;
	}
	*total = hdr + len;
	return OC_OK;
}

/* ------------------------------------------------------------------ */
/* Checks and public facts */

static const struct curve *curve_of(const EVP_PKEY *k, char *name,
				    size_t name_len)
{
	size_t len = 0;

	name[0] = '\0';
	if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name,
					   name_len, &len) != 1) {
		snprintf(name, name_len, "(explicit parameters)");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (OPENSSL_strcasecmp(name, curves[i].name) == 0 ||
		    OPENSSL_strcasecmp(name, curves[i].nist) == 0)
			return &curves[i];
	return NULL;
}

int oc_pkey_check(const EVP_PKEY *k, char *why, size_t why_len)
{
	char name[64];
	const char *tn;
	BIGNUM *e = NULL;
	int bits, rc = OC_ERR_UNSUPPORTED;

	if (k == NULL)
		return OC_ERR_ARGS;
	if (EVP_PKEY_is_a(k, "RSA")) {
		bits = EVP_PKEY_get_bits(k);
		if (bits < 2048) {
			oc_pkey_why(why, why_len,
				    "RSA key of %d bits is below 2048", bits);
			goto out;
		}
		if (bits > 8192) {
			oc_pkey_why(why, why_len,
				    "RSA key of %d bits is above 8192", bits);
			goto out;
		}
		if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
		    BN_num_bytes(e) > OC_PKEY_MAX_EXPONENT || !BN_is_odd(e) ||
		    BN_is_one(e)) {
			oc_pkey_why(why, why_len,
				    "RSA public exponent is invalid");
			goto out;
		}
	} else if (EVP_PKEY_is_a(k, "EC")) {
		if (curve_of(k, name, sizeof(name)) == NULL) {
			oc_pkey_why(why, why_len, "unsupported curve %s", name);
			goto out;
		}
	} else if (!EVP_PKEY_is_a(k, "ED25519")) {
		tn = EVP_PKEY_get0_type_name(k);
		oc_pkey_why(why, why_len, "unsupported key type %s",
			    tn != NULL ? tn : "(unknown)");
		goto out;
	}
	rc = OC_OK;
out:
	BN_free(e);
	oc_ossl_clear_errors();
	return rc;
}

/* DER OCTET STRING of p[0..n) into out (n < 256). */
static size_t der_octets(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t h = 0;

	out[h++] = 0x04;
	if (n >= 0x80)
		out[h++] = 0x81;
	out[h++] = (uint8_t)n;
	memcpy(out + h, p, n);
	return h + n;
}

static int ec_point_of(const EVP_PKEY *k, const struct curve *c,
		       struct oc_pkey_pub *o)
{
	uint8_t pt[1 + 2 * 66];
	size_t len = 0, want = 1 + 2 * c->field_len;
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	int rc = OC_ERR_CRYPTO;

	if (EVP_PKEY_get_octet_string_param(k,
					    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    pt, sizeof(pt), &len) != 1 ||
	    len == 0)
		goto out;
	if (pt[0] != 0x04 || len != want) {
		/* A key read in compressed form: PKCS#11 wants 04||X||Y. */
		g = EC_GROUP_new_by_curve_name_ex(oc_ossl_libctx(), NULL,
						  c->nid);
		q = g != NULL ? EC_POINT_new(g) : NULL;
		if (q == NULL || EC_POINT_oct2point(g, q, pt, len, NULL) != 1)
			goto out;
		len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED,
					 pt, sizeof(pt), NULL);
		if (len != want)
			goto out;
	}
	o->ec_point_len = der_octets(pt, len, o->ec_point);
	memcpy(o->ec_params, c->oid, c->oid_len);
	o->ec_params_len = c->oid_len;
	o->bits = c->bits;
	rc = OC_OK;
out:
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return rc;
}

static int rsa_pub_of(const EVP_PKEY *k, struct oc_pkey_pub *o)
{
	BIGNUM *n = NULL, *e = NULL;
	int rc = OC_ERR_CRYPTO;

	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto out;
	if ((size_t)BN_num_bytes(n) > sizeof(o->modulus) ||
	    (size_t)BN_num_bytes(e) > sizeof(o->exponent)) {
		rc = OC_ERR_UNSUPPORTED;
		goto out;
	}
	o->modulus_len = (size_t)BN_bn2bin(n, o->modulus);
	o->exponent_len = (size_t)BN_bn2bin(e, o->exponent);
	o->bits = (unsigned)BN_num_bits(n);
	rc = OC_OK;
out:
	BN_free(n);
	BN_free(e);
	return rc;
}

int oc_pkey_pub_of(const EVP_PKEY *k, struct oc_pkey_pub *out)
{
	struct oc_pkey_pub *o = NULL;
	EVP_PKEY *ec = NULL;
	const struct curve *c;
	char name[64];
	uint8_t raw[32];
	size_t len = sizeof(raw);
	int rc;

	if (k == NULL || out == NULL)
		return OC_ERR_ARGS;
	rc = oc_pkey_check(k, NULL, 0);
	if (rc != OC_OK)
		return rc;
	rc = OC_ERR_NOMEM;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		goto out;
	rc = OC_ERR_CRYPTO;
	if (EVP_PKEY_is_a(k, "RSA")) {
		o->alg = OC_PKEY_RSA;
		rc = rsa_pub_of(k, o);
	} else if (EVP_PKEY_is_a(k, "EC")) {
		o->alg = OC_PKEY_EC;
		/* A key read with a compressed point would otherwise give
		 * another SPKI, and another CKA_ID, than its certificate. */
		rc = oc_pkey_public_copy(k, &ec);
		if (rc != OC_OK)
			goto out;
		rc = OC_ERR_CRYPTO;
		if (EVP_PKEY_set_utf8_string_param(
			ec, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
			goto out;
		k = ec;
		c = curve_of(k, name, sizeof(name));
		rc = c != NULL ? ec_point_of(k, c, o) : OC_ERR_UNSUPPORTED;
	} else {
		o->alg = OC_PKEY_ED25519;
		o->bits = 255;
		if (EVP_PKEY_get_raw_public_key(k, raw, &len) == 1 &&
		    len == sizeof(raw)) {
			memcpy(o->ec_params, ed25519_oid, sizeof(ed25519_oid));
			o->ec_params_len = sizeof(ed25519_oid);
			o->ec_point_len = der_octets(raw, len, o->ec_point);
			rc = OC_OK;
		}
	}
	if (rc != OC_OK)
		goto out;
	rc = OC_ERR_CRYPTO;
	DER_DUP(i2d_PUBKEY, k, o->spki, o->spki_len);
	if (EVP_Q_digest(oc_ossl_libctx(), "SHA1", NULL, o->spki, o->spki_len,
			 o->id, NULL) != 1)
		goto out;
	*out = *o;
	free(o);
	o = NULL;
	rc = OC_OK;
out:
	oc_pkey_pub_free(o);
	free(o);
	EVP_PKEY_free(ec);
	oc_ossl_clear_errors();
	return rc;
}

void oc_pkey_pub_free(struct oc_pkey_pub *p)
{
	if (p == NULL)
		return;
	free(p->spki);
	p->spki = NULL;
	p->spki_len = 0;
}

int oc_pkey_public_copy(const EVP_PKEY *k, EVP_PKEY **out)
{
	OSSL_DECODER_CTX *dctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *q;
	EVP_PKEY *pub = NULL;
	size_t len = 0;
	int rc = OC_ERR_ARGS;

	if (k == NULL || out == NULL)
		return rc;
	/* Through the SubjectPublicKeyInfo: whatever the key type, only its
	 * public half can cross, and the copy lands on our context. */
	rc = OC_ERR_CRYPTO;
	DER_DUP(i2d_PUBKEY, k, der, len);
	/* Decoded by a provider on our context, never d2i_PUBKEY: with an
	 * engine set as the default (openssl -engine pkcs11 does that) d2i
	 * makes a legacy key whose operations would run in that engine,
	 * which may be this module again. */
	q = der;
	dctx = OSSL_DECODER_CTX_new_for_pkey(
	    &pub, "DER", "SubjectPublicKeyInfo", EVP_PKEY_get0_type_name(k),
	    EVP_PKEY_PUBLIC_KEY, oc_ossl_libctx(), NULL);
	if (dctx == NULL || OSSL_DECODER_CTX_get_num_decoders(dctx) == 0)
		goto out;
	if (OSSL_DECODER_from_data(dctx, &q, &len) != 1 || pub == NULL ||
	    len != 0)
		goto out;
	*out = pub;
	pub = NULL;
	rc = OC_OK;
out:
	OSSL_DECODER_CTX_free(dctx);
	free(der);
	EVP_PKEY_free(pub);
	oc_ossl_clear_errors();
	return rc;
}

/* ------------------------------------------------------------------ */
/* Private keys */

/* Never prompts: OpenSSL asks only when the key is encrypted, so being
 * asked is the answer. */
static int no_passphrase(char *pass, size_t pass_size, size_t *pass_len,
			 const OSSL_PARAM params[], void *arg)
{
	bool *encrypted = arg;

	(void)pass;
	(void)pass_size;
	(void)params;
	*pass_len = 0;
	*encrypted = true;
	return 0;
}

/* A key pair from PEM or DER.  An encrypted key is OC_ERR_UNSUPPORTED and
 * a crypto library failure OC_ERR_CRYPTO, each with its reason; for
 * OC_ERR_PARSE the caller, who knows the input, gives the reason. */
static int decode_key(const uint8_t *in, size_t n, const char *input_type,
		      EVP_PKEY **out, char *why, size_t why_len)
{
	OSSL_DECODER_CTX *dctx = NULL;
	OSSL_LIB_CTX *lctx = oc_ossl_libctx();
	const unsigned char *data = in;
	size_t left = n;
	EVP_PKEY *k = NULL;
	bool encrypted = false;
	int rc = OC_ERR_CRYPTO;

	if (lctx == NULL)
		goto out;
	dctx = OSSL_DECODER_CTX_new_for_pkey(&k, input_type, NULL, NULL,
					     OSSL_KEYMGMT_SELECT_KEYPAIR, lctx,
					     NULL);
	if (dctx == NULL || OSSL_DECODER_CTX_get_num_decoders(dctx) == 0 ||
	    OSSL_DECODER_CTX_set_passphrase_cb(dctx, no_passphrase,
					       &encrypted) != 1)
		goto out;
	rc = OC_ERR_PARSE;
	if (OSSL_DECODER_from_data(dctx, &data, &left) != 1 || k == NULL)
		goto out;
	*out = k;
	k = NULL;
	rc = OC_OK;
out:
	if (rc != OC_OK && encrypted) {
		oc_pkey_why(why, why_len,
			    "encrypted private key (no passphrase)");
		rc = OC_ERR_UNSUPPORTED;
	} else if (rc == OC_ERR_CRYPTO) {
		oc_pkey_why(why, why_len, "the crypto library failed");
	}
	EVP_PKEY_free(k);
	OSSL_DECODER_CTX_free(dctx);
	return rc;
}

/* The decoders take public keys too when asked for a key pair, so the
 * parser asks the key whether it holds its private part.  RSA and EC answer
 * with a copy of the number, wiped at once: OpenSSL 3.0.19's EC key manager
 * refuses the size-only query (a NULL buffer) that older releases answered. */
bool oc_pkey_has_private(const EVP_PKEY *k)
{
	const char *bn_name = EVP_PKEY_is_a(k, "RSA") ? OSSL_PKEY_PARAM_RSA_D
			      : EVP_PKEY_is_a(k, "EC")
				  ? OSSL_PKEY_PARAM_PRIV_KEY
				  : NULL;
	OSSL_PARAM q[2];
	BIGNUM *bn = NULL;
	bool found;

	if (bn_name != NULL) {
		found =
		    EVP_PKEY_get_bn_param(k, bn_name, &bn) == 1 && bn != NULL;
		BN_clear_free(bn);
		return found;
	}
	q[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, NULL,
						 0);
	q[1] = OSSL_PARAM_construct_end();
	return EVP_PKEY_get_params(k, q) == 1 && OSSL_PARAM_modified(&q[0]) &&
	       q[0].return_size > 0;
}

static int pem_key(const uint8_t *in, size_t n, EVP_PKEY **out, char *why,
		   size_t why_len)
{
	struct pem_block b, kb = {0};
	bool have_key = false, cert = false, pub = false, ssh = false;
	size_t pos = 0;
	int r, rc = OC_ERR_PARSE;

	while ((r = pem_next(in, n, pos, &b)) == 1) {
		if (is_key_label(&b)) {
			if (have_key) {
				oc_pkey_why(
				    why, why_len,
				    "more than one private key in the PEM "
				    "input");
				return OC_ERR_PARSE;
			}
			kb = b;
			have_key = true;
		} else if (is_cert_label(&b)) {
			cert = true;
		} else if (is_pub_label(&b)) {
			pub = true;
		} else if (label_is(&b, "OPENSSH PRIVATE KEY")) {
			ssh = true;
		}
		pos = b.end;
	}
	if (r < 0) {
		oc_pkey_why(why, why_len, "malformed or truncated PEM");
		return OC_ERR_PARSE;
	}
	if (!have_key) {
		oc_pkey_why(why, why_len, "not a private key%s",
			    ssh	   ? " (OpenSSH key with text in front of it)"
			    : cert ? " (a certificate)"
			    : pub  ? " (a public key)"
				   : "");
		return OC_ERR_PARSE;
	}
	if (!all_space(in + pos, n - pos)) {
		oc_pkey_why(why, why_len, "trailing data after the PEM block");
		return OC_ERR_PARSE;
	}
	if (label_is(&kb, "ENCRYPTED PRIVATE KEY")) {
		oc_pkey_why(why, why_len,
			    "encrypted private key (no passphrase)");
		return OC_ERR_UNSUPPORTED;
	}
	rc = decode_key(in + kb.begin, kb.end - kb.begin, "PEM", out, why,
			why_len);
	if (rc == OC_ERR_PARSE)
		oc_pkey_why(why, why_len, "malformed %.*s block",
			    (int)kb.label_len, (const char *)kb.label);
	return rc;
}

static int der_key(const uint8_t *in, size_t n, EVP_PKEY **out, char *why,
		   size_t why_len)
{
	size_t total = 0;
	int rc;

	if (der_seq_len(in, n, &total) != OC_OK) {
		oc_pkey_why(why, why_len,
			    "not a private key (unrecognised format)");
		return OC_ERR_PARSE;
	}
	if (total > n) {
		oc_pkey_why(why, why_len, "truncated DER");
		return OC_ERR_PARSE;
	}
	if (total < n) {
		oc_pkey_why(why, why_len, "trailing data after the DER key");
		return OC_ERR_PARSE;
	}
	rc = decode_key(in, n, "DER", out, why, why_len);
	if (rc == OC_ERR_PARSE)
		oc_pkey_why(why, why_len, "not a private key");
	return rc;
}

int oc_pkey_parse_private(const uint8_t *in, size_t n, EVP_PKEY **out,
			  char *why, size_t why_len)
{
	EVP_PKEY *k = NULL;
	int rc;

	rc = oc_pkey_check_input(in, n, out != NULL, why, why_len);
	if (rc != OC_OK)
		return rc;
	if (n == 0 || all_space(in, n)) {
		oc_pkey_why(why, why_len, "empty input");
		return OC_ERR_PARSE;
	}
	if (oc_openssh_key_is(in, n))
		return oc_openssh_key_parse(in, n, out, why, why_len);
	if (memmem(in, n, "-----BEGIN ", 11) != NULL)
		rc = pem_key(in, n, &k, why, why_len);
	else
		rc = der_key(in, n, &k, why, why_len);
	if (rc != OC_OK)
		goto out;
	rc = oc_pkey_check(k, why, why_len);
	if (rc != OC_OK)
		goto out;
	if (!oc_pkey_has_private(k)) {
		oc_pkey_why(why, why_len, "not a private key (a public key)");
		rc = OC_ERR_PARSE;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	EVP_PKEY_free(k);
	oc_ossl_clear_errors();
	return rc;
}

/* ------------------------------------------------------------------ */
/* Certificates */

static int cert_der(const uint8_t *in, size_t n, struct oc_pkey_cert *c,
		    EVP_PKEY **key, char *why, size_t why_len)
{
	X509 *x = NULL;
	const unsigned char *p = in;
	EVP_PKEY *x_pk, *pk = NULL;
	char reason[128];
	size_t total = 0;
	int rc = OC_ERR_PARSE;

	if (der_seq_len(in, n, &total) != OC_OK) {
		oc_pkey_why(why, why_len, "not a certificate");
		goto out;
	}
	if (total != n) {
		oc_pkey_why(why, why_len,
			    total > n ? "truncated DER"
				      : "trailing data after the "
					"DER certificate");
		goto out;
	}
	rc = OC_ERR_CRYPTO;
	x = X509_new_ex(oc_ossl_libctx(), NULL);
	if (x == NULL)
		goto out;
	rc = OC_ERR_PARSE;
	if (d2i_X509(&x, &p, (long)n) == NULL || p != in + n) {
		oc_pkey_why(why, why_len, "not a certificate");
		goto out;
	}
	/* The certificate's own key object may be a legacy key tied to a
	 * default engine; everything after uses a provider copy on our
	 * context (see oc_pkey_public_copy). */
	x_pk = X509_get0_pubkey(x);
	if (x_pk == NULL) {
		oc_pkey_why(why, why_len,
			    "certificate key: unsupported or malformed key");
		rc = OC_ERR_UNSUPPORTED;
		goto out;
	}
	rc = oc_pkey_check(x_pk, reason, sizeof(reason));
	if (rc != OC_OK) {
		oc_pkey_why(why, why_len, "certificate key: %s", reason);
		goto out;
	}
	rc = oc_pkey_public_copy(x_pk, &pk);
	if (rc != OC_OK)
		goto out;
	rc = oc_pkey_pub_of(pk, &c->pub);
	if (rc != OC_OK) {
		oc_pkey_why(why, why_len, "certificate key: %s",
			    oc_strerror(rc));
		goto out;
	}
	rc = OC_ERR_CRYPTO;
	DER_DUP(i2d_X509, x, c->der, c->der_len);
	DER_DUP(i2d_X509_NAME, X509_get_subject_name(x), c->subject,
		c->subject_len);
	DER_DUP(i2d_X509_NAME, X509_get_issuer_name(x), c->issuer,
		c->issuer_len);
	DER_DUP(i2d_ASN1_INTEGER, X509_get0_serialNumber(x), c->serial,
		c->serial_len);
	if (key != NULL) {
		*key = pk;
		pk = NULL;
	}
	rc = OC_OK;
out:
	if (rc == OC_ERR_CRYPTO)
		oc_pkey_why(why, why_len, "the crypto library failed");
	else if (rc == OC_ERR_NOMEM)
		oc_pkey_why(why, why_len, "out of memory");
	EVP_PKEY_free(pk);
	X509_free(x);
	return rc;
}

int oc_pkey_parse_cert(const uint8_t *in, size_t n, struct oc_pkey_cert *out,
		       EVP_PKEY **key, char *why, size_t why_len)
{
	struct oc_pkey_cert c;
	struct pem_block b;
	EVP_PKEY *k = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0, pos = 0;
	bool priv = false;
	int r, rc;

	memset(&c, 0, sizeof(c));
	rc = oc_pkey_check_input(in, n, out != NULL, why, why_len);
	if (rc != OC_OK)
		return rc;
	rc = OC_ERR_PARSE;
	if (n == 0 || all_space(in, n)) {
		oc_pkey_why(why, why_len, "empty input");
		goto out;
	}
	if (memmem(in, n, "-----BEGIN ", 11) == NULL) {
		rc = cert_der(in, n, &c, key != NULL ? &k : NULL, why, why_len);
		goto out;
	}
	/* PEM: the first CERTIFICATE block (a chain's leaf); text around
	 * and further blocks are what chain files carry. */
	while ((r = pem_next(in, n, pos, &b)) == 1) {
		if (label_is(&b, "CERTIFICATE"))
			break;
		if (is_key_label(&b) || label_is(&b, "OPENSSH PRIVATE KEY"))
			priv = true;
		pos = b.end;
	}
	if (r < 0) {
		oc_pkey_why(why, why_len, "malformed or truncated PEM");
		goto out;
	}
	if (r == 0) {
		oc_pkey_why(why, why_len, "not a certificate%s",
			    priv ? " (a private key)" : "");
		goto out;
	}
	rc = OC_ERR_NOMEM;
	der = malloc(oc_base64_decoded_max(b.body_end - b.body) + 1);
	if (der == NULL)
		goto out;
	rc = oc_base64_decode(
	    (const char *)in + b.body, b.body_end - b.body, der,
	    oc_base64_decoded_max(b.body_end - b.body) + 1, &der_len);
	if (rc != OC_OK || der_len == 0) {
		rc = OC_ERR_PARSE;
		oc_pkey_why(why, why_len,
			    "corrupt base64 in the CERTIFICATE block");
		goto out;
	}
	rc = cert_der(der, der_len, &c, key != NULL ? &k : NULL, why, why_len);
out:
	free(der);
	if (rc == OC_OK) {
		*out = c;
		if (key != NULL)
			*key = k;
	} else {
		oc_pkey_cert_free(&c);
		EVP_PKEY_free(k);
	}
	oc_ossl_clear_errors();
	return rc;
}

void oc_pkey_cert_free(struct oc_pkey_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	oc_pkey_pub_free(&c->pub);
	memset(c, 0, sizeof(*c));
}
