/* router.h - method + path matching for the API.
 *
 * Patterns are slash-separated segments: a literal, "{id}" (one segment,
 * percent-decoded), "{*}" (the secret path: one or more segments up to the
 * end, or up to the last segment when a "{n}" follows).  The secret path is
 * percent-decoded after joining, so a literal '/' and "%2F" mean the same. */
#ifndef OC_VAULTD_ROUTER_H
#define OC_VAULTD_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define OC_ROUTE_MAX_IDS 2

struct oc_req;

typedef void (*oc_handler_fn)(struct oc_req *r);

struct oc_route {
	const char *method;
	const char *pattern;
	oc_handler_fn fn;
	unsigned flags;
	size_t max_body;   /* bytes */
	size_t max_values; /* JSON values in the body */
};

#define OC_ROUTE_PUBLIC 1u /* no bearer needed */

struct oc_route_match {
	const struct oc_route *route;
	char ids[OC_ROUTE_MAX_IDS][OC_WIRE_ID_MAX + 1];
	size_t n_ids;
	char *path;	/* decoded secret path (heap) or NULL */
	int64_t number; /* the trailing "{n}" */
	int has_number;
};

enum oc_route_result {
	OC_ROUTE_OK,
	OC_ROUTE_NOT_FOUND,
	OC_ROUTE_BAD_METHOD, /* the path exists with another method */
	OC_ROUTE_BAD_PATH,   /* malformed escape, NUL, bad secret path */
};

/* Matches the raw (still percent-encoded) request path against routes. */
enum oc_route_result oc_route_find(const struct oc_route *routes, size_t n,
				   const char *method, const char *raw_path,
				   struct oc_route_match *m);
void oc_route_match_clear(struct oc_route_match *m);

/* Decodes %XX in s[0..n) into a new heap string; OC_ERR_PARSE on a bad
 * escape or a decoded NUL.  '+' stays as it is. */
int oc_percent_decode(const char *s, size_t n, char **out);

#endif
