/* api-call.h - the API client's request path, for the units that add
 * resources to it (api-agents.c) and for nothing else.
 *
 * A call is authenticated, retried and bounded as every call of api.c
 * (api.h); its answer is read by the same liberal rules: an object answer
 * is parsed whole (JSON trees wipe their strings when freed, so an answer
 * that carried a key leaves no copy), a list answer entry by entry as it
 * arrives. */
#ifndef OC_API_CALL_H
#define OC_API_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "json.h"

/* <root>[/<id>][<sub>][<name>], with id and name percent-encoded. */
struct oc_api_call {
	const char *method;
	const char *root; /* "/v1/agents"; NULL: "/v1/vaults" */
	const char *id;	  /* an agent or vault id, or NULL */
	const char *sub;  /* "/rotate-key", "/policies/", ... or NULL */
	const char *name; /* a policy id after sub, or NULL */
	const void *body; /* JSON text, or NULL */
	size_t body_len;
	bool idempotent; /* may be sent again after a failure */
	/* Never sent twice, not even by libcurl when a reused connection
	 * dies: a request whose answer carries a key made once. */
	bool once;
};

/* Sends c; OC_OK only for the status want (0: any 2xx).  out (may be
 * NULL: the body is not read) gets the answer's JSON object, which the
 * caller frees with oc_json_free, or NULL for an empty answer. */
int oc_api_call_object(struct oc_api *a, const struct oc_api_call *c, long want,
		       struct oc_json **out)
    __attribute__((warn_unused_result));

/* A list answer: the array in member field, each entry parsed into an
 * element of size bytes by parse (*skip: the entry lacks what a caller
 * needs, named key, and is left out); clear (may be NULL) undoes one
 * element; held (may be NULL: none) tells the heap bytes an element holds
 * besides itself, which count towards the bound on what a list keeps.
 * *out is calloc'd with the usable entries, *n their number. */
struct oc_api_list_spec {
	const char *what; /* "agent", "policy": for the log */
	const char *key;  /* what a usable entry must have: "id" */
	const char *field;
	size_t size;
	int (*parse)(const struct oc_json *entry, void *elem, bool *skip);
	void (*clear)(void *elem);
	size_t (*held)(const void *elem);
};
int oc_api_call_list(struct oc_api *a, const struct oc_api_call *c,
		     const struct oc_api_list_spec *spec, void **out, size_t *n)
    __attribute__((warn_unused_result));

/* Whether s is an id as the API's paths take one (uuids in practice). */
bool oc_api_id_ok(const char *s);
/* Whether s[0..n) can be a credential (a key or token goes into a
 * header): visible ASCII, not empty. */
bool oc_api_cred_ok(const char *s, size_t n);

/* Liberal readers of an answer's optional members.  take_text: a string
 * clipped to dst on a UTF-8 boundary, "" when absent, null or mistyped.
 * take_id: true only for a usable id that fits.  take_bool: *present
 * tells whether the server said.  take_int: a whole number of at least
 * min, else 0 and *present false. */
void oc_api_take_text(const struct oc_json *o, const char *key, char *dst,
		      size_t dsz);
bool oc_api_take_id(const struct oc_json *o, const char *key,
		    char dst[OC_WIRE_ID_MAX + 1]);
void oc_api_take_bool(const struct oc_json *o, const char *key, bool *out,
		      bool *present);
void oc_api_take_int(const struct oc_json *o, const char *key, int64_t min,
		     int64_t *out, bool *present);
/* A member's problem in an answer, for the api debug log. */
void oc_api_ignored(const char *key, const char *why);

#endif
