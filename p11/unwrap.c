/* unwrap.c - CMEK blobs into session keys. */
#include "config.h"

#include "attr.h"
#include "audit.h"
#include "cmek.h"
#include "err.h"
#include "obj-seckey.h"
#include "object.h"
#include "rv.h"
#include "secmem.h"
#include "session.h"
#include "token.h"
#include "unwrap.h"

CK_RV oc_unwrap(struct oc_session *s, const CK_MECHANISM *m,
		CK_OBJECT_HANDLE key, const CK_BYTE *blob, CK_ULONG n,
		const CK_ATTRIBUTE *t, CK_ULONG nt, CK_OBJECT_HANDLE *out)
{
	struct oc_object *o = NULL;
	struct oc_obj_seckey *k;
	uint8_t *pt = NULL;
	size_t len = 0;
	CK_RV rv;
	int err;

	if (m->mechanism != CKM_ONECLAW_CMEK)
		return CKR_MECHANISM_INVALID;
	if (m->pParameter || m->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = oc_attr_check(t, nt);
	if (rv != CKR_OK)
		return rv;
	rv = oc_token_key(s->tok, key, &o);
	if (rv != CKR_OK)
		return CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	/* From here on, whatever the result. */
	oc_audit_note_object(OC_AUDIT_UNWRAP, s->tok, o, m->mechanism);
	k = oc_obj_seckey(o);
	if (!k || k->key_type != CKK_AES || !k->cmek) {
		rv = CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!(k->usage & OC_USE_UNWRAP)) {
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	if (n < OC_CMEK_OVERHEAD ||
	    n - OC_CMEK_OVERHEAD > OC_CMEK_MAX_PLAINTEXT) {
		rv = CKR_WRAPPED_KEY_LEN_RANGE;
		goto out;
	}
	pt = oc_secure_alloc(n - OC_CMEK_OVERHEAD + 1);
	if (!pt) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	err = oc_cmek_open(k->cmek, blob, n, pt, n - OC_CMEK_OVERHEAD, &len);
	if (err) {
		oc_rv_cause("open: %s", oc_strerror(err));
		rv = oc_rv_map(err, OC_RV_UNWRAP);
		goto out;
	}
	rv = oc_obj_seckey_new_session(s, t, nt, pt, len, true, out);
out:
	oc_secure_free(pt);
	oc_object_unref(o);
	return rv;
}
