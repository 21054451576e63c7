/* crypt.h - C_Encrypt* / C_Decrypt* with CKM_ONECLAW_CMEK and CKM_AES_GCM
 * on AES-256 key objects (the vault's CMEK key, a key the application
 * brought, an unwrapped AES key), and with CKM_RSA_PKCS / CKM_RSA_PKCS_OAEP
 * on RSA public keys (encrypt) and private keys (decrypt) from secrets.
 *
 * Every AES encryption uses an IV the module generates (96 random bits):
 * CKM_ONECLAW_CMEK puts it in the blob, CKM_AES_GCM writes it to the
 * caller's CK_GCM_PARAMS.pIv at C_EncryptInit.  A caller-chosen IV would
 * make the key a keystream oracle.
 *
 * The key's AES-GCM primitive is one-shot, so multi-part operations buffer
 * their input and produce everything at C_*Final; a multi-part decrypt
 * releases nothing before the tag is verified.  A decryption runs straight
 * into the caller's buffer, which is wiped when the tag fails: nothing is
 * released before C_Decrypt or C_DecryptFinal returns.  Output follows the
 * buffer-size protocol: NULL asks the length, a short buffer is
 * CKR_BUFFER_TOO_SMALL and the operation stays active; any other failure
 * ends it. */
#ifndef OC_P11_CRYPT_H
#define OC_P11_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asym.h"
#include "buf.h"
#include "ck.h"

struct oc_session;
struct oc_obj_seckey;
struct oc_cmek_ctx;

/* What a session keeps from one operation to the next, per direction: the
 * key object it last used and an AES context keyed for it.  The next
 * C_*Init with that key then takes no token lock and writes no reference
 * count another session shares, and the operation shares no cipher
 * context.  Let go when another key is used, when the object has left its
 * token's store or become invisible (checked at each C_*Init), at logout,
 * and when the session closes.  So a key destroyed in another session
 * stays in memory (never usable again: it is no longer linked) until the
 * keeping session's next C_*Init, a logout or its close. */
struct oc_crypt_keep {
	CK_OBJECT_HANDLE handle;
	struct oc_object *obj;	 /* referenced; NULL: nothing kept */
	struct oc_cmek_ctx *ctx; /* AES keys; keyed at first use */
};

struct oc_crypt {
	bool active;
	bool encrypt;
	bool multi; /* an Update happened */
	CK_MECHANISM_TYPE mech;
	/* Both borrow keep's reference: keep changes only at C_*Init, when
	 * no operation is active. */
	struct oc_obj_seckey *key; /* AES mechanisms */
	struct oc_object *obj;	   /* the key object (audit) */
	uint8_t iv[OC_P11_MAX_GCM_IV];
	size_t iv_len;
	uint8_t *aad;
	size_t aad_len;
	size_t tag_len;
	struct oc_buf in;    /* multi-part input, secret */
	struct oc_asym asym; /* active for the RSA mechanisms */
	struct oc_crypt_keep keep;
};

CK_RV oc_crypt_init(struct oc_session *s, bool encrypt, const CK_MECHANISM *m,
		    CK_OBJECT_HANDLE key);
CK_RV oc_crypt_single(struct oc_session *s, bool encrypt, const CK_BYTE *in,
		      CK_ULONG n, CK_BYTE *out, CK_ULONG *out_len);
CK_RV oc_crypt_update(struct oc_session *s, bool encrypt, const CK_BYTE *in,
		      CK_ULONG n, CK_BYTE *out, CK_ULONG *out_len);
CK_RV oc_crypt_final(struct oc_session *s, bool encrypt, CK_BYTE *out,
		     CK_ULONG *out_len);
/* Ends the operation; what it keeps stays. */
void oc_crypt_clear(struct oc_crypt *op);
/* Ends the operation and lets go of what it keeps (logout, close). */
void oc_crypt_free(struct oc_crypt *op);
/* Lets go of what it keeps unless an operation is active. */
void oc_crypt_let_go(struct oc_crypt *op);
/* In a child after fork: frees the child's memory, and a kept object no
 * longer in a store (the others go with their tokens). */
void oc_crypt_abandon(struct oc_crypt *op);

#endif
