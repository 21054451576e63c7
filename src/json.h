/* json.h - JSON through yajl, bounded, with secrets wiped.
 *
 * Parsing builds a small read-only tree with yajl's callback parser and
 * allocation functions that wipe on free, so a response that carried a
 * secret value leaves no copy behind.  Limits: text size (caller's cap, at
 * most OC_JSON_MAX_TEXT), nesting depth OC_JSON_MAX_DEPTH, and at most
 * OC_JSON_MAX_NODES values; a breach is OC_ERR_RANGE, bad syntax or invalid
 * UTF-8 is OC_ERR_PARSE.  Numbers are kept as int64 when integral, else as
 * double. */
#ifndef OC_JSON_H
#define OC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "buf.h"

#define OC_JSON_MAX_TEXT  (16u * 1024 * 1024)
#define OC_JSON_MAX_DEPTH 32
#define OC_JSON_MAX_NODES 1000000

enum oc_json_type {
	OC_JSON_NULL,
	OC_JSON_BOOL,
	OC_JSON_INT,
	OC_JSON_DOUBLE,
	OC_JSON_STRING,
	OC_JSON_OBJECT,
	OC_JSON_ARRAY,
};

struct oc_json;

int oc_json_parse(const char *text, size_t len, struct oc_json **out);
/* The same with a tighter value budget (at most OC_JSON_MAX_NODES): the
 * parse stops with OC_ERR_RANGE as soon as the document exceeds it. */
int oc_json_parse_limited(const char *text, size_t len, size_t max_nodes,
			  struct oc_json **out);
/* Wipes every string and frees; NULL-safe. */
void oc_json_free(struct oc_json *j);

/* A large document parsed as it arrives, keeping one list item at a time:
 * in { ..., "<member>": [item, ...], ... } each item is built as its own
 * tree (at most item_max_nodes values and item_max_bytes of text), handed
 * to on_item and freed when that returns.  An item over those bounds is
 * skipped and counted; the text between two item ends is bounded too (a
 * breach is OC_ERR_RANGE).  Members other than the list are checked and
 * dropped; "<member>": null counts as an empty list.  on_item returns
 * OC_OK or an error that stops the parse and is returned by the feed. */
typedef int (*oc_json_item_fn)(void *ctx, const struct oc_json *item);
struct oc_json_stream;

int oc_json_stream_new(const char *member, size_t item_max_nodes,
		       size_t item_max_bytes, oc_json_item_fn on_item,
		       void *ctx, struct oc_json_stream **out);
/* Forgets everything fed so far (a retried request starts over). */
int oc_json_stream_reset(struct oc_json_stream *s);
int oc_json_stream_feed(struct oc_json_stream *s, const char *text, size_t len);
/* The document is complete: *found tells whether the member was there,
 * *skipped how many items were over their bounds (either may be NULL). */
int oc_json_stream_finish(struct oc_json_stream *s, bool *found,
			  size_t *skipped);
void oc_json_stream_free(struct oc_json_stream *s);

enum oc_json_type oc_json_type(const struct oc_json *j);
/* Object member by key (first match); NULL if j is not an object or the key
 * is absent. */
const struct oc_json *oc_json_get(const struct oc_json *obj, const char *key);
/* String value and its length (may contain NUL); NULL if not a string. */
const char *oc_json_string(const struct oc_json *j, size_t *len);
bool oc_json_int(const struct oc_json *j, int64_t *out);
bool oc_json_bool(const struct oc_json *j, bool *out);
size_t oc_json_len(const struct oc_json *j); /* array or object members */
const struct oc_json *oc_json_at(const struct oc_json *j, size_t i);
/* Key of the i-th object member. */
const char *oc_json_key_at(const struct oc_json *j, size_t i);

/* Shorthands on an object member; NULL/false when absent or mistyped. */
const char *oc_json_get_string(const struct oc_json *obj, const char *key,
			       size_t *len);
bool oc_json_get_int(const struct oc_json *obj, const char *key, int64_t *out);
bool oc_json_get_bool(const struct oc_json *obj, const char *key, bool *out);

/* A generator printing into a bounded buffer.  g is a plain yajl_gen the
 * caller may also drive directly; err records the first failure of a print
 * into out (OC_ERR_RANGE past out->max).  Wiping allocators when
 * out->secret.  Every oc_jgen_* returns OC_OK or an OC_ERR_* (a yajl_gen
 * status is mapped to OC_ERR_INTERNAL/OC_ERR_PARSE). */
struct oc_jgen {
	yajl_gen g;
	struct oc_buf *out;
	int err;
};

int oc_jgen_init(struct oc_jgen *j, struct oc_buf *out);
/* NULL-safe on a zeroed struct. */
void oc_jgen_free(struct oc_jgen *j);
/* OC_OK when every print so far succeeded. */
int oc_jgen_status(const struct oc_jgen *j);
int oc_jgen_str(struct oc_jgen *j, const char *s);
int oc_jgen_strn(struct oc_jgen *j, const char *s, size_t n);
int oc_jgen_kv_str(struct oc_jgen *j, const char *key, const char *val);
int oc_jgen_kv_strn(struct oc_jgen *j, const char *key, const char *val,
		    size_t n);
int oc_jgen_kv_int(struct oc_jgen *j, const char *key, int64_t val);
int oc_jgen_kv_bool(struct oc_jgen *j, const char *key, bool val);
int oc_jgen_kv_null(struct oc_jgen *j, const char *key);
/* Writes a parsed tree (e.g. a metadata object) back out. */
int oc_jgen_node(struct oc_jgen *j, const struct oc_json *node);

#endif
