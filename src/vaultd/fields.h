/* fields.h - typed, bounded fields of JSON request bodies.
 *
 * Each helper treats an absent member and JSON null alike (absent).  On a
 * wrong type or an out-of-bound value it sets the 400 problem naming the
 * field and returns OC_ERR_BAD_REQUEST; the handler just returns. */
#ifndef OC_VAULTD_FIELDS_H
#define OC_VAULTD_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "rfc3339.h"
#include "strlist.h"

struct oc_req;

/* *out NULL when absent (and not required).  min/max in bytes. */
int oc_field_str(struct oc_req *r, const struct oc_json *obj, const char *key,
		 bool required, size_t min, size_t max, const char **out,
		 size_t *len);
/* *present false when absent. */
int oc_field_int(struct oc_req *r, const struct oc_json *obj, const char *key,
		 int64_t min, int64_t max, int64_t *out, bool *present);
int oc_field_bool(struct oc_req *r, const struct oc_json *obj, const char *key,
		  bool *out, bool *present);
/* RFC 3339; text normalised to UTC "…Z".  *present false when absent. */
int oc_field_time(struct oc_req *r, const struct oc_json *obj, const char *key,
		  char text[OC_TIME_LEN], int64_t *epoch, bool *present);
/* An array of strings each max bytes; check (may be NULL) validates each
 * entry.  *present false when absent. */
int oc_field_strlist(struct oc_req *r, const struct oc_json *obj,
		     const char *key, size_t max, bool (*check)(const char *),
		     struct oc_strlist *out, bool *present);
/* An object member, or NULL. */
int oc_field_object(struct oc_req *r, const struct oc_json *obj,
		    const char *key, const struct oc_json **out);

#endif
