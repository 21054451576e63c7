/* api.h - the 1claw vault HTTP API client (see 1claw-api.md).
 *
 * Credentials are exchanged for a token lazily, refreshed 60 s before
 * expiry, and exchanged again once on a 401, or a 403 that says the token
 * is out of date ("token has been revoked", "no scopes", "scopes do not
 * cover": a policy change revokes an agent's tokens).  Thread-safe: token
 * state is under a lock; requests share oc_http.
 *
 * Answers are read liberally and sent exactly.  What the caller needs must
 * be usable (a vault's id, a secret's path, a value); anything else is
 * taken as it comes: unknown members ignored, nulls and mistyped optional
 * members left empty, long text clipped to its field on a UTF-8 boundary,
 * upper-case fingerprints lower-cased.  A list entry without a usable id
 * (path, for secrets) is skipped and logged; lists are parsed as they
 * arrive, so the bound is per entry, not per answer.
 *
 * HTTP status maps to OC_ERR_*: 400 BAD_REQUEST, 401 UNAUTHORIZED,
 * 402 PAYMENT, 403 FORBIDDEN, 404 NOT_FOUND, 409 CONFLICT, 410 GONE,
 * 413 TOO_LARGE, 429 RATE_LIMITED, 5xx SERVER; the RFC 7807 detail (for a
 * 402 the price asked) is kept for oc_api_last_error(). */
#ifndef OC_API_H
#define OC_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmek.h"
#include "conf.h"
#include "dpop.h"
#include "http.h"
#include "wire.h"

/* Entries kept from one list answer. */
#define OC_API_MAX_LIST 1000000

struct oc_api;

/* Builds from a loaded config (URL, CA, timeouts, credential).  No network
 * I/O happens here. */
int oc_api_new(const struct oc_conf *c, struct oc_api **out);
void oc_api_free(struct oc_api *a);
/* Child after fork: abandon connections and state without closing. */
void oc_api_abandon(struct oc_api *a);
/* PIN mode: use key (1ck_/ocv_ or a token) as the credential and verify it
 * with one exchange.  OC_ERR_UNAUTHORIZED when refused. */
int oc_api_login(struct oc_api *a, const char *key, size_t key_len);
/* Forget the credential and token (wiped). */
void oc_api_logout(struct oc_api *a);
bool oc_api_has_credential(const struct oc_api *a);
/* The last HTTP status this thread saw from a (0 if none) and the last
 * problem detail (may be ""), for debug logs and ulDeviceError.  Each
 * thread reads its own calls' outcome, never another thread's; the string
 * belongs to the calling thread and stays valid until its next call. */
long oc_api_last_status(const struct oc_api *a);
const char *oc_api_last_error(const struct oc_api *a);
void oc_api_stats(const struct oc_api *a, struct oc_http_stats *out);
/* Binds the client's tokens to d's key (RFC 9449; dpop.h): the token
 * exchange sends the public JWK as dpop_jwk and every request, every retry
 * of it included, a fresh DPoP proof.  A proof that cannot be made fails
 * the request with nothing sent.  Takes d (NULL: back to plain bearer);
 * call before the first request, not concurrently with one. */
void oc_api_set_dpop(struct oc_api *a, struct oc_dpop *d);

struct oc_vault {
	char id[OC_WIRE_ID_MAX + 1];
	char name[OC_WIRE_NAME_MAX + 1];
	char description[OC_WIRE_DESCRIPTION_MAX + 1];
	bool cmek_enabled;
	char cmek_fingerprint[OC_CMEK_FPR_HEX_LEN + 1]; /* "" when none */
	/* CMEK is on under a fingerprint this client cannot read: no key
	 * can be shown to be the vault's, so nothing may be written. */
	bool cmek_key_unknown;
	char created_at[40];
};

int oc_api_vault_list(struct oc_api *a, struct oc_vault **out, size_t *n);
int oc_api_vault_get(struct oc_api *a, const char *id, struct oc_vault *out);
int oc_api_vault_create(struct oc_api *a, const char *name,
			const char *description, struct oc_vault *out);
int oc_api_vault_delete(struct oc_api *a, const char *id);

int oc_api_cmek_enable(struct oc_api *a, const char *vault_id,
		       const char *fingerprint_hex, struct oc_vault *out);
int oc_api_cmek_disable(struct oc_api *a, const char *vault_id,
			struct oc_vault *out);

enum oc_job_status {
	OC_JOB_PENDING,
	OC_JOB_RUNNING,
	OC_JOB_COMPLETED,
	OC_JOB_FAILED
};

/* The status as the API spells it ("pending", ...). */
const char *oc_job_status_name(enum oc_job_status s);

