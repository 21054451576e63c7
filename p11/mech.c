/* mech.c - the mechanism table. */
#include "config.h"

#include <string.h>

#include "asym.h"
#include "cmek.h"
#include "digest.h"
#include "mech.h"

static const struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} mechs[] = {
    {CKM_ONECLAW_CMEK,
     {OC_CMEK_KEY_LEN, OC_CMEK_KEY_LEN,
      CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP}},
    {CKM_AES_GCM,
     {OC_CMEK_KEY_LEN, OC_CMEK_KEY_LEN, CKF_ENCRYPT | CKF_DECRYPT}},
    {CKM_SHA224_HMAC, {1, OC_CMEK_MAX_PLAINTEXT, CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA256_HMAC, {1, OC_CMEK_MAX_PLAINTEXT, CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA384_HMAC, {1, OC_CMEK_MAX_PLAINTEXT, CKF_SIGN | CKF_VERIFY}},
    {CKM_SHA512_HMAC, {1, OC_CMEK_MAX_PLAINTEXT, CKF_SIGN | CKF_VERIFY}},
};

#define N_MECHS (sizeof(mechs) / sizeof(mechs[0]))

CK_RV oc_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *n)
{
	size_t n_digest = oc_digest_mech_count();
	size_t total = N_MECHS + n_digest + oc_asym_mech_count();

	if (!list) {
		*n = total;
		return CKR_OK;
	}
	if (*n < total) {
		*n = total;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (size_t i = 0; i < N_MECHS; i++)
		list[i] = mechs[i].type;
	for (size_t i = 0; i < n_digest; i++)
		list[N_MECHS + i] = oc_digest_mech_at(i);
	for (size_t i = 0; i < oc_asym_mech_count(); i++)
		list[N_MECHS + n_digest + i] = oc_asym_mech_at(i);
	*n = total;
	return CKR_OK;
}

CK_RV oc_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	for (size_t i = 0; i < N_MECHS; i++) {
		if (mechs[i].type == type) {
			*info = mechs[i].info;
			return CKR_OK;
		}
	}
	if (oc_digest_mech_info(type, info) == CKR_OK)
		return CKR_OK;
	return oc_asym_mech_info(type, info);
}

bool oc_mech_allows(CK_MECHANISM_TYPE type, CK_FLAGS use)
{
	CK_MECHANISM_INFO info;

	return oc_mech_info(type, &info) == CKR_OK && (info.flags & use);
}
