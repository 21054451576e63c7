/* tk-cmek.c - a CMEK key held by another token: the oc_cmek_key_ops of
 * src/cmek.h forwarded to AES-GCM in the token. */
#include "config.h"

#include <string.h>

#include "tk-key.h"

#include "cmek.h"
#include "codec.h"
#include "err.h"

static void cmek_free(void *ctx)
{
	oc_tk_key_free(ctx);
}

static int cmek_seal(void *ctx, uint8_t *iv, size_t iv_len, const uint8_t *aad,
		     size_t aad_len, const uint8_t *pt, size_t n, uint8_t *ct,
		     uint8_t *tag, size_t tag_len)
{
	return oc_tk_gcm_seal(ctx, iv, iv_len, aad, aad_len, pt, n, ct, tag,
			      tag_len);
}

static int cmek_open(void *ctx, const uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		     size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	return oc_tk_gcm_open(ctx, iv, iv_len, aad, aad_len, ct, n, tag,
			      tag_len, pt);
}

static const struct oc_cmek_key_ops cmek_ops = {
    .seal = cmek_seal,
    .open = cmek_open,
    .free = cmek_free,
};

/* A key's fingerprint cannot be computed without its bytes: it is given,
 * or the key's CKA_ID holds it (the oneclaw module's key objects do). */
static int fingerprint(struct oc_tk_key *k, const char *uri_s,
		       const char *given, uint8_t fpr[OC_CMEK_FPR_LEN],
		       struct oc_tk_err *e)
{
	CK_ULONG value_len = 0;
	size_t len = 0;

	/* An AES-128 key would seal something no 1claw client opens. */
	if (oc_tk_key_attr(k, CKA_VALUE_LEN, &value_len, sizeof(value_len),
			   &len) == OC_OK &&
	    value_len != OC_CMEK_KEY_LEN)
		return oc_tk_fail(e, OC_TK_AT_KEY, 0, OC_ERR_ARGS,
				  "%s is a %lu-byte AES key; CMEK keys are "
				  "32 bytes (AES-256)",
				  uri_s, (unsigned long)value_len);
	if (given) {
		if (!oc_is_fingerprint_hex(given, strlen(given)) ||
		    oc_hex_decode(given, strlen(given), fpr, OC_CMEK_FPR_LEN,
				  &len) != OC_OK ||
		    len != OC_CMEK_FPR_LEN)
			return oc_tk_fail(e, OC_TK_AT_KEY, 0, OC_ERR_PARSE,
					  "the fingerprint given for %s is not "
					  "64 lowercase hex characters",
					  uri_s);
		return OC_OK;
	}
	if (oc_tk_key_attr(k, CKA_ID, fpr, OC_CMEK_FPR_LEN, &len) == OC_OK &&
	    len == OC_CMEK_FPR_LEN)
		return OC_OK;
	return oc_tk_fail(e, OC_TK_AT_KEY, 0, OC_ERR_NO_KEY,
			  "cannot tell the fingerprint of %s: its CKA_ID is "
			  "not the 32-byte SHA-256 of the key (set "
			  "cmek_key_fingerprint in the configuration)",
			  uri_s);
}

int oc_tk_cmek_open(const struct oc_tk_open_args *a, const char *fpr_hex,
		    struct oc_cmek_key **out, struct oc_tk_err *e)
{
	struct oc_tk_key *k = NULL;
	uint8_t fpr[OC_CMEK_FPR_LEN];
	int err;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!a || !out)
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS,
				  "no key to open");
	if (a->kind != OC_TK_AES)
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS,
				  "a CMEK key is an AES key");
	err = oc_tk_key_open(a, &k, e);
	if (!err)
		err = fingerprint(k, oc_tk_uri_shown(a->uri), fpr_hex, fpr, e);
	if (!err) {
		err = oc_cmek_key_from_ops(&cmek_ops, k, fpr, out);
		if (err)
			oc_tk_fail(e, OC_TK_AT_KEY, 0, err, "%s: %s",
				   oc_tk_uri_shown(a->uri), oc_strerror(err));
	}
	if (!err)
		k = NULL; /* the CMEK key owns it */
	oc_tk_key_free(k);
	return err;
}