struct oc_rotation_job {
	char id[OC_WIRE_ID_MAX + 1];
	char vault_id[OC_WIRE_ID_MAX + 1];
	enum oc_job_status status;
	int64_t total_secrets;
	int64_t processed;
	/* optional in the answer: "" when the server did not say */
	char old_fingerprint[OC_CMEK_FPR_HEX_LEN + 1];
	char new_fingerprint[OC_CMEK_FPR_HEX_LEN + 1];
	char error[256];
	char location[OC_WIRE_PATH_MAX + 1];
};

/* Server-assisted rotation: both keys go in x-cmek-old-key / x-cmek-new-key
 * as standard base64 (the header strings are wiped after the request).
 *
 * A 409 (a rotation job already runs for the vault) is OC_ERR_CONFLICT,
 * and out then names that job as far as the answer does (the API has no
 * job list): id from the problem body's "job_id" or "id", else from a
 * Location header ending in /cmek-rotate/{id}, "" when neither; location
 * as sent; every other member zero. */
int oc_api_cmek_rotate(struct oc_api *a, const char *vault_id,
		       const uint8_t old_key[OC_CMEK_KEY_LEN],
		       const uint8_t new_key[OC_CMEK_KEY_LEN],
		       struct oc_rotation_job *out);
int oc_api_cmek_job(struct oc_api *a, const char *vault_id, const char *job_id,
		    struct oc_rotation_job *out);

struct oc_secret_meta {
	char id[OC_WIRE_ID_MAX + 1];
	char *path; /* heap */
	char type[OC_WIRE_TYPE_MAX + 1];
	int64_t version;
	char created_at[40];
	char expires_at[40]; /* "" when none */
	char *metadata;	     /* JSON object text (heap), "{}" when none */
	bool cmek_encrypted; /* from the list item when the server says */
	bool cmek_known;     /* whether cmek_encrypted came from the server */
	char cmek_fingerprint[OC_CMEK_FPR_HEX_LEN + 1]; /* extension; "" */
	bool is_disabled;
	int64_t max_access_count; /* 0: none, or the server did not say */
};

struct oc_secret {
	struct oc_secret_meta meta;
	uint8_t *value; /* oc_secure_alloc; the bytes as stored: for a
			   CMEK secret the decoded blob, for a binary
			   secret (metadata encoding=base64) the decoded
			   bytes, else the UTF-8 text */
	size_t value_len;
};

/* The entries of a list, one by one as the answer arrives, instead of
 * an array: entry may take m->path and m->metadata (leaving NULL in their
 * place); m is cleared after the call, and a non-zero return ends the
 * list with that error.  restart (may be NULL): a retried request starts
 * the list over, so what entry received so far no longer counts. */
struct oc_api_meta_sink {
	int (*entry)(void *ctx, struct oc_secret_meta *m);
	void (*restart)(void *ctx);
	void *ctx;
};

/* prefix may be NULL. */
int oc_api_secret_list(struct oc_api *a, const char *vault_id,
		       const char *prefix, struct oc_secret_meta **out,
		       size_t *n);
/* The same into sink (prefix may be NULL). */
int oc_api_secret_list_each(struct oc_api *a, const char *vault_id,
			    const char *prefix,
			    const struct oc_api_meta_sink *sink);
int oc_api_secret_get(struct oc_api *a, const char *vault_id, const char *path,
		      struct oc_secret *out);

struct oc_secret_put {
	const char *type;     /* NULL: "generic" */
	const uint8_t *value; /* plaintext bytes, or a CMEK blob */
	size_t value_len;
	bool value_is_blob;   /* send base64 of the blob (CMEK vault) */
	const char *metadata; /* JSON object text or NULL */
	const char *expires_at;
	int64_t max_access_count; /* 0: none */
	/* The path's version as the caller has just read it (a GET of the
	 * secret before a re-seal), which spares the list that oc_api_
	 * secret_put otherwise asks before it sends; 0: unknown. */
	int64_t known_version;
};

/* Bytes that are not valid UTF-8 (and not a blob) are sent as base64 with
 * "encoding":"base64" merged into metadata, and decoded again on get.
 *
 * Each PUT makes a version (and may be charged), so it is sent once: it is
 * tried again only when it never left (connect failure), or when after a
 * 5xx the secret's version, read from the list (no read of the value),
 * shows that the first try did not land (the version before is
 * known_version, or else the list's, asked before the PUT).  A try that landed
 * despite a 5xx or a broken connection is a success, with the metadata from the
 * list. */
int oc_api_secret_put(struct oc_api *a, const char *vault_id, const char *path,
		      const struct oc_secret_put *in,
		      struct oc_secret_meta *out);
int oc_api_secret_delete(struct oc_api *a, const char *vault_id,
			 const char *path);

void oc_secret_meta_clear(struct oc_secret_meta *m);
void oc_secret_meta_list_free(struct oc_secret_meta *m, size_t n);
/* Wipes the value. */
void oc_secret_clear(struct oc_secret *s);

#endif
