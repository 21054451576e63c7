/* json-test.c - the bounded parser, the tree, and the generator. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "json.h"

static struct oc_json *parse_ok(const char *s)
{
	struct oc_json *j = NULL;

	assert_int_equal(oc_json_parse(s, strlen(s), &j), OC_OK);
	assert_non_null(j);
	return j;
}

static int parse_rc(const char *s)
{
	struct oc_json *j = (struct oc_json *)0x1;
	int rc = oc_json_parse(s, strlen(s), &j);

	if (rc == OC_OK)
		oc_json_free(j);
	else
		assert_ptr_equal(j, (struct oc_json *)0x1); /* untouched */
	return rc;
}

static void test_secret_response(void **state)
{
	static const char doc[] =
	    "{\"id\":\"5f0c\",\"path\":\"api/key\",\"type\":\"api_key\","
	    "\"value\":\"s3cr\\u00e9t\\n\",\"version\":3,"
	    "\"cmek_encrypted\":false,\"cmek_fingerprint\":null,"
	    "\"metadata\":{\"encoding\":\"base64\",\"n\":[1,2,3]},"
	    "\"expires_at\":null}";
	struct oc_json *j = parse_ok(doc);
	const struct oc_json *m;
	const char *s;
	size_t len;
	int64_t v;
	bool b;

	(void)state;
	assert_int_equal(oc_json_type(j), OC_JSON_OBJECT);
	assert_int_equal(oc_json_len(j), 9);
	s = oc_json_get_string(j, "value", &len);
	assert_non_null(s);
	assert_int_equal(len, 8);
	assert_memory_equal(s, "s3cr\xc3\xa9t\n", 8);
	assert_true(oc_json_get_int(j, "version", &v));
	assert_int_equal(v, 3);
	assert_true(oc_json_get_bool(j, "cmek_encrypted", &b));
	assert_false(b);
	assert_int_equal(oc_json_type(oc_json_get(j, "cmek_fingerprint")),
			 OC_JSON_NULL);
	assert_null(oc_json_get_string(j, "cmek_fingerprint", &len));
	assert_null(oc_json_get_string(j, "version", &len));
	assert_false(oc_json_get_int(j, "value", &v));
	assert_false(oc_json_get_bool(j, "missing", &b));
	assert_null(oc_json_get(j, "missing"));
	assert_string_equal(oc_json_key_at(j, 0), "id");
	assert_string_equal(oc_json_key_at(j, 8), "expires_at");
	assert_null(oc_json_key_at(j, 9));
	m = oc_json_get(j, "metadata");
	assert_int_equal(oc_json_type(m), OC_JSON_OBJECT);
	m = oc_json_get(m, "n");
	assert_int_equal(oc_json_type(m), OC_JSON_ARRAY);
	assert_int_equal(oc_json_len(m), 3);
	assert_true(oc_json_int(oc_json_at(m, 2), &v));
	assert_int_equal(v, 3);
	assert_null(oc_json_at(m, 3));
	assert_null(oc_json_key_at(m, 0));
	assert_null(oc_json_get(m, "x")); /* not an object */
	oc_json_free(j);
	oc_json_free(NULL);
}

static void test_numbers(void **state)
{
	struct oc_json *j =
	    parse_ok("[0,-1,9223372036854775807,-9223372036854775808,"
		     "9223372036854775808,1.5,-2e3,1E400]");
	int64_t v;

	(void)state;
	assert_true(oc_json_int(oc_json_at(j, 0), &v));
	assert_int_equal(v, 0);
	assert_true(oc_json_int(oc_json_at(j, 1), &v));
	assert_int_equal(v, -1);
	assert_true(oc_json_int(oc_json_at(j, 2), &v));
	assert_true(v == INT64_MAX);
	assert_true(oc_json_int(oc_json_at(j, 3), &v));
	assert_true(v == INT64_MIN);
	/* past int64: kept as a double, never wrapped */
	assert_false(oc_json_int(oc_json_at(j, 4), &v));
	assert_int_equal(oc_json_type(oc_json_at(j, 4)), OC_JSON_DOUBLE);
	assert_int_equal(oc_json_type(oc_json_at(j, 5)), OC_JSON_DOUBLE);
	assert_int_equal(oc_json_type(oc_json_at(j, 6)), OC_JSON_DOUBLE);
	assert_int_equal(oc_json_type(oc_json_at(j, 7)), OC_JSON_DOUBLE);
	oc_json_free(j);
}

