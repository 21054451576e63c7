/* rv.h - the one mapping of core errors (OC_ERR_*) to CK_RV, and the
 * per-thread "cause" a unit leaves for the entry wrapper to log beside the
 * CK_RV it returns (p11/names.h names the CK_RV). */
#ifndef OC_P11_RV_H
#define OC_P11_RV_H

#include <stdbool.h>

#include "ck.h"

/* What the failing core call was doing: the same OC_ERR_* means different
 * things to the application in each. */
enum oc_rv_ctx {
	OC_RV_GENERIC = 0,
	OC_RV_OBJECT,  /* reading or changing a known object: 404/410 -> gone */
	OC_RV_VAULT,   /* reading a vault: 404/410 -> token not present */
	OC_RV_LOGIN,   /* C_Login: 401 -> wrong PIN */
	OC_RV_DECRYPT, /* opening a blob or GCM ciphertext */
	OC_RV_UNWRAP,  /* opening a wrapped key */
	OC_RV_WRITE,   /* storing a secret: 400/413 -> the input is refused */
};

CK_RV oc_rv_map(int err, enum oc_rv_ctx ctx);

/* Records why the current call is failing (thread-local, bounded, never a
 * secret); the entry wrapper logs it with the CK_RV and clears it. */
void oc_rv_cause(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *oc_rv_cause_get(void);
/* Records which template attribute the failure concerns (the first one
 * recorded wins); the entry wrapper names it in the log line. */
void oc_rv_cause_attr(CK_ATTRIBUTE_TYPE type);
bool oc_rv_cause_attr_get(CK_ATTRIBUTE_TYPE *type);
void oc_rv_cause_clear(void);
/* What a failed core call says happened: for a network error, what curl
 * said about this thread's last request (the URL and the cause), else
 * the error's own text. */
const char *oc_rv_err_text(int err);

#endif
