/* output.h - what oneclaw-tool prints on stdout: aligned text for people,
 * one JSON document (--json) for scripts.  Secret bytes go out with
 * write(2) from wiped buffers, never through stdio's buffer. */
#ifndef OC_TOOL_OUTPUT_H
#define OC_TOOL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "buf.h"
#include "json.h"

/* Copies s into buf with what a terminal would act on shown as '?' (C0
 * and C1 controls, DEL, the bidi marks, embeddings, overrides and
 * isolates U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: one '?'
 * each) and each byte of invalid UTF-8 as '?'; other UTF-8 is kept.
 * Truncated to fit; returns buf.  For names, paths and server details
 * printed for people.  --json output escapes the same code points as
 * \uXXXX instead (exact once parsed). */
const char *oc_out_safe(const char *s, char *buf, size_t n);

/* Writes all n bytes to fd 1 (flushing stdio first).  OC_ERR_IO. */
int oc_out_write(const void *p, size_t n);

/* A JSON document on stdout: open, fill through j (j->g is a yajl_gen),
 * close writes it with a newline and frees.  secret: the buffer is wiped
 * (for documents holding values). */
struct oc_out_json {
	struct oc_buf buf;
	struct oc_jgen j;
};
int oc_out_json_open(struct oc_out_json *o, bool secret);
int oc_out_json_close(struct oc_out_json *o);

/* Members of the currently open map / a whole map for one item. */
int oc_out_json_vault(struct oc_jgen *j, const struct oc_vault *v);
int oc_out_json_meta(struct oc_jgen *j, const struct oc_secret_meta *m);
int oc_out_json_map_open(struct oc_jgen *j);
int oc_out_json_map_close(struct oc_jgen *j);
int oc_out_json_array_open(struct oc_jgen *j);
int oc_out_json_array_close(struct oc_jgen *j);
int oc_out_json_key(struct oc_jgen *j, const char *key);
int oc_out_json_kv_double(struct oc_jgen *j, const char *key, double v);
/* A value as a JSON string when it is valid UTF-8 without NUL ("value"),
 * else base64 ("value_base64"). */
int oc_out_json_value(struct oc_jgen *j, const uint8_t *v, size_t n);

/* One vault on stdout: its text lines, or a JSON object when json. */
int oc_out_vault(const struct oc_vault *v, bool json);
/* Text lines for one vault (get) and the vault table (list). */
void oc_out_vault_text(const struct oc_vault *v);
void oc_out_vault_table(const struct oc_vault *v, size_t n);
void oc_out_secret_table(const struct oc_secret_meta *m, size_t n);

#endif
