/* router.c - method + path matching with percent-decoding. */
#include "config.h"

#include "router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"

#define MAX_SEGS 300

struct seg {
	const char *p;
	size_t n;
};

int oc_percent_decode(const char *s, size_t n, char **out)
{
	char *d;
	size_t i, o = 0;

	d = malloc(n + 1);
	if (!d)
		return OC_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			uint8_t byte;
			size_t len;

			/* %00 would cut the path short where C reads it. */
			if (i + 2 >= n ||
			    oc_hex_decode(s + i + 1, 2, &byte, 1, &len) !=
				OC_OK ||
			    byte == 0)
				goto bad;
			d[o++] = (char)byte;
			i += 2;
		} else if (s[i] == '\0') {
			goto bad;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	*out = d;
	return OC_OK;
bad:
	free(d);
	return OC_ERR_PARSE;
}

static size_t split(const char *s, struct seg *segs, size_t max)
{
	size_t n = 0;
	const char *start = s;

	for (;;) {
		if (*s == '/' || *s == '\0') {
			if (n == max)
				return max + 1;
			segs[n].p = start;
			segs[n].n = (size_t)(s - start);
			n++;
			if (*s == '\0')
				break;
			start = s + 1;
		}
		s++;
	}
	return n;
}

static bool seg_is(const struct seg *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n == n && memcmp(s->p, lit, n) == 0;
}

/* Returns OC_ROUTE_OK, OC_ROUTE_NOT_FOUND or OC_ROUTE_BAD_PATH. */
static enum oc_route_result try_match(const char *pattern,
				      const struct seg *req, size_t nreq,
				      struct oc_route_match *m)
{
	struct seg pat[16];
	size_t npat, i, j = 0;

	npat = split(pattern, pat, 16);
	for (i = 0; i < npat; i++) {
		if (seg_is(&pat[i], "{*}")) {
			size_t tail = npat - i - 1, end, len;
			char *joined;
			int rc;

			if (nreq < j + 1 + tail)
				return OC_ROUTE_NOT_FOUND;
			end = nreq - tail;
			len = (size_t)(req[end - 1].p + req[end - 1].n -
				       req[j].p);
			rc = oc_percent_decode(req[j].p, len, &joined);
			if (rc)
				return OC_ROUTE_BAD_PATH;
			if (!oc_wire_path_ok(joined, strlen(joined),
					     OC_WIRE_PATH_SEND)) {
				free(joined);
				return OC_ROUTE_BAD_PATH;
			}
			free(m->path);
			m->path = joined;
			j = end;
			continue;
		}
		if (j >= nreq)
			return OC_ROUTE_NOT_FOUND;
		if (seg_is(&pat[i], "{n}")) {
			int64_t v = 0;
			size_t k;

			if (req[j].n == 0 || req[j].n > 18)
				return OC_ROUTE_NOT_FOUND;
			for (k = 0; k < req[j].n; k++) {
				char c = req[j].p[k];

				if (c < '0' || c > '9')
					return OC_ROUTE_NOT_FOUND;
				v = v * 10 + (c - '0');
			}
			m->number = v;
			m->has_number = 1;
		} else if (seg_is(&pat[i], "{id}")) {
			char *d;

			if (req[j].n == 0 || m->n_ids >= OC_ROUTE_MAX_IDS)
				return OC_ROUTE_NOT_FOUND;
			if (oc_percent_decode(req[j].p, req[j].n, &d))
				return OC_ROUTE_BAD_PATH;
			if (strlen(d) > OC_WIRE_ID_MAX || strchr(d, '/')) {
				free(d);
				return OC_ROUTE_NOT_FOUND;
			}
			memcpy(m->ids[m->n_ids], d, strlen(d) + 1);
			m->n_ids++;
			free(d);
		} else if (req[j].n != pat[i].n ||
			   memcmp(req[j].p, pat[i].p, pat[i].n) != 0) {
			return OC_ROUTE_NOT_FOUND;
		}
		j++;
	}
	return j == nreq ? OC_ROUTE_OK : OC_ROUTE_NOT_FOUND;
}

void oc_route_match_clear(struct oc_route_match *m)
{
	free(m->path);
	memset(m, 0, sizeof(*m));
}

enum oc_route_result oc_route_find(const struct oc_route *routes, size_t n,
				   const char *method, const char *raw_path,
				   struct oc_route_match *m)
{
	struct seg req[MAX_SEGS];
	size_t nreq, i;
	bool path_exists = false, bad_path = false;

	memset(m, 0, sizeof(*m));
	if (!raw_path || raw_path[0] != '/')
		return OC_ROUTE_NOT_FOUND;
	nreq = split(raw_path + 1, req, MAX_SEGS);
	if (nreq > MAX_SEGS)
		return OC_ROUTE_BAD_PATH;
	for (i = 0; i < n; i++) {
		enum oc_route_result rr;

		oc_route_match_clear(m);
		rr = try_match(routes[i].pattern + 1, req, nreq, m);
		if (rr == OC_ROUTE_BAD_PATH) {
			bad_path = true;
			continue;
		}
		if (rr != OC_ROUTE_OK)
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			m->route = &routes[i];
			return OC_ROUTE_OK;
		}
		path_exists = true;
	}
	oc_route_match_clear(m);
	if (path_exists)
		return OC_ROUTE_BAD_METHOD;
	return bad_path ? OC_ROUTE_BAD_PATH : OC_ROUTE_NOT_FOUND;
}
