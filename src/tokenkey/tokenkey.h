/* tokenkey.h - a key in another PKCS#11 token, named by an RFC 7512
 * pkcs11: URI (a hardware key; SoftHSM2 in tests).
 *
 * Opening a key loads its module (dlopen, or p11-kit's managed loading),
 * opens a session on the first token matching the URI, logs in, and finds
 * exactly one key; every operation then runs inside the token, so the key
 * bytes never enter this process.  A module is loaded and initialised once
 * for all the keys in it and finalised with the last of them, only when
 * this unit initialised it.
 *
 * This unit and p11/ are the only code that includes PKCS#11 headers
 * (scripts/check-layers); this header has no PKCS#11 types. */
#ifndef OC_TOKENKEY_H
#define OC_TOKENKEY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* Bytes of a PIN, and of a PIN file with its trailing newline. */
#define OC_TK_PIN_MAX 4096

/* Where a failure happened: callers word their own message for a few. */
enum oc_tk_stage {
	OC_TK_AT_NONE = 0,
	OC_TK_AT_ARGS,	    /* a caller's mistake */
	OC_TK_AT_URI,	    /* the URI does not parse */
	OC_TK_AT_NO_MODULE, /* no module given, none in the URI */
	OC_TK_AT_MODULE,    /* loading or initialising the module */
	OC_TK_AT_TOKEN,	    /* no token matches, or no session */
	OC_TK_AT_NEED_PIN,  /* a login is needed and no PIN was given */
	OC_TK_AT_PIN,	    /* reading the PIN failed */
	OC_TK_AT_LOGIN,	    /* the token refused the login */
	OC_TK_AT_FIND,	    /* not exactly one key matches */
	OC_TK_AT_KEY,	    /* the key found does not fit the use */
	OC_TK_AT_OP,	    /* an operation with the key */
};

/* Filled by every call that takes one. */
struct oc_tk_err {
	enum oc_tk_stage stage;
	unsigned long ckr;   /* the token's CK_RV there, 0 when none */
	bool pin_file_loose; /* the PIN file is readable by group or others
				(set on success too) */
	char msg[512];	     /* one line naming the URI, module, file or
				token; never a PIN */
};

/* A PIN from a file, a string or the terminal. */
enum oc_tk_pin_from {
	OC_TK_PIN_FILE,	  /* a regular file, trailing CR/LF cut */
	OC_TK_PIN_STRING, /* a NUL-terminated string */
	OC_TK_PIN_PROMPT, /* /dev/tty with echo off */
};

struct oc_tk_pin_src {
	enum oc_tk_pin_from from;
	const char *file;   /* FILE */
	const char *string; /* STRING */
	const char *label;  /* PROMPT: "PIN for token 'label': " */
	/* PROMPT: a signal handler's flag that stops the read; may be NULL */
	const volatile sig_atomic_t *interrupted;
};

/* *pin is NUL-terminated in oc_secure_alloc memory (oc_secure_free it).
 * A PIN over OC_TK_PIN_MAX bytes is OC_ERR_RANGE; a file that is not a
 * regular file is refused; no terminal to ask on is OC_TK_AT_NEED_PIN. */
int oc_tk_pin_read(const struct oc_tk_pin_src *src, char **pin, size_t *len,
		   struct oc_tk_err *e);

enum oc_tk_loader {
	OC_TK_DLOPEN, /* dlopen() and C_GetFunctionList */
	OC_TK_P11KIT, /* p11_kit_module_load(), managed */
};

/* What the key must be; added to the URI's attributes when it names no
 * class or type itself. */
enum oc_tk_kind {
	OC_TK_AES, /* CKO_SECRET_KEY, CKK_AES */
	OC_TK_RSA, /* CKO_PRIVATE_KEY, CKK_RSA */
	OC_TK_EC,  /* CKO_PRIVATE_KEY, CKK_EC */
	/* Public objects: no login needed to use them. */
	OC_TK_RSA_PUBLIC, /* CKO_PUBLIC_KEY, CKK_RSA */
	OC_TK_EC_PUBLIC,  /* CKO_PUBLIC_KEY, CKK_EC */
	OC_TK_KIND_COUNT
};

/* Without OC_TK_LOGIN_IF_REQUIRED the user logs in whenever a PIN source
 * gives a PIN.  PIN sources are tried in this order: pin_file, the URI's
 * pin-value, its pin-source, the terminal. */
#define OC_TK_LOGIN_IF_REQUIRED                                                \
	0x1u			  /* only for CKF_LOGIN_REQUIRED, and          \
				     then a PIN is needed */
#define OC_TK_URI_PIN_VALUE  0x2u /* the URI's pin-value is a PIN */
#define OC_TK_URI_PIN_SOURCE 0x4u /* the URI's pin-source names a file */
#define OC_TK_MAY_PROMPT     0x8u /* ask on the terminal at the end */

struct oc_tk_open_args {
	const char *uri;    /* pkcs11:token=...;object=... */
	const char *module; /* .so path; NULL: the URI's module-path */
	enum oc_tk_loader loader;
	enum oc_tk_kind kind;
	unsigned flags;
	const char *pin_file;
	/* A PIN string, tried after pin_file (e.g. a PIN the caller was
	 * given at its own login), or NULL. */
	const char *pin;
	/* A module that must not be loaded (the function list of the
	 * module calling), or NULL. */
	const void *refuse;
	const volatile sig_atomic_t *interrupted; /* for the prompt */
};

struct oc_tk_key;

int oc_tk_key_open(const struct oc_tk_open_args *a, struct oc_tk_key **out,
		   struct oc_tk_err *e);
