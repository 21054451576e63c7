/* replay.c - a bounded hash set of (key, jti) with expiry.
 *
 * Open addressing with linear probing over twice `max` slots.  An expired
 * entry stays in its slot (a later entry of the same probe chain may be
 * live) until a sweep rebuilds the table with the live ones; its slot may
 * be reused meanwhile.  When `max` entries are live the set refuses rather
 * than forgets: forgetting a live entry early would let that proof be
 * replayed, which is the one thing the set is for. */
#include "config.h"

#include "replay.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "ossl.h"

/* 128 bits of a salted SHA-256: collisions among max entries are out of
 * reach, and the salt keeps a client from choosing jtis that share a
 * probe chain. */
#define KEY_LEN	 16
#define SALT_LEN 16

struct entry {
	uint8_t key[KEY_LEN];
	int64_t until; /* 0: never used */
};

struct oc_replay {
	pthread_mutex_t lock;
	uint8_t salt[SALT_LEN];
	struct entry *slots;
	size_t nslots;
	size_t used; /* slots ever filled since the last sweep */
	size_t max;
	/* No entry expires before this: a sweep earlier would free none. */
	int64_t next_expiry;
};

int oc_replay_new(size_t max, struct oc_replay **out)
{
	struct oc_replay *r;
	int rc;

	if (max == 0 || max > SIZE_MAX / 2 / sizeof(struct entry))
		return OC_ERR_ARGS;
	r = calloc(1, sizeof(*r));
	if (!r)
		return OC_ERR_NOMEM;
	r->max = max;
	r->nslots = 2 * max;
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	rc = r->slots ? oc_random(r->salt, sizeof(r->salt)) : OC_ERR_NOMEM;
	if (!rc && pthread_mutex_init(&r->lock, NULL) != 0)
		rc = OC_ERR_NOMEM;
	if (rc) {
		free(r->slots);
		free(r);
		return rc;
	}
	*out = r;
	return OC_OK;
}

void oc_replay_free(struct oc_replay *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->slots);
	free(r);
}

static int entry_key(const struct oc_replay *r, const char *jkt,
		     const char *jti, size_t jti_len, uint8_t key[KEY_LEN])
{
	uint8_t md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	/* The thumbprint has a fixed length, so jkt || jti is unambiguous. */
	ok = ctx && EVP_DigestInit_ex(ctx, oc_ossl_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, r->salt, sizeof(r->salt)) == 1 &&
	     EVP_DigestUpdate(ctx, jkt, strlen(jkt)) == 1 &&
	     EVP_DigestUpdate(ctx, jti, jti_len) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return OC_ERR_CRYPTO;
	memcpy(key, md, KEY_LEN);
	return OC_OK;
}

static size_t home_slot(const struct oc_replay *r, const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)(h % r->nslots);
}

/* The table rebuilt with the live entries only.  Under the lock. */
static int sweep(struct oc_replay *r, int64_t now)
{
	struct entry *old = r->slots, *fresh;
	size_t i, j;

	fresh = calloc(r->nslots, sizeof(*fresh));
	if (!fresh)
		return OC_ERR_NOMEM;
	r->used = 0;
	r->next_expiry = INT64_MAX;
	for (i = 0; i < r->nslots; i++) {
		if (old[i].until <= now)
			continue;
		for (j = home_slot(r, old[i].key); fresh[j].until;
		     j = (j + 1) % r->nslots)
			;
		fresh[j] = old[i];
		r->used++;
		if (old[i].until < r->next_expiry)
			r->next_expiry = old[i].until;
	}
	r->slots = fresh;
	free(old);
	return OC_OK;
}

/* Under the lock.  The probe chain ends at a never-used slot, which
 * exists because used stays below nslots (max is half of it). */
static int insert(struct oc_replay *r, const uint8_t key[KEY_LEN],
		  int64_t until, int64_t now, int64_t *retry_at)
{
	struct entry *reuse = NULL, *e;
	size_t i = home_slot(r, key);
	int rc;

	for (e = &r->slots[i]; e->until; e = &r->slots[i]) {
		bool live = e->until > now;

		if (memcmp(e->key, key, KEY_LEN) == 0) {
			if (live)
				return OC_ERR_CONFLICT;
			reuse = e;
			break;
		}
		if (!live && !reuse)
			reuse = e;
		i = (i + 1) % r->nslots;
	}
	if (!reuse) {
		if (r->used >= r->max) {
			if (now < r->next_expiry) {
				*retry_at = r->next_expiry;
				return OC_ERR_RATE_LIMITED;
			}
			rc = sweep(r, now);
			if (rc)
				return rc;
			return insert(r, key, until, now, retry_at);
		}
		reuse = e;
		r->used++;
	}
	memcpy(reuse->key, key, KEY_LEN);
	reuse->until = until;
	if (r->used == 1 || until < r->next_expiry)
		r->next_expiry = until;
	return OC_OK;
}

int oc_replay_add(struct oc_replay *r, const char *jkt, const char *jti,
		  size_t jti_len, int64_t until, int64_t now, int64_t *retry_at)
{
	uint8_t key[KEY_LEN];
	int rc;

	if (until <= now)
		return OC_ERR_ARGS;
	rc = entry_key(r, jkt, jti, jti_len, key);
	if (rc)
		return rc;
	pthread_mutex_lock(&r->lock);
	rc = insert(r, key, until, now, retry_at);
	pthread_mutex_unlock(&r->lock);
	return rc;
}
