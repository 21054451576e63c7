/* output.c - text and JSON output of oneclaw-tool. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "output.h"

#include "codec.h"
#include "err.h"
#include "secmem.h"
#include "wire.h"

/* Largest JSON document printed (a list of many thousand items). */
#define OUT_JSON_MAX (512u * 1024 * 1024)

/* Code points a terminal acts on rather than shows: C0, DEL, C1 (U+009B
 * is a CSI, as ESC [ is), and the bidi marks, embeddings, overrides and
 * isolates that reorder what is shown (a path can be made to read as
 * another). */
static bool hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

const char *oc_out_safe(const char *s, char *buf, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, o = 0, l, len;
	uint32_t cp = 0;

	if (!n)
		return buf;
	len = strlen(s);
	while (i < len && o + 1 < n) {
		l = oc_wire_utf8_next(p + i, len - i, &cp);
		if (l == 0 || hidden(cp)) {
			/* One '?' per stray byte or per hidden code point. */
			buf[o++] = '?';
			i += l ? l : 1;
			continue;
		}
		if (o + l >= n)
			break;
		memcpy(buf + o, p + i, l);
		o += l;
		i += l;
	}
	buf[o] = '\0';
	return buf;
}

int oc_out_write(const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	if (fflush(stdout) != 0)
		return OC_ERR_IO;
	while (n > 0) {
		w = write(STDOUT_FILENO, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return OC_ERR_IO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int oc_out_json_open(struct oc_out_json *o, bool secret)
{
	int rc;

	memset(o, 0, sizeof(*o));
	oc_buf_init(&o->buf, OUT_JSON_MAX, secret);
	rc = oc_jgen_init(&o->j, &o->buf);
	if (rc)
		oc_buf_free(&o->buf);
	return rc;
}

/* Frees without writing (error paths); NULL-safe on a zeroed struct. */
static void json_discard(struct oc_out_json *o)
{
	if (o->j.g)
		oc_jgen_free(&o->j);
	memset(&o->j, 0, sizeof(o->j));
	oc_buf_free(&o->buf);
}

/* yajl escapes C0 only and writes other code points as they are; outside
 * strings a JSON document is ASCII, so every other hidden code point sits
 * in a string and becomes a \uXXXX escape there (uppercase hex, as yajl
 * writes its own): the same string once parsed, and nothing a terminal
 * acts on.  *res is in itself when nothing needed escaping, else out. */
static int json_escape_hidden(struct oc_buf *in, struct oc_buf *out,
			      const struct oc_buf **res)
{
	size_t i = 0, l, from = 0;
	uint32_t cp = 0;
	int rc = 0;

	*res = in;
	while (rc == 0 && i < in->len) {
		l = oc_wire_utf8_next(in->data + i, in->len - i, &cp);
		if (l == 0 || (l == 1 && cp != 0x7f) || !hidden(cp)) {
			i += l ? l : 1;
			continue;
		}
		rc = oc_buf_append(out, in->data + from, i - from);
		if (rc == 0)
			rc = oc_buf_printf(out, "\\u%04X", (unsigned)cp);
		i += l;
		from = i;
		*res = out;
	}
	if (rc == 0 && *res == out)
		rc = oc_buf_append(out, in->data + from, in->len - from);
	return rc;
}

int oc_out_json_close(struct oc_out_json *o)
{
	struct oc_buf esc;
	const struct oc_buf *b = &o->buf;
	int rc = oc_jgen_status(&o->j);

	oc_buf_init(&esc, OUT_JSON_MAX, o->buf.secret);
	if (rc == 0)
		rc = oc_buf_append(&o->buf, "\n", 1);
	if (rc == 0)
		rc = json_escape_hidden(&o->buf, &esc, &b);
	if (rc == 0)
		rc = oc_out_write(b->data, b->len);
	oc_buf_free(&esc);
	json_discard(o);
	return rc;
}

static int gen_rc(struct oc_jgen *j, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok && j->err == 0)
		j->err = OC_ERR_INTERNAL;
	return j->err;
}

int oc_out_json_map_open(struct oc_jgen *j)
{
	return gen_rc(j, yajl_gen_map_open(j->g));
}

int oc_out_json_map_close(struct oc_jgen *j)
{
	return gen_rc(j, yajl_gen_map_close(j->g));
}

int oc_out_json_array_open(struct oc_jgen *j)
{
	return gen_rc(j, yajl_gen_array_open(j->g));
}

int oc_out_json_array_close(struct oc_jgen *j)
{
	return gen_rc(j, yajl_gen_array_close(j->g));
}

int oc_out_json_key(struct oc_jgen *j, const char *key)
{
	return oc_jgen_str(j, key);
}

int oc_out_json_kv_double(struct oc_jgen *j, const char *key, double v)
{
	oc_jgen_str(j, key);
	return gen_rc(j, yajl_gen_double(j->g, v));
}

int oc_out_json_value(struct oc_jgen *j, const uint8_t *v, size_t n)
{
	char *b64;
	size_t bl;
	int rc;

	if (oc_wire_utf8(v, n, OC_WIRE_NO_NUL))
		return oc_jgen_kv_strn(j, "value", (const char *)v, n);
	bl = oc_base64_len(n) + 1;
	b64 = oc_secure_alloc(bl);
	if (!b64)
		return OC_ERR_NOMEM;
	rc = oc_base64_encode(v, n, b64, bl);
	if (rc == 0)
		rc = oc_jgen_kv_str(j, "value_base64", b64);
	oc_secure_free(b64);
	return rc;
}

int oc_out_json_vault(struct oc_jgen *j, const struct oc_vault *v)
{
	oc_out_json_map_open(j);
	oc_jgen_kv_str(j, "id", v->id);
	oc_jgen_kv_str(j, "name", v->name);
	oc_jgen_kv_str(j, "description", v->description);
	oc_jgen_kv_bool(j, "cmek_enabled", v->cmek_enabled);
	if (v->cmek_fingerprint[0])
		oc_jgen_kv_str(j, "cmek_fingerprint", v->cmek_fingerprint);
	else
		oc_jgen_kv_null(j, "cmek_fingerprint");
	oc_jgen_kv_str(j, "created_at", v->created_at);
	return oc_out_json_map_close(j);
}

int oc_out_json_meta(struct oc_jgen *j, const struct oc_secret_meta *m)
{
	oc_out_json_map_open(j);
	oc_jgen_kv_str(j, "id", m->id);
	oc_jgen_kv_str(j, "path", m->path ? m->path : "");
	oc_jgen_kv_str(j, "type", m->type);
	oc_jgen_kv_int(j, "version", m->version);
	oc_jgen_kv_str(j, "created_at", m->created_at);
	if (m->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", m->expires_at);
	if (m->cmek_known)
		oc_jgen_kv_bool(j, "cmek_encrypted", m->cmek_encrypted);
	if (m->cmek_fingerprint[0])
		oc_jgen_kv_str(j, "cmek_fingerprint", m->cmek_fingerprint);
	if (m->is_disabled)
		oc_jgen_kv_bool(j, "is_disabled", true);
	return oc_out_json_map_close(j);
}

void oc_out_vault_text(const struct oc_vault *v)
{
	char s[300];

	printf("id:          %s\n", v->id);
	printf("name:        %s\n", oc_out_safe(v->name, s, sizeof(s)));
	if (v->description[0])
		printf("description: %s\n",
		       oc_out_safe(v->description, s, sizeof(s)));
	printf("cmek:        %s\n", v->cmek_enabled ? "enabled" : "disabled");
	if (v->cmek_fingerprint[0])
		printf("fingerprint: %s\n", v->cmek_fingerprint);
	if (v->created_at[0])
		printf("created:     %s\n",
		       oc_out_safe(v->created_at, s, sizeof(s)));
}

int oc_out_vault(const struct oc_vault *v, bool json)
{
	struct oc_out_json o;
	int rc;

	if (!json) {
		oc_out_vault_text(v);
		return 0;
	}
	rc = oc_out_json_open(&o, false);
	if (rc)
		return rc;
	oc_out_json_vault(&o.j, v);
	return oc_out_json_close(&o);
}

void oc_out_vault_table(const struct oc_vault *v, size_t n)
{
	char s[300];
	size_t i;

	printf("%-36s  %-5s  %s\n", "ID", "CMEK", "NAME");
	for (i = 0; i < n; i++)
		printf("%-36s  %-5s  %s\n", v[i].id,
		       v[i].cmek_enabled ? "on" : "off",
		       oc_out_safe(v[i].name, s, sizeof(s)));
}

void oc_out_secret_table(const struct oc_secret_meta *m, size_t n)
{
	char s[1100], type[sizeof(m->type)];
	const char *cmek;
	size_t i;

	printf("%-7s  %-12s  %-6s  %s\n", "VERSION", "TYPE", "CMEK", "PATH");
	for (i = 0; i < n; i++) {
		if (!m[i].cmek_known)
			cmek = "?";
		else if (m[i].cmek_encrypted)
			cmek = "yes";
		else
			cmek = "no";
		printf("%-7lld  %-12s  %-6s  %s\n", (long long)m[i].version,
		       oc_out_safe(m[i].type, type, sizeof(type)), cmek,
		       oc_out_safe(m[i].path ? m[i].path : "", s, sizeof(s)));
	}
}