/* Closes the session and releases the module; NULL-safe.  In a child
 * after fork() it frees memory only: the parent's token is not touched. */
void oc_tk_key_free(struct oc_tk_key *k);

/* The operations: one at a time on a key, each under the key's lock.
 * They return 0 or a negative OC_ERR_*. */

/* AES-GCM.  seal's iv is in and out: a token that generates its own IVs
 * (oneclaw-pkcs11 does) replaces it there; one that takes the caller's
 * (SoftHSM) uses it.  open returns OC_ERR_DECRYPT when the tag fails and
 * writes pt only on success. */
int oc_tk_gcm_seal(struct oc_tk_key *k, uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		   size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len);
int oc_tk_gcm_open(struct oc_tk_key *k, const uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		   size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt);

enum oc_tk_hash { OC_TK_SHA1, OC_TK_SHA256, OC_TK_SHA384, OC_TK_SHA512 };

/* RSA-OAEP with the hash for both the label and MGF1, empty label.
 * OC_ERR_DECRYPT when the padding does not check; OC_ERR_RANGE when the
 * plaintext is over cap (out then holds nothing). */
int oc_tk_rsa_oaep_decrypt(struct oc_tk_key *k, enum oc_tk_hash hash,
			   const uint8_t *in, size_t n, uint8_t *out,
			   size_t cap, size_t *out_len);
/* CKM_ECDSA over a digest the caller made: the raw r || s signature. */
int oc_tk_ecdsa_sign(struct oc_tk_key *k, const uint8_t *digest, size_t len,
		     uint8_t *sig, size_t cap, size_t *sig_len);

/* The public half of an RSA or EC key (the key itself when public; for a
 * private key its CKA_PUBLIC_KEY_INFO, its own public attributes, or the
 * public object with the same CKA_ID).  *out is the caller's to free.
 * OC_ERR_UNSUPPORTED when the token tells none of these. */
int oc_tk_public_key(struct oc_tk_key *k, EVP_PKEY **out, struct oc_tk_err *e);

/* CKM_AES_KEY_WRAP_PAD (RFC 5649): key, an extractable key in the same
 * token, wrapped under wrapping. */
int oc_tk_wrap(struct oc_tk_key *wrapping, struct oc_tk_key *key, uint8_t *out,
	       size_t cap, size_t *out_len);
/* The reverse: an AES key, sensitive and not extractable, held by the
 * token for the new key's session only (gone at oc_tk_key_free). */
int oc_tk_unwrap(struct oc_tk_key *unwrapping, const uint8_t *in, size_t n,
		 struct oc_tk_key **out);

/* A CMEK key (struct oc_cmek_key, src/cmek.h) whose AES-GCM runs in the
 * token.  The key must be AES-256 when the token tells its size.  Its
 * fingerprint is the one given (64 lowercase hex), else its CKA_ID when
 * that is 32 bytes. */
struct oc_cmek_key;
int oc_tk_cmek_open(const struct oc_tk_open_args *a, const char *fingerprint,
		    struct oc_cmek_key **out, struct oc_tk_err *e);

/* A DPoP signer (struct oc_dpop_signer, src/dpop.h) over the EC P-256
 * private key a names (a->kind is taken as OC_TK_EC): CKM_ECDSA in the
 * token, SHA-256 here.  With open_now the key is opened and checked (the
 * public half must be P-256) before this returns, e telling why not;
 * else at the first proof, a failure then going to the error log.  The
 * key stays open for every proof until the signer's free. */
struct oc_dpop_signer;
int oc_tk_dpop_signer(const struct oc_tk_open_args *a, bool open_now,
		      struct oc_dpop_signer *out, struct oc_tk_err *e);
/* Sealed key files (src/sealkey.h): a CMEK key or an API key encrypted
 * to the public keys of key pairs in tokens. */
struct oc_sealkey;
struct oc_tk_unseal_args {
	/* The private key to open for every recipient (its public half
	 * picks the recipient); NULL: each recipient's own URI, its type=
	 * dropped, in file order. */
	const char *key_uri;
	const char *module; /* NULL: each URI's module-path */
	enum oc_tk_loader loader;
	unsigned flags; /* OC_TK_* PIN flags, as oc_tk_open_args */
	const char *pin_file;
	const char *pin;
	const void *refuse;
	const volatile sig_atomic_t *interrupted;
};

/* Tries the recipients until one's token opens the file: the key found
 * must be that recipient (SHA-256 of its SubjectPublicKeyInfo) before it
 * decrypts (CKM_RSA_PKCS_OAEP in the token), and the plaintext must pass
 * oc_sealkey_check.  *secret is NUL-terminated oc_secure_alloc memory.
 * On success e->msg names the recipient that opened it; on failure it
 * gives every recipient's reason, and the error is that of the recipient
 * that got furthest (OC_ERR_NOT_FOUND no token, OC_ERR_UNAUTHORIZED a
 * PIN refused, OC_ERR_KEY_MISMATCH another key, OC_ERR_DECRYPT ...). */
int oc_tk_unseal(const struct oc_sealkey *s, const struct oc_tk_unseal_args *a,
		 uint8_t **secret, size_t *n, struct oc_tk_err *e);
/* The same from a file (oc_sealkey_load_file) that must seal kind (an
 * enum oc_sealkey_kind). */
int oc_tk_unseal_file(const char *path, const struct oc_tk_unseal_args *a,
		      int kind, uint8_t **secret, size_t *n,
		      struct oc_tk_err *e);

/* The URI for a message: "the URI" when it holds a PIN. */
const char *oc_tk_uri_shown(const char *uri);

#endif