static void test_nul_in_string(void **state)
{
	struct oc_json *j = parse_ok("{\"k\":\"a\\u0000b\"}");
	const char *s;
	size_t len;

	(void)state;
	assert_int_equal(oc_json_len(j), 1);
	s = oc_json_string(oc_json_at(j, 0), &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 3);
	oc_json_free(j);
	/* A key with a NUL would read as a shorter one wherever keys are C
	 * strings ("items\u0000" as "items"): refused. */
	j = NULL;
	assert_int_equal(oc_json_parse("{\"k\\u0000x\":1}", 14, &j),
			 OC_ERR_PARSE);
	assert_null(j);
}

static void test_scalars_top_level(void **state)
{
	struct oc_json *j = parse_ok(" \"x\" ");
	bool b;

	(void)state;
	assert_int_equal(oc_json_type(j), OC_JSON_STRING);
	assert_int_equal(oc_json_len(j), 0);
	oc_json_free(j);
	j = parse_ok("true");
	assert_true(oc_json_bool(j, &b));
	assert_true(b);
	oc_json_free(j);
	j = parse_ok("null");
	assert_int_equal(oc_json_type(j), OC_JSON_NULL);
	oc_json_free(j);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse_rc(""), OC_ERR_PARSE);
	assert_int_equal(parse_rc("   "), OC_ERR_PARSE);
	assert_int_equal(parse_rc("{"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("{\"a\":}"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("{\"a\":1,}"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[1] [2]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("{} x"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[01]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[1.]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("/* c */ {}"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[\"\xff\"]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[\"\xc3\"]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[\"\\x\"]"), OC_ERR_PARSE);
	assert_int_equal(parse_rc("[\"a\nb\"]"), OC_ERR_PARSE);
	assert_int_equal(oc_json_parse("[1]", 3, NULL), OC_ERR_ARGS);
	assert_int_equal(oc_json_parse(NULL, 3, NULL), OC_ERR_ARGS);
	{
		struct oc_json *j = NULL;

		assert_int_equal(oc_json_parse("[1]\0", 4, &j), OC_ERR_PARSE);
		assert_int_equal(oc_json_parse("[1]", 2, &j), OC_ERR_PARSE);
		assert_int_equal(oc_json_parse("[1]", OC_JSON_MAX_TEXT + 1, &j),
				 OC_ERR_RANGE);
	}
}

static void test_depth(void **state)
{
	char doc[2 * OC_JSON_MAX_DEPTH + 8];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < OC_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (i = 0; i < OC_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	assert_int_equal(parse_rc(doc), OC_OK);
	n = 0;
	for (i = 0; i < OC_JSON_MAX_DEPTH + 1; i++)
		doc[n++] = '[';
	for (i = 0; i < OC_JSON_MAX_DEPTH + 1; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	assert_int_equal(parse_rc(doc), OC_ERR_RANGE);
	/* a deep unterminated document is a range error, not a crash */
	assert_int_equal(parse_rc("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
			 OC_ERR_RANGE);
}

static void test_node_limit(void **state)
{
	size_t n = OC_JSON_MAX_NODES + 1, i, len = 0;
	char *doc = malloc(2 * n + 3);

	(void)state;
	/* an array holding OC_JSON_MAX_NODES values is one node too many */
	doc[len++] = '[';
	for (i = 0; i < OC_JSON_MAX_NODES; i++) {
		doc[len++] = '0';
		doc[len++] = ',';
	}
	doc[len - 1] = ']';
	doc[len] = '\0';
	assert_int_equal(parse_rc(doc), OC_ERR_RANGE);
	/* one fewer fits */
	doc[len - 3] = ']';
	doc[len - 2] = '\0';
	assert_int_equal(parse_rc(doc), OC_OK);
	free(doc);
}

/* A caller's tighter budget: exactly max values parse, one more stops the
 * parse; a budget over the global one is the global one. */
static void test_node_budget(void **state)
{
	const char *four = "{\"a\":[0,1]}", *five = "{\"a\":[0,1,2]}";
	struct oc_json *j = NULL;

	(void)state;
	assert_int_equal(oc_json_parse_limited(four, strlen(four), 4, &j),
			 OC_OK);
	oc_json_free(j);
	j = NULL;
	assert_int_equal(oc_json_parse_limited(five, strlen(five), 4, &j),
			 OC_ERR_RANGE);
	assert_null(j);
	assert_int_equal(oc_json_parse_limited("[]", 2, 0, &j), OC_ERR_RANGE);
	assert_int_equal(
	    oc_json_parse_limited(five, strlen(five), (size_t)-1, &j), OC_OK);
	oc_json_free(j);
}

static void test_generate(void **state)
{
	struct oc_buf out;
	struct oc_jgen g;

	(void)state;
	oc_buf_init(&out, 4096, false);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	assert_int_equal(yajl_gen_map_open(g.g), yajl_gen_status_ok);
	assert_int_equal(oc_jgen_kv_str(&g, "value", "a\"b\\c/\x01"), OC_OK);
	assert_int_equal(oc_jgen_kv_strn(&g, "bin", "x\0y", 3), OC_OK);
	assert_int_equal(oc_jgen_kv_int(&g, "n", -42), OC_OK);
	assert_int_equal(oc_jgen_kv_int(&g, "max", INT64_MAX), OC_OK);
	assert_int_equal(oc_jgen_kv_bool(&g, "t", true), OC_OK);
	assert_int_equal(oc_jgen_kv_null(&g, "z"), OC_OK);
	assert_int_equal(oc_jgen_kv_str(&g, "nul", NULL), OC_OK);
	assert_int_equal(oc_jgen_str(&g, "k"), OC_OK);
	assert_int_equal(oc_jgen_strn(&g, "\xc3\xa9", 2), OC_OK);
	assert_int_equal(yajl_gen_map_close(g.g), yajl_gen_status_ok);
	assert_int_equal(oc_jgen_status(&g), OC_OK);
	assert_string_equal((char *)out.data,
			    "{\"value\":\"a\\\"b\\\\c/\\u0001\","
			    "\"bin\":\"x\\u0000y\",\"n\":-42,"
			    "\"max\":9223372036854775807,\"t\":true,\"z\":null,"
			    "\"nul\":null,\"k\":\"\xc3\xa9\"}");
	oc_jgen_free(&g);
	oc_jgen_free(&g);
	oc_buf_free(&out);
}

static void test_generate_errors(void **state)
{
	struct oc_buf out;
	struct oc_jgen g;

	(void)state;
	/* invalid UTF-8 is refused */
	oc_buf_init(&out, 4096, true);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	assert_int_equal(oc_jgen_str(&g, "\xff"), OC_ERR_PARSE);
	assert_int_equal(oc_jgen_status(&g), OC_ERR_PARSE);
	oc_jgen_free(&g);
	oc_buf_free(&out);

	/* a key where a value must be is a yajl state error */
	oc_buf_init(&out, 4096, false);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	assert_int_equal(yajl_gen_map_open(g.g), yajl_gen_status_ok);
	assert_int_equal(yajl_gen_integer(g.g, 1),
			 yajl_gen_keys_must_be_strings);
	oc_jgen_free(&g);
	oc_buf_free(&out);

	/* the bound of the output buffer */
	oc_buf_init(&out, 8, false);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	assert_int_equal(oc_jgen_str(&g, "0123456789"), OC_ERR_RANGE);
	assert_int_equal(oc_jgen_status(&g), OC_ERR_RANGE);
	assert_int_equal(oc_jgen_str(&g, "a"), OC_ERR_RANGE);
	oc_jgen_free(&g);
	oc_buf_free(&out);

	assert_int_equal(oc_jgen_init(&g, NULL), OC_ERR_ARGS);
	oc_jgen_free(&g);
	memset(&g, 0, sizeof(g));
	oc_jgen_free(&g);
	assert_int_equal(oc_jgen_status(&g), OC_ERR_STATE);
}

/* --- streaming ----------------------------------------------------------- */

struct seen {
	int n;
	char ids[8][16];
	int stop_at; /* on_item fails at this item (0: never) */
};

static int on_item(void *ctx, const struct oc_json *item)
{
	struct seen *s = ctx;
	const char *id = oc_json_get_string(item, "id", NULL);

	if (s->stop_at && s->n + 1 == s->stop_at)
		return OC_ERR_NOMEM;
	if (s->n < 8)
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s",
			 id ? id
			    : (oc_json_type(item) == OC_JSON_OBJECT
				   ? "{}"
				   : "scalar"));
	s->n++;
	return OC_OK;
}

/* Feeds doc in chunks of step bytes; the result of finish (or the first
 * failing feed). */
static int stream(const char *doc, size_t step, size_t max_bytes,
		  struct seen *s, bool *found, size_t *skipped)
{
	struct oc_json_stream *js = NULL;
	size_t len = strlen(doc), off;
	int rc = OC_OK;

	memset(s->ids, 0, sizeof(s->ids));
	s->n = 0;
	assert_int_equal(
	    oc_json_stream_new("items", 64, max_bytes, on_item, s, &js), OC_OK);
	for (off = 0; off < len && !rc; off += step)
		rc = oc_json_stream_feed(js, doc + off,
					 len - off < step ? len - off : step);
	if (!rc)
		rc = oc_json_stream_finish(js, found, skipped);
	oc_json_stream_free(js);
	return rc;
}

static void test_stream(void **state)
{
	static const char doc[] =
	    "{\"before\":{\"items\":[{\"id\":\"no\"}]},\"items\":[{\"id\":"
	    "\"a\","
	    "\"x\":[1,2,{\"y\":null}]},7,{\"id\":\"b\"},[],{\"id\":\"c\"}],"
	    "\"after\":\"x\"}";
	struct seen s = {0};
	size_t skipped = 9, step;
	bool found = false;

	(void)state;
	/* Any chunking gives the same items, and only the member's. */
	for (step = 1; step <= sizeof(doc); step += 7) {
		assert_int_equal(stream(doc, step, 4096, &s, &found, &skipped),
				 OC_OK);
		assert_true(found);
		assert_int_equal(skipped, 0);
		assert_int_equal(s.n, 5);
		assert_string_equal(s.ids[0], "a");
		assert_string_equal(s.ids[1], "scalar");
		assert_string_equal(s.ids[2], "b");
		assert_string_equal(s.ids[4], "c");
	}
	/* An item over its bounds is skipped, the others kept. */
	assert_int_equal(
	    stream(
		"{\"items\":[{\"id\":\"a\"},{\"id\":\"b\",\"big\""
		":\"0123456789012345678901234567890123456789\","
		"\"deep\":[[[]]]},\"a long string item that is well over the "
		"bound\",{\"id\":\"c\"}]}",
		5, 32, &s, &found, &skipped),
	    OC_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[1], "c");
	assert_int_equal(skipped, 2);
	/* null is an empty list; absent is told apart. */
	assert_int_equal(stream("{\"items\":null}", 3, 64, &s, &found, NULL),
			 OC_OK);
	assert_true(found);
	assert_int_equal(s.n, 0);
	assert_int_equal(stream("{\"other\":[1]}", 3, 64, &s, &found, NULL),
			 OC_OK);
	assert_false(found);
	/* Not the shape: refused; so is a key with a NUL, outside the items
	 * or in one (the tree parser refuses it too). */
	assert_int_equal(stream("[{\"items\":[]}]", 4, 64, &s, NULL, NULL),
			 OC_ERR_PARSE);
	assert_int_equal(
	    stream("{\"x\":1,\"items\\u0000\":[{}]}", 4, 64, &s, NULL, NULL),
	    OC_ERR_PARSE);
	assert_int_equal(
	    stream("{\"items\":[{\"a\\u0000\":1}]}", 4, 64, &s, NULL, NULL),
	    OC_ERR_PARSE);
	assert_int_equal(stream("{\"items\":{}}", 4, 64, &s, NULL, NULL),
			 OC_ERR_PARSE);
	assert_int_equal(stream("{\"items\":5}", 4, 64, &s, NULL, NULL),
			 OC_ERR_PARSE);
	assert_int_equal(
	    stream("{\"items\":[{\"id\":\"a\"}", 4, 64, &s, NULL, NULL),
	    OC_ERR_PARSE);
	assert_int_equal(stream("{\"items\":[1]} x", 4, 64, &s, NULL, NULL),
			 OC_ERR_PARSE);
	/* The item callback's refusal stops the parse. */
	s.stop_at = 2;
	assert_int_equal(stream("{\"items\":[1,2,3]}", 2, 64, &s, NULL, NULL),
			 OC_ERR_NOMEM);
	s.stop_at = 0;
}

/* A string too long for any item, or text between two items past the
 * bound, fails the parse instead of growing yajl's buffer. */
static void test_stream_text_bound(void **state)
{
	size_t n = 64 * 1024, i;
	char *doc = malloc(n + 64);
	struct seen s = {0};

	(void)state;
	assert_non_null(doc);
	snprintf(doc, n + 64, "{\"items\":[\"");
	for (i = strlen(doc); i < n; i++)
		doc[i] = 'a';
	snprintf(doc + n, 64, "\"]}");
	assert_int_equal(stream(doc, 1000, 1024, &s, NULL, NULL), OC_ERR_RANGE);
	free(doc);
}

static void test_round_trip(void **state)
{
	static const char doc[] =
	    "{\"a\":[1,-2,3.25,1e400,18446744073709551616,true,false,null],"
	    "\"b\":{\"c\":\"d\\u0000e\",\"\":{}},\"f\":[],\"g\":"
	    "\"\xe2\x82\xac\"}";
	struct oc_json *j = parse_ok(doc);
	struct oc_buf out;
	struct oc_jgen g;

	(void)state;
	oc_buf_init(&out, 4096, true);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	assert_int_equal(oc_jgen_node(&g, j), OC_OK);
	assert_string_equal((char *)out.data, doc);
	oc_jgen_free(&g);
	oc_buf_free(&out);
	oc_json_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret_response),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_nul_in_string),
	    cmocka_unit_test(test_scalars_top_level),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_node_limit),
	    cmocka_unit_test(test_node_budget),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_generate_errors),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_stream_text_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
