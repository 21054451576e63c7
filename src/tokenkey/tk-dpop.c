/* tk-dpop.c - a DPoP signer (src/dpop.h) over an EC P-256 key in another
 * token: CKM_ECDSA over the proof's SHA-256, in the token.
 *
 * The key is opened once, now or at its first use, and kept for every
 * proof after; a failed open is tried again at the next use.  After fork
 * the child lets the parent's session be (oc_tk_key_free knows). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tk-key.h"

#include <openssl/evp.h>

#include "dpop.h"
#include "err.h"
#include "log.h"

struct signer {
	pthread_mutex_t lock; /* opening */
	struct oc_tk_open_args args;
	char *uri, *module, *pin_file; /* args' strings, owned */
	struct oc_tk_key *key;
	EVP_PKEY *pub;
	/* A PIN the token refused: kept for the signer's life, since each
	 * try uses up one of the token's PIN retries. */
	int refused;
};

/* destroy_lock: false in a child after fork (the lock may have been held
 * at fork); the key then lets the parent's session be. */
static void release(struct signer *s, bool destroy_lock)
{
	if (!s)
		return;
	oc_tk_key_free(s->key);
	EVP_PKEY_free(s->pub);
	free(s->uri);
	free(s->module);
	free(s->pin_file);
	if (destroy_lock)
		pthread_mutex_destroy(&s->lock);
	free(s);
}

static void signer_free(void *ctx)
{
	release(ctx, true);
}

static void signer_abandon(void *ctx)
{
	release(ctx, false);
}

/* Opens the key and checks its public half; lock held. */
static int open_key(struct signer *s, struct oc_tk_err *e)
{
	struct oc_tk_err local;
	char jwk[OC_DPOP_JWK_MAX];
	struct oc_tk_key *k = NULL;
	EVP_PKEY *pub = NULL;
	int rc;

	if (s->key)
		return OC_OK;
	if (!e)
		e = &local; /* the stage tells a refused PIN */
	if (s->refused)
		return oc_tk_fail(e, OC_TK_AT_LOGIN, 0, s->refused,
				  "the token refused the PIN earlier: not "
				  "tried again (each try uses up a PIN retry)");
	rc = oc_tk_key_open(&s->args, &k, e);
	if (rc == OC_ERR_UNAUTHORIZED && e->stage == OC_TK_AT_LOGIN)
		s->refused = rc;
	if (!rc)
		rc = oc_tk_public_key(k, &pub, e);
	if (!rc) {
		rc = oc_dpop_jwk_of(pub, jwk, sizeof(jwk));
		if (rc == OC_ERR_UNSUPPORTED)
			oc_tk_fail(e, OC_TK_AT_KEY, 0, rc,
				   "%s: a DPoP key must be EC P-256 (ES256)",
				   oc_tk_uri_shown(s->uri));
	}
	if (rc) {
		EVP_PKEY_free(pub);
		oc_tk_key_free(k);
		return rc;
	}
	s->key = k;
	s->pub = pub;
	oc_debug(OC_LOG_API, "DPoP key opened in its token");
	return OC_OK;
}

/* At first use, where no caller can print: the one message goes to the
 * error log. */
static int ensure_open(struct signer *s)
{
	struct oc_tk_err e;
	int rc;

	pthread_mutex_lock(&s->lock);
	e.pin_file_loose = false;
	rc = open_key(s, &e);
	pthread_mutex_unlock(&s->lock);
	if (rc)
		oc_log_error("oneclaw: DPoP key: %s",
			     e.msg[0] ? e.msg : oc_strerror(rc));
	else if (e.pin_file_loose)
		oc_log_error("oneclaw: DPoP key: PIN file %s is readable by "
			     "group or others (chmod go-r)",
			     s->pin_file ? s->pin_file : "of the URI");
	return rc;
}

static int signer_public(void *ctx, EVP_PKEY **out)
{
	struct signer *s = ctx;
	int rc = ensure_open(s);

	if (rc)
		return rc;
	if (EVP_PKEY_up_ref(s->pub) != 1)
		return OC_ERR_CRYPTO;
	*out = s->pub;
	return OC_OK;
}

static int signer_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
	struct signer *s = ctx;
	size_t n = 0;
	int rc = ensure_open(s);

	if (!rc)
		rc = oc_tk_ecdsa_sign(s->key, digest, 32, sig, 64, &n);
	if (!rc && n != 64)
		rc = OC_ERR_CRYPTO; /* not a P-256 signature */
	return rc;
}

static char *dup_or_null(const char *v, bool *fail)
{
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		*fail = true;
	return d;
}

int oc_tk_dpop_signer(const struct oc_tk_open_args *a, bool open_now,
		      struct oc_dpop_signer *out, struct oc_tk_err *e)
{
	struct signer *s;
	bool fail = false;
	int rc;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!a || !a->uri || !out)
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS, "no URI");
	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->args = *a;
	s->args.kind = OC_TK_EC;
	s->uri = dup_or_null(a->uri, &fail);
	s->module = dup_or_null(a->module, &fail);
	s->pin_file = dup_or_null(a->pin_file, &fail);
	s->args.uri = s->uri;
	s->args.module = s->module;
	s->args.pin_file = s->pin_file;
	if (fail) {
		signer_free(s);
		return OC_ERR_NOMEM;
	}
	if (open_now) {
		rc = open_key(s, e);
		if (rc) {
			signer_free(s);
			return rc;
		}
	}
	*out = (struct oc_dpop_signer){
	    .public_key = signer_public,
	    .sign = signer_sign,
	    .free = signer_free,
	    .abandon = signer_abandon,
	    .ctx = s,
	};
	return OC_OK;
}
