/* fuzz-json.c - oc_json_parse on any bytes; what parses must print back
 * with oc_jgen_node, and that text must parse and print to the same text
 * again (a round trip is stable after one normalisation).  The same bytes
 * go through the streaming list reader, cut in two chunks: it must never
 * accept what the whole-document parser calls malformed, and must hand
 * over as many items as the document's one "items" array holds. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every accessor on every node, so a bad tree shows up under
 * ASan even when printing it would not. */
static void walk(const struct oc_json *j, int depth)
{
	size_t n, len = 0;
	int64_t i;
	bool b;

	if (!j || depth > OC_JSON_MAX_DEPTH + 1)
		abort();
	switch (oc_json_type(j)) {
	case OC_JSON_STRING:
		if (!oc_json_string(j, &len))
			abort();
		break;
	case OC_JSON_INT:
		if (!oc_json_int(j, &i))
			abort();
		break;
	case OC_JSON_BOOL:
		if (!oc_json_bool(j, &b))
			abort();
		break;
	case OC_JSON_OBJECT:
		n = oc_json_len(j);
		for (size_t k = 0; k < n; k++) {
			const char *key = oc_json_key_at(j, k);

			if (!key)
				abort();
			/* A key may hold "\u0000": as a C string it is cut
			 * there, so a lookup by it need not find it. */
			(void)oc_json_get(j, key);
			(void)oc_json_get_string(j, key, &len);
			(void)oc_json_get_int(j, key, &i);
			(void)oc_json_get_bool(j, key, &b);
			walk(oc_json_at(j, k), depth + 1);
		}
		if (oc_json_at(j, n) != NULL)
			abort();
		break;
	case OC_JSON_ARRAY:
		n = oc_json_len(j);
		for (size_t k = 0; k < n; k++)
			walk(oc_json_at(j, k), depth + 1);
		if (oc_json_at(j, n) != NULL || oc_json_get(j, "x") != NULL)
			abort();
		break;
	default:
		break;
	}
}

/* Prints j into a fresh buffer; OC_OK or the generator's error. */
static int print(const struct oc_json *j, struct oc_buf *out)
{
	struct oc_jgen g = {0};
	int rc;

	oc_buf_init(out, OC_JSON_MAX_TEXT, false);
	rc = oc_jgen_init(&g, out);
	if (!rc)
		rc = oc_jgen_node(&g, j);
	if (!rc)
		rc = oc_jgen_status(&g);
	oc_jgen_free(&g);
	return rc;
}

static int count_item(void *ctx, const struct oc_json *item)
{
	walk(item, 0);
	(*(size_t *)ctx)++;
	return OC_OK;
}

/* The streaming reader's verdict on data (cut at a point it chooses); the
 * items it handed over go to *items, the ones it skipped to *skipped. */
static int stream(const uint8_t *data, size_t size, size_t *items,
		  size_t *skipped)
{
	struct oc_json_stream *js = NULL;
	size_t cut = size ? data[0] % (size + 1) : 0;
	char *copy = malloc(size ? size : 1);
	int rc;

	*items = *skipped = 0;
	if (!copy)
		return OC_ERR_NOMEM;
	if (size)
		memcpy(copy, data, size);
	rc = oc_json_stream_new("items", 64, 256, count_item, items, &js);
	if (!rc)
		rc = oc_json_stream_feed(js, copy, cut);
	if (!rc)
		rc = oc_json_stream_feed(js, copy + cut, size - cut);
	if (!rc)
		rc = oc_json_stream_finish(js, NULL, skipped);
	oc_json_stream_free(js);
	free(copy);
	return rc;
}

/* The one "items" array of an object root, or NULL. */
static const struct oc_json *only_items(const struct oc_json *j)
{
	const struct oc_json *found = NULL;
	size_t k;

	if (oc_json_type(j) != OC_JSON_OBJECT)
		return NULL;
	for (k = 0; k < oc_json_len(j); k++) {
		if (strcmp(oc_json_key_at(j, k), "items") != 0)
			continue;
		if (found || oc_json_type(oc_json_at(j, k)) != OC_JSON_ARRAY)
			return NULL;
		found = oc_json_at(j, k);
	}
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct oc_json *items;
	size_t streamed, skipped;
	int src;
	struct oc_json *j = NULL, *j2 = NULL, *j3 = NULL;
	struct oc_buf a, b, c;
	int rc;

	oc_buf_init(&a, 0, false);
	oc_buf_init(&b, 0, false);
	oc_buf_init(&c, 0, false);
	/* The parser must not read past size: give it an exact copy. */
	{
		char *copy = malloc(size ? size : 1);

		if (!copy)
			return 0;
		if (size)
			memcpy(copy, data, size);
		rc = oc_json_parse(copy, size, &j);
		free(copy);
	}
	src = stream(data, size, &streamed, &skipped);
	if (src != OC_OK && src != OC_ERR_PARSE && src != OC_ERR_RANGE &&
	    src != OC_ERR_NOMEM)
		abort();
	if (rc == OC_ERR_PARSE && src == OC_OK)
		abort(); /* the stream took a malformed document */
	if (rc) {
		if (rc != OC_ERR_PARSE && rc != OC_ERR_RANGE &&
		    rc != OC_ERR_NOMEM)
			abort();
		return 0;
	}
	walk(j, 0);
	items = only_items(j);
	if (items && src == OC_OK && oc_json_len(items) != streamed + skipped)
		abort(); /* an item lost or made up */
	if (print(j, &a) != OC_OK)
		abort(); /* a tree we parsed must print */
	if (oc_json_parse((const char *)a.data, a.len, &j2) != OC_OK)
		abort(); /* we printed something we cannot read */
	if (print(j2, &b) != OC_OK)
		abort();
	if (oc_json_parse((const char *)b.data, b.len, &j3) != OC_OK ||
	    print(j3, &c) != OC_OK)
		abort();
	if (b.len != c.len || memcmp(b.data, c.data, b.len) != 0)
		abort(); /* printing is not stable */
	oc_json_free(j);
	oc_json_free(j2);
	oc_json_free(j3);
	oc_buf_free(&a);
	oc_buf_free(&b);
	oc_buf_free(&c);
	return 0;
}
