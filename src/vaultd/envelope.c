/* envelope.c - per-version DEKs under the vault KEK. */
#include "config.h"

#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmek.h"
#include "err.h"
#include "ossl.h"
#include "scratch.h"
#include "secmem.h"

#define IV_LEN	12
#define TAG_LEN 16

_Static_assert(OC_DEK_LEN + IV_LEN <= OC_SCRATCH_SLOT_SIZE,
	       "a scratch slot holds a DEK and its IV");

static int aad_for(const char *vault_id, const char *vid, char *aad,
		   size_t size, size_t *len)
{
	int n =
	    snprintf(aad, size, "oneclaw-vaultd value v1:%s:%s", vault_id, vid);

	if (n < 0 || (size_t)n >= size)
		return OC_ERR_RANGE;
	*len = (size_t)n;
	return OC_OK;
}

/* Who wraps and unwraps the DEKs: the KEK deriving the vault's key on
 * each call, or a vault KEK derived once (vk). */
struct wrapper {
	struct oc_kek *k;
	const uint8_t *salt;
	struct oc_vault_kek *vk;
};

static int wrap(const struct wrapper *w, const char *vault_id,
		const uint8_t *dek, uint8_t *out)
{
	return w->vk ? oc_vault_kek_wrap(w->vk, dek, out)
		     : oc_kek_wrap(w->k, vault_id, w->salt, dek, out);
}

static int unwrap(const struct wrapper *w, const char *vault_id,
		  const uint8_t *wrapped, size_t n, uint8_t *dek)
{
	return w->vk ? oc_vault_kek_unwrap(w->vk, wrapped, n, dek)
		     : oc_kek_unwrap(w->k, vault_id, w->salt, wrapped, n, dek);
}

static int seal(const struct wrapper *wr, const char *vault_id, const char *vid,
		const uint8_t *val, size_t n, uint8_t **dek_out,
		size_t *dek_len, uint8_t **ct_out, size_t *ct_len)
{
	uint8_t *dek, *w = NULL, *ct = NULL;
	char aad[160];
	size_t aad_len;
	int rc;

	if (n > OC_CMEK_MAX_PLAINTEXT)
		return OC_ERR_RANGE;
	rc = aad_for(vault_id, vid, aad, sizeof(aad), &aad_len);
	if (rc)
		return rc;
	dek = oc_scratch(OC_SCRATCH_DEK);
	w = malloc(OC_KEK_WRAPPED_LEN);
	ct = malloc(n + IV_LEN + TAG_LEN);
	if (!dek || !w || !ct) {
		rc = OC_ERR_NOMEM;
		goto out;
	}
	/* The DEK and the IV from one call of the RNG (the slot holds both). */
	rc = oc_random(dek, OC_DEK_LEN + IV_LEN);
	if (!rc) {
		memcpy(ct, dek + OC_DEK_LEN, IV_LEN);
		oc_wipe(dek + OC_DEK_LEN, IV_LEN);
	}
	if (!rc)
		rc = oc_aes_gcm_seal(dek, ct, IV_LEN, (const uint8_t *)aad,
				     aad_len, val, n, ct + IV_LEN,
				     ct + IV_LEN + n, TAG_LEN);
	if (!rc)
		rc = wrap(wr, vault_id, dek, w);
	if (rc)
		goto out;
	*dek_out = w;
	*dek_len = OC_KEK_WRAPPED_LEN;
	*ct_out = ct;
	*ct_len = n + IV_LEN + TAG_LEN;
	w = NULL;
	ct = NULL;
out:
	if (dek)
		oc_wipe(dek, OC_DEK_LEN + IV_LEN);
	free(w);
	free(ct);
	return rc;
}

static int open_into(const struct wrapper *wr, const char *vault_id,
		     const char *vid, const uint8_t *w, size_t w_len,
		     const uint8_t *ct, size_t ct_len, uint8_t *val,
		     size_t size, size_t *n)
{
	uint8_t *dek;
	char aad[160];
	size_t aad_len, len;
	int rc;

	if (ct_len < IV_LEN + TAG_LEN)
		return OC_ERR_DECRYPT;
	len = ct_len - IV_LEN - TAG_LEN;
	if (size < len)
		return OC_ERR_RANGE;
	rc = aad_for(vault_id, vid, aad, sizeof(aad), &aad_len);
	if (rc)
		return rc;
	dek = oc_scratch(OC_SCRATCH_DEK);
	if (!dek)
		return OC_ERR_NOMEM;
	rc = unwrap(wr, vault_id, w, w_len, dek);
	if (!rc)
		rc = oc_aes_gcm_open(dek, ct, IV_LEN, (const uint8_t *)aad,
				     aad_len, ct + IV_LEN, len,
				     ct + IV_LEN + len, TAG_LEN, val);
	oc_wipe(dek, OC_DEK_LEN);
	if (!rc)
		*n = len;
	return rc;
}

int oc_envelope_seal(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], const char *vid,
		     const uint8_t *val, size_t n, uint8_t **dek_out,
		     size_t *dek_len, uint8_t **ct_out, size_t *ct_len)
{
	const struct wrapper wr = {.k = k, .salt = salt};

	return seal(&wr, vault_id, vid, val, n, dek_out, dek_len, ct_out,
		    ct_len);
}

int oc_envelope_seal_vk(struct oc_vault_kek *vk, const char *vid,
			const uint8_t *val, size_t n, uint8_t **dek_out,
			size_t *dek_len, uint8_t **ct_out, size_t *ct_len)
{
	const struct wrapper wr = {.vk = vk};

	return seal(&wr, oc_vault_kek_vault_id(vk), vid, val, n, dek_out,
		    dek_len, ct_out, ct_len);
}

int oc_envelope_open_into(struct oc_kek *k, const char *vault_id,
			  const uint8_t salt[32], const char *vid,
			  const uint8_t *w, size_t w_len, const uint8_t *ct,
			  size_t ct_len, uint8_t *val, size_t size, size_t *n)
{
	const struct wrapper wr = {.k = k, .salt = salt};

	return open_into(&wr, vault_id, vid, w, w_len, ct, ct_len, val, size,
			 n);
}

int oc_envelope_open_into_vk(struct oc_vault_kek *vk, const char *vid,
			     const uint8_t *w, size_t w_len, const uint8_t *ct,
			     size_t ct_len, uint8_t *val, size_t size,
			     size_t *n)
{
	const struct wrapper wr = {.vk = vk};

	return open_into(&wr, oc_vault_kek_vault_id(vk), vid, w, w_len, ct,
			 ct_len, val, size, n);
}

int oc_envelope_open(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], const char *vid, const uint8_t *w,
		     size_t w_len, const uint8_t *ct, size_t ct_len,
		     uint8_t **val, size_t *n)
{
	uint8_t *pt;
	size_t len = 0;
	int rc;

	if (ct_len < IV_LEN + TAG_LEN)
		return OC_ERR_DECRYPT;
	pt = oc_secure_alloc(ct_len - IV_LEN - TAG_LEN + 1);
	if (!pt)
		return OC_ERR_NOMEM;
	rc = oc_envelope_open_into(k, vault_id, salt, vid, w, w_len, ct, ct_len,
				   pt, ct_len, &len);
	if (rc) {
		oc_secure_free(pt);
		return rc;
	}
	pt[len] = 0;
	*val = pt;
	*n = len;
	return OC_OK;
}
