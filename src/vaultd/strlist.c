/* strlist.c - owned string lists. */
#include "config.h"

#include "strlist.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "err.h"
#include "json.h"

int oc_strlist_addn(struct oc_strlist *l, const char *s, size_t n)
{
	char **v;
	char *c;

	if (l->n >= OC_STRLIST_MAX)
		return OC_ERR_RANGE;
	c = malloc(n + 1);
	if (!c)
		return OC_ERR_NOMEM;
	memcpy(c, s, n);
	c[n] = '\0';
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		free(c);
		return OC_ERR_NOMEM;
	}
	v[l->n++] = c;
	l->v = v;
	return OC_OK;
}

int oc_strlist_add(struct oc_strlist *l, const char *s)
{
	return oc_strlist_addn(l, s, strlen(s));
}

bool oc_strlist_has(const struct oc_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void oc_strlist_free(struct oc_strlist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int oc_strlist_join(const struct oc_strlist *l, char **out)
{
	size_t len = 1, i, o = 0;
	char *s;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	s = malloc(len);
	if (!s)
		return OC_ERR_NOMEM;
	for (i = 0; i < l->n; i++) {
		size_t n = strlen(l->v[i]);

		if (i)
			s[o++] = '\n';
		memcpy(s + o, l->v[i], n);
		o += n;
	}
	s[o] = '\0';
	*out = s;
	return OC_OK;
}

int oc_strlist_split(const char *s, struct oc_strlist *out)
{
	struct oc_strlist t = {0};
	const char *p = s;
	int rc = OC_OK;

	while (s && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		rc = oc_strlist_addn(&t, p, n);
		if (rc) {
			oc_strlist_free(&t);
			return rc;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	*out = t;
	return OC_OK;
}

int oc_strlist_json(struct oc_jgen *j, const char *key,
		    const struct oc_strlist *l)
{
	size_t i;

	oc_jgen_str(j, key);
	yajl_gen_array_open(j->g);
	for (i = 0; i < l->n; i++)
		oc_jgen_str(j, l->v[i]);
	yajl_gen_array_close(j->g);
	return oc_jgen_status(j);
}
