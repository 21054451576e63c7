/* token-name.c - a token's label and serial number. */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "attr.h"
#include "init.h"
#include "log.h"
#include "ossl.h"
#include "token-name.h"
#include "token.h"

void oc_token_name_label(const char *vault_id, const char *listed_name,
			 CK_UTF8CHAR label[OC_TOKEN_LABEL_LEN])
{
	const char *name = oc_conf_vault_name(&oc_mod.conf, vault_id);

	if (!vault_id[0])
		name = OC_TOKEN_STANDIN;
	if (!name || !name[0])
		name = listed_name;
	if (!name || !name[0])
		name = vault_id; /* a vault need not have a name */
	oc_attr_pad(label, OC_TOKEN_LABEL_LEN, name, strlen(name));
}

CK_RV oc_token_name_serial(const char *vault_id,
			   CK_CHAR serial[OC_TOKEN_SERIAL_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char s[OC_TOKEN_SERIAL_LEN];
	size_t n = strlen(vault_id);
	const EVP_MD *sha256 = oc_ossl_sha256();

	if (n == 0) {
		oc_attr_pad(serial, OC_TOKEN_SERIAL_LEN, OC_TOKEN_STANDIN,
			    strlen(OC_TOKEN_STANDIN));
		return CKR_OK;
	}
	if (n <= OC_TOKEN_SERIAL_LEN) {
		oc_attr_pad(serial, OC_TOKEN_SERIAL_LEN, vault_id, n);
		return CKR_OK;
	}
	/* Ids share prefixes (a UUID's first group is time-like in some
	 * schemes): half the field tells the id, half keeps it apart. */
	if (!sha256 || !EVP_Digest(vault_id, n, md, NULL, sha256, NULL))
		return CKR_GENERAL_ERROR;
	memcpy(s, vault_id, 8);
	for (size_t i = 0; i < 4; i++) {
		s[8 + 2 * i] = hex[md[i] >> 4];
		s[9 + 2 * i] = hex[md[i] & 0xf];
	}
	oc_attr_pad(serial, OC_TOKEN_SERIAL_LEN, s, sizeof(s));
	return CKR_OK;
}

/* A padded field's length without its padding. */
static int unpadded(const CK_UTF8CHAR *f, size_t n)
{
	while (n > 0 && f[n - 1] == ' ')
		n--;
	return (int)n;
}

void oc_token_name_check(struct oc_token *const *tokens, size_t n, size_t first)
{
	for (size_t j = first; j < n; j++) {
		for (size_t i = 0; i < j; i++) {
			const struct oc_token *a = tokens[i], *b = tokens[j];

			if (memcmp(a->label, b->label, sizeof(a->label)) == 0)
				oc_log_error(
				    "oneclaw-pkcs11: slots %zu and %zu have "
				    "the same token label \"%.*s\"; give the "
				    "vaults distinct names (`name` in each "
				    "[vault ID] section) or name the token "
				    "by serial in URIs (pkcs11:serial=...)",
				    i, j, unpadded(a->label, sizeof(a->label)),
				    a->label);
			if (memcmp(a->serial, b->serial, sizeof(a->serial)) ==
			    0)
				oc_log_error(
				    "oneclaw-pkcs11: slots %zu and %zu have "
				    "the same token serial \"%.*s\"",
				    i, j,
				    unpadded(a->serial, sizeof(a->serial)),
				    a->serial);
		}
	}
}
