/* fuzz-pkey.c - the private key and certificate parsers on any bytes.
 *
 * An input starting with a 0x00 byte is the binary body of an OpenSSH key:
 * it is wrapped in base64 and the OpenSSH PEM lines first, so the fuzzer
 * reaches the openssh-key-v1 parser without having to learn base64.  Any
 * other input goes as it is to both parsers.  A refusal must leave the
 * outputs untouched, give a reason and leave OpenSSL's error queue empty;
 * an accepted key must give its public facts. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "codec.h"
#include "err.h"
#include "openssh-key.h"
#include "pkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void facts(EVP_PKEY *k)
{
	struct oc_pkey_pub p;
	EVP_PKEY *pub = NULL;

	if (oc_pkey_pub_of(k, &p) != OC_OK || p.spki_len == 0)
		abort();
	if (p.alg == OC_PKEY_RSA && (p.modulus_len == 0 || p.modulus[0] == 0))
		abort();
	if (p.alg != OC_PKEY_RSA &&
	    (p.ec_params_len == 0 || p.ec_point_len == 0))
		abort();
	oc_pkey_pub_free(&p);
	if (oc_pkey_public_copy(k, &pub) != OC_OK || EVP_PKEY_eq(k, pub) != 1)
		abort();
	EVP_PKEY_free(pub);
}

static void one_key(const uint8_t *in, size_t n, bool ssh)
{
	EVP_PKEY *k = (EVP_PKEY *)&k;
	char why[160];
	int rc;

	why[0] = '\0';
	rc = ssh ? oc_openssh_key_parse(in, n, &k, why, sizeof(why))
		 : oc_pkey_parse_private(in, n, &k, why, sizeof(why));
	if (ERR_peek_error() != 0)
		abort();
	if (rc != OC_OK) {
		if (k != (EVP_PKEY *)&k || why[0] == '\0' || rc > 0)
			abort();
		return;
	}
	facts(k);
	EVP_PKEY_free(k);
}

static void one_cert(const uint8_t *in, size_t n)
{
	struct oc_pkey_cert c;
	EVP_PKEY *k = (EVP_PKEY *)&k;
	char why[160];
	int rc;

	memset(&c, 0, sizeof(c));
	why[0] = '\0';
	rc = oc_pkey_parse_cert(in, n, &c, &k, why, sizeof(why));
	if (ERR_peek_error() != 0)
		abort();
	if (rc != OC_OK) {
		if (k != (EVP_PKEY *)&k || c.der != NULL || why[0] == '\0')
			abort();
		return;
	}
	if (c.der_len == 0 || c.subject_len == 0 || c.issuer_len == 0 ||
	    c.serial_len < 3 || c.pub.spki_len == 0)
		abort();
	facts(k);
	EVP_PKEY_free(k);
	oc_pkey_cert_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	static const char foot[] = "\n-----END OPENSSH PRIVATE KEY-----\n";
	uint8_t *copy, *text;
	size_t b64, n;

	if (size > OC_PKEY_MAX_INPUT + 16)
		return 0;
	if (size > 0 && data[0] == 0) {
		b64 = oc_base64_len(size - 1);
		n = sizeof(head) - 1 + b64 + sizeof(foot) - 1;
		text = malloc(n + 1);
		if (text == NULL)
			return 0;
		memcpy(text, head, sizeof(head) - 1);
		if (oc_base64_encode(data + 1, size - 1,
				     (char *)text + sizeof(head) - 1,
				     b64 + 1) != OC_OK)
			abort();
		memcpy(text + sizeof(head) - 1 + b64, foot, sizeof(foot) - 1);
		one_key(text, n, true);
		one_key(text, n, false);
		free(text);
		return 0;
	}
	/* An exact copy, so a read past the end is caught. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	one_key(copy, size, false);
	one_cert(copy, size);
	free(copy);
	return 0;
}
