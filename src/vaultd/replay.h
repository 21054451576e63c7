/* replay.h - the DPoP proof ids (jti) seen while their proofs could still
 * be accepted, so that a captured proof cannot be sent twice (RFC 9449
 * §11.1).  Bounded: at most `max` proofs at once, shared by every request
 * thread. */
#ifndef OC_VAULTD_REPLAY_H
#define OC_VAULTD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* Proofs remembered at once: about 250 a second over the proof window
 * (dpop-verify.h), far more than a local vault serves. */
#define OC_REPLAY_MAX 16384

struct oc_replay;

int oc_replay_new(size_t max, struct oc_replay **out);
void oc_replay_free(struct oc_replay *r);

/* Records the proof jti of key jkt (a thumbprint) until the time `until`
 * (exclusive).  OC_OK when it is new; OC_ERR_CONFLICT when it was seen and
 * has not expired; OC_ERR_RATE_LIMITED when max proofs are remembered and
 * none has expired, *retry_at then saying when one will. */
int oc_replay_add(struct oc_replay *r, const char *jkt, const char *jti,
		  size_t jti_len, int64_t until, int64_t now,
		  int64_t *retry_at);

#endif
