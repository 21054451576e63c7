/* sealed.c - see sealed.h. */
#include "config.h"

#include <string.h>

#include "backend.h"
#include "codec.h"
#include "err.h"
#include "init.h"
#include "keys.h"
#include "log.h"
#include "rv.h"
#include "sealed.h"
#include "secmem.h"

int oc_sealed_key(const char *vault_id, struct oc_cmek_key **k)
{
	*k = NULL;
	if (oc_conf_allow_unsealed(&oc_mod.conf, vault_id))
		return OC_OK;
	if (oc_keys_get(vault_id, k) != CKR_OK) {
		*k = NULL;
		return OC_ERR_NO_KEY;
	}
	return OC_OK;
}

/* The server stored our blob as text while it had CMEK off: decode it. */
static int decode_text_blob(struct oc_secret *sec)
{
	size_t cap = oc_base64_decoded_max(sec->value_len) + 1, len = 0;
	uint8_t *blob = oc_secure_alloc(cap);

	if (!blob)
		return OC_ERR_NOMEM;
	if (oc_base64_decode((const char *)sec->value, sec->value_len, blob,
			     cap, &len) != OC_OK) {
		oc_secure_free(blob);
		return OC_ERR_NOT_SEALED;
	}
	oc_secure_free(sec->value);
	sec->value = blob;
	sec->value_len = len;
	return OC_OK;
}

/* Does the value open under k?  The plaintext is wiped at once, or with
 * keep given, handed over (secure memory). */
static int opens(struct oc_cmek_key *k, const struct oc_secret *sec,
		 uint8_t **keep, size_t *keep_len)
{
	size_t len;
	uint8_t *pt;
	int err;

	if (sec->value_len < OC_CMEK_OVERHEAD ||
	    sec->value[0] != OC_CMEK_VERSION)
		return OC_ERR_NOT_SEALED;
	len = sec->value_len - OC_CMEK_OVERHEAD;
	pt = oc_secure_alloc(len + 1);
	if (!pt)
		return OC_ERR_NOMEM;
	err = oc_cmek_open(k, sec->value, sec->value_len, pt, len + 1, &len);
	if (!err && keep) {
		*keep = pt;
		*keep_len = len;
		return OC_OK;
	}
	oc_secure_free(pt);
	if (err == OC_ERR_NOMEM)
		return err;
	return err ? OC_ERR_NOT_SEALED : OC_OK;
}

/* allow_unsealed takes the server's word on sealing, but a value it calls
 * sealed must still open to be presented opened. */
static int open_trusted(const char *vault_id, const struct oc_secret *sec,
			uint8_t **opened, size_t *opened_len)
{
	struct oc_cmek_key *k = NULL;

	if (!sec->meta.cmek_encrypted)
		return OC_OK; /* the value is the plaintext */
	if (oc_keys_get(vault_id, &k) != CKR_OK || !k)
		return OC_ERR_NO_KEY;
	return opens(k, sec, opened, opened_len);
}

int oc_sealed_secret_open(const char *vault_id, const char *path,
			  struct oc_secret *out, uint8_t **opened,
			  size_t *opened_len)
{
	struct oc_cmek_key *k = NULL;
	int err;

	if (opened) {
		*opened = NULL;
		*opened_len = 0;
	}
	err = oc_backend_secret_get(&oc_mod.be, vault_id, path, out);
	if (err)
		return err;
	err = oc_sealed_key(vault_id, &k);
	if (!err && !k && opened)
		err = open_trusted(vault_id, out, opened, opened_len);
	if (err || !k)
		goto out;
	if (!out->meta.cmek_encrypted)
		err = decode_text_blob(out);
	if (!err)
		err = opens(k, out, opened, opened_len);
	if (!err) {
		out->meta.cmek_known = true;
		out->meta.cmek_encrypted = true;
		oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k),
					out->meta.cmek_fingerprint);
	}
out:
	if (err == OC_ERR_NOT_SEALED) {
		oc_log_error("oneclaw-pkcs11: vault %s: %s is not sealed "
			     "under the configured CMEK key; refused%s",
			     vault_id, path,
			     k ? " (allow_unsealed lets such values through)"
			       : "");
		oc_rv_cause("%s: not sealed under the configured CMEK key",
			    path);
	}
	if (err) {
		oc_secret_clear(out);
		if (opened) {
			oc_secure_free(*opened);
			*opened = NULL;
		}
	}
	return err;
}

int oc_sealed_secret_get(const char *vault_id, const char *path,
			 struct oc_secret *out)
{
	return oc_sealed_secret_open(vault_id, path, out, NULL, NULL);
}
