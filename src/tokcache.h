/* tokcache.h - an access token shared by the processes of one credential.
 *
 * `p11-kit server` runs the module in a fresh process per connection, so
 * an agent that starts many short-lived clients would exchange its
 * credential once per client (the hosted auth routes allow a burst of 5,
 * then 1 per second).  With token_cache set, the token of an exchange is
 * kept in that file until it expires, and the next process uses it
 * instead of exchanging again.
 *
 * The file holds a bearer token: it is made 0600 (written to a temporary
 * file, then renamed over), and read only when it is a regular file of
 * this user that no one else may read, at most OC_TOKCACHE_MAX bytes.  It
 * names the credential it belongs to by a digest of the API URL, the
 * credential, the agent id and the DPoP key's thumbprint: a token is
 * never used for another credential or another server.  Every failure is
 * a miss (the caller exchanges), never an error. */
#ifndef OC_TOKCACHE_H
#define OC_TOKCACHE_H

#include <stddef.h>
#include <stdint.h>

#define OC_TOKCACHE_MAX	 16384
#define OC_TOKCACHE_BIND 32 /* SHA-256 */

/* The binding of a token to what it was exchanged for (any part may be
 * NULL). */
int oc_tokcache_binding(const char *api_url, int kind, const char *credential,
			const char *agent_id, const char *dpop_jkt,
			uint8_t out[OC_TOKCACHE_BIND]);

/* The cached token for bind, when it is still valid for more than
 * min_left_s seconds: *tok (oc_secure_alloc) and *left_s; else -1. */
int oc_tokcache_load(const char *path, const uint8_t bind[OC_TOKCACHE_BIND],
		     unsigned min_left_s, char **tok, uint64_t *left_s);

/* Keeps tok for bind until now + life_s.  0, or -1 (the reason logged). */
int oc_tokcache_store(const char *path, const uint8_t bind[OC_TOKCACHE_BIND],
		      const char *tok, uint64_t life_s);

/* Removes the file when it holds tok (the server refused it). */
void oc_tokcache_drop(const char *path, const char *tok);

#endif
