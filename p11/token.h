/* token.h - one token per vault, and its remote state: the vault's
 * details, the list of secrets (fetched once, cached cache_ttl seconds),
 * values (fetched on first read, cached cache_ttl seconds), the vault's
 * CMEK key object.
 *
 * Locks: `lock` guards the fields below and the store and is never held
 * across network I/O; `fetch` is held across a network fetch so only one
 * thread fetches the same thing (the others wait, then read the cache).
 * Order: fetch before lock.
 *
 * A list or value fetched while this process wrote or deleted must not
 * undo that: `changes` counts local writes and deletes, each object keeps
 * the count of its last local write, and the paths deleted lately stay in
 * a small ring; a fetch started at count N leaves alone what changed
 * after N. */
#ifndef OC_P11_TOKEN_H
#define OC_P11_TOKEN_H

#include <stdbool.h>

#include "api.h"
#include "ck.h"
#include "lock.h"
#include "objstore.h"
#include "token-name.h"

/* Deletes remembered for fetches in flight; more during one list fetch
 * and that fetch's result is not trusted to add objects. */
#define OC_TOKEN_GONE_MAX 32

struct oc_token {
	CK_SLOT_ID slot;
	/* "" for the stand-in until its vaults are listed (see slot.h). */
	char vault_id[OC_WIRE_ID_MAX + 1];
	/* Decided when the slot is made, never changed (token-name.h). */
	CK_UTF8CHAR label[OC_TOKEN_LABEL_LEN];
	CK_CHAR serial[OC_TOKEN_SERIAL_LEN];
	struct oc_vault vault;
	bool vault_known;
	struct oc_lock *lock;
	struct oc_lock *fetch;
	struct oc_objstore store;
	bool listed;
	long listed_at;
	bool key_done;	       /* the config key object was considered */
	unsigned long changes; /* local writes and deletes */
	char *gone[OC_TOKEN_GONE_MAX];		  /* paths deleted lately */
	unsigned long gone_at[OC_TOKEN_GONE_MAX]; /* `changes` then */
	unsigned gone_next;
	unsigned long gone_lost; /* newest count pushed out of the ring */
	/* Logouts (oc_token_wipe): a fetch begun before one is dropped. */
	unsigned long wipes;
	bool mismatch_logged;
	/* Session counts, under the module lock. */
	unsigned long sessions;
	unsigned long rw_sessions;
};

CK_RV oc_token_new(CK_SLOT_ID slot, const char *vault_id,
		   const struct oc_vault *info, struct oc_token **out);
void oc_token_free(struct oc_token *t);
void oc_token_abandon(struct oc_token *t);
/* The stand-in becomes this vault once the vaults are listed; its label
 * and serial stay. */
void oc_token_bind(struct oc_token *t, const struct oc_vault *info);

CK_RV oc_token_info(struct oc_token *t, CK_TOKEN_INFO *ti);
/* The vault's details, fetched when unknown, or (fresh) read from the
 * server now: whether a write may go out unsealed depends on the vault's
 * CMEK state as of that write, which another client may just have
 * changed.  Reports a configured key whose fingerprint differs. */
CK_RV oc_token_vault(struct oc_token *t, bool fresh, struct oc_vault *out);
/* Has a cache entry made at `at` outlived the cache lifetime? */
bool oc_token_expired(long at, long now);
/* The object list is current (fetching it when stale) and the configured
 * CMEK key object exists. */
CK_RV oc_token_sync(struct oc_token *t);
/* Before a find by exact label (a secret path) of a data object: that
 * one secret's metadata is current, asked for alone (a list filtered by
 * the path, no value read) unless the whole list is, or the whole list
 * when the server refuses the filter (400).  An answer without the path
 * adds nothing and removes nothing (a known object goes at the next full
 * list or at its value's 404); one with the path disabled removes it.  A
 * later full list keeps the object and its handle. */
CK_RV oc_token_lookup(struct oc_token *t, const char *label, size_t len);
/* The data object's value is cached and current (fetching it when not).
 * A secret gone on the server (404/410) leaves the store:
 * CKR_OBJECT_HANDLE_INVALID. */
CK_RV oc_token_fetch(struct oc_token *t, CK_OBJECT_HANDLE h);
/* C_GetAttributeValue: fetches the value first when the template asks
 * for it, then fills the template with per-attribute errors. */
CK_RV oc_token_get_attrs(struct oc_token *t, CK_OBJECT_HANDLE h,
			 CK_ATTRIBUTE *tmpl, CK_ULONG n);
/* C_GetObjectSize: a data object's value length (fetched when needed);
 * CK_UNAVAILABLE_INFORMATION for keys. */
CK_RV oc_token_object_size(struct oc_token *t, CK_OBJECT_HANDLE h,
			   CK_ULONG *size);
/* Logout: every cached secret, value and private object is dropped. */
void oc_token_wipe(struct oc_token *t);

/* Under t->lock: the object if it exists and the caller may see it. */
struct oc_object *oc_token_find_locked(struct oc_token *t, CK_OBJECT_HANDLE h);
bool oc_token_visible(const struct oc_object *o);
/* A referenced key object (caller unrefs): CKR_KEY_HANDLE_INVALID when
 * there is none by that handle. */
CK_RV oc_token_key(struct oc_token *t, CK_OBJECT_HANDLE h,
		   struct oc_object **out);
/* Adds a new object (session key, ...) to the store; sets its handle. */
CK_RV oc_token_add(struct oc_token *t, struct oc_object *o,
		   CK_OBJECT_HANDLE *h);
/* Destroys a session's objects (C_CloseSession, logout). */
void oc_token_drop_session_objects(struct oc_token *t, CK_SESSION_HANDLE s,
				   bool all);
/* The secret path of a data object (heap copy), plus its vault id. */
CK_RV oc_token_object_path(struct oc_token *t, CK_OBJECT_HANDLE h, char **path,
			   char vault_id[OC_WIRE_ID_MAX + 1]);
/* After a successful PUT to path: updates or creates its data object
 * with m and the value as stored, and the plaintext that was sealed
 * (opened; NULL when the module did not seal it) for a vault that
 * presents its values opened; *h gets its handle. */
CK_RV oc_token_stored(struct oc_token *t, const char *path,
		      const struct oc_secret_meta *m, const uint8_t *value,
		      size_t len, const uint8_t *opened, size_t opened_len,
		      CK_OBJECT_HANDLE *h);
/* After a DELETE (or a 404/410): the object leaves the store. */
void oc_token_forget(struct oc_token *t, CK_OBJECT_HANDLE h);
/* The vault id (copy); "" for the stand-in. */
void oc_token_vault_id(struct oc_token *t, char out[OC_WIRE_ID_MAX + 1]);

#endif
