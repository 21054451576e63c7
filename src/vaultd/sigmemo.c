/* sigmemo.c - a memo of the tokens whose signature has verified. */
#include "config.h"

#include "sigmemo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "ossl.h"

/* A few clients at a time, each with its token of the moment. */
#define SIGMEMO_SLOTS 64

struct oc_sigmemo {
	pthread_mutex_t lock;
	uint8_t digest[SIGMEMO_SLOTS][OC_SIGMEMO_DIGEST_LEN];
	size_t used; /* filled slots */
	size_t next; /* the slot the next token takes */
};

int oc_sigmemo_new(struct oc_sigmemo **out)
{
	struct oc_sigmemo *m = calloc(1, sizeof(*m));

	if (!m)
		return OC_ERR_NOMEM;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return OC_ERR_NOMEM;
	}
	*out = m;
	return OC_OK;
}

void oc_sigmemo_free(struct oc_sigmemo *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int oc_sigmemo_digest(const char *tok, size_t n,
		      uint8_t out[OC_SIGMEMO_DIGEST_LEN])
{
	unsigned len = 0;

	if (EVP_Digest(tok, n, out, &len, oc_ossl_sha256(), NULL) != 1 ||
	    len != OC_SIGMEMO_DIGEST_LEN) {
		oc_ossl_clear_errors();
		return OC_ERR_CRYPTO;
	}
	return OC_OK;
}

bool oc_sigmemo_has(struct oc_sigmemo *m,
		    const uint8_t digest[OC_SIGMEMO_DIGEST_LEN])
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->used && !found; i++)
		found = CRYPTO_memcmp(m->digest[i], digest,
				      OC_SIGMEMO_DIGEST_LEN) == 0;
	pthread_mutex_unlock(&m->lock);
	return found;
}

void oc_sigmemo_add(struct oc_sigmemo *m,
		    const uint8_t digest[OC_SIGMEMO_DIGEST_LEN])
{
	pthread_mutex_lock(&m->lock);
	memcpy(m->digest[m->next], digest, OC_SIGMEMO_DIGEST_LEN);
	m->next = (m->next + 1) % SIGMEMO_SLOTS;
	if (m->used < SIGMEMO_SLOTS)
		m->used++;
	pthread_mutex_unlock(&m->lock);
}
