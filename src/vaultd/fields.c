/* fields.c - request body field validation with clear 400 details. */
#include "config.h"

#include "fields.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "problem.h"
#include "server.h"

static int bad(struct oc_req *r, const char *key, const char *what)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "Field '%s' %s", key, what);
	oc_problem(r, 400, detail);
	return OC_ERR_BAD_REQUEST;
}

static const struct oc_json *member(const struct oc_json *obj, const char *key)
{
	const struct oc_json *m = oc_json_get(obj, key);

	if (m && oc_json_type(m) == OC_JSON_NULL)
		return NULL;
	return m;
}

int oc_field_str(struct oc_req *r, const struct oc_json *obj, const char *key,
		 bool required, size_t min, size_t max, const char **out,
		 size_t *len)
{
	const struct oc_json *m = member(obj, key);
	const char *s;
	size_t n = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if (!m) {
		if (required)
			return bad(r, key, "is required");
		return OC_OK;
	}
	s = oc_json_string(m, &n);
	if (!s)
		return bad(r, key, "must be a string");
	if (n < min || n > max)
		return bad(r, key, "has an invalid length");
	if (memchr(s, '\0', n) && key && strcmp(key, "value") != 0)
		return bad(r, key, "must not contain NUL");
	*out = s;
	if (len)
		*len = n;
	return OC_OK;
}

int oc_field_int(struct oc_req *r, const struct oc_json *obj, const char *key,
		 int64_t min, int64_t max, int64_t *out, bool *present)
{
	const struct oc_json *m = member(obj, key);
	int64_t v;

	*present = false;
	if (!m)
		return OC_OK;
	if (!oc_json_int(m, &v))
		return bad(r, key, "must be an integer");
	if (v < min || v > max)
		return bad(r, key, "is out of range");
	*out = v;
	*present = true;
	return OC_OK;
}

int oc_field_bool(struct oc_req *r, const struct oc_json *obj, const char *key,
		  bool *out, bool *present)
{
	const struct oc_json *m = member(obj, key);
	bool v;

	*present = false;
	if (!m)
		return OC_OK;
	if (!oc_json_bool(m, &v))
		return bad(r, key, "must be a boolean");
	*out = v;
	*present = true;
	return OC_OK;
}

int oc_field_time(struct oc_req *r, const struct oc_json *obj, const char *key,
		  char text[OC_TIME_LEN], int64_t *epoch, bool *present)
{
	const char *s;
	size_t n;
	int64_t t;
	int rc;

	*present = false;
	rc = oc_field_str(r, obj, key, false, 1, 64, &s, &n);
	if (rc || !s)
		return rc;
	if (oc_time_parse(s, n, &t) || t < 0 || t > OC_TIME_LAST)
		return bad(r, key, "must be an RFC 3339 date-time");
	oc_time_format((time_t)t, text);
	*epoch = t;
	*present = true;
	return OC_OK;
}

int oc_field_strlist(struct oc_req *r, const struct oc_json *obj,
		     const char *key, size_t max, bool (*check)(const char *),
		     struct oc_strlist *out, bool *present)
{
	const struct oc_json *m = member(obj, key);
	struct oc_strlist l = {0};
	size_t i, n;
	int rc;

	*present = false;
	if (!m)
		return OC_OK;
	if (oc_json_type(m) != OC_JSON_ARRAY)
		return bad(r, key, "must be an array of strings");
	if (oc_json_len(m) > OC_STRLIST_MAX)
		return bad(r, key, "has too many entries");
	for (i = 0; i < oc_json_len(m); i++) {
		const char *s = oc_json_string(oc_json_at(m, i), &n);
		size_t k;

		if (!s || n == 0 || n > max) {
			oc_strlist_free(&l);
			return bad(r, key, "must hold non-empty strings");
		}
		for (k = 0; k < n; k++) {
			if ((unsigned char)s[k] < 0x20) {
				oc_strlist_free(&l);
				return bad(r, key, "holds a control character");
			}
		}
		rc = oc_strlist_addn(&l, s, n);
		if (!rc && check && !check(l.v[l.n - 1]))
			rc = OC_ERR_PARSE;
		if (rc) {
			oc_strlist_free(&l);
			return bad(r, key, "holds an invalid entry");
		}
	}
	*out = l;
	*present = true;
	return OC_OK;
}

int oc_field_object(struct oc_req *r, const struct oc_json *obj,
		    const char *key, const struct oc_json **out)
{
	const struct oc_json *m = member(obj, key);

	*out = NULL;
	if (!m)
		return OC_OK;
	if (oc_json_type(m) != OC_JSON_OBJECT)
		return bad(r, key, "must be an object");
	*out = m;
	return OC_OK;
}
