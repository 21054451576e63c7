/* strlist.h - a small owned list of strings (vault ids, scopes). */
#ifndef OC_VAULTD_STRLIST_H
#define OC_VAULTD_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

#define OC_STRLIST_MAX 256

struct oc_jgen;

struct oc_strlist {
	char **v;
	size_t n;
};

/* OC_ERR_RANGE past OC_STRLIST_MAX entries. */
int oc_strlist_add(struct oc_strlist *l, const char *s);
int oc_strlist_addn(struct oc_strlist *l, const char *s, size_t n);
bool oc_strlist_has(const struct oc_strlist *l, const char *s);
void oc_strlist_free(struct oc_strlist *l);
/* Newline-joined text (entries never hold control characters) and back. */
int oc_strlist_join(const struct oc_strlist *l, char **out);
int oc_strlist_split(const char *s, struct oc_strlist *out);
/* Writes "key": [entries...] into the object j has open. */
int oc_strlist_json(struct oc_jgen *j, const char *key,
		    const struct oc_strlist *l);

#endif
