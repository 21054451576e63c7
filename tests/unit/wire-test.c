/* wire-test.c - the wire rules: secret paths under each rule, UTF-8. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* Whether each rule takes the path: portable, send, accept. */
static const struct {
	const char *path;
	bool portable, send, accept;
} paths[] = {
    {"api-keys/openai", true, true, true},
    {"a.b_c-d/E9", true, true, true},
    {"x", true, true, true},
    {"with space/x", false, true, true},
    {"percent/100%", false, true, true},
    {"caf\xc3\xa9/x", false, true, true},
    {"unicode/\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", false, true, true},
    {"a//b", false, false, true},
    {"/lead", false, false, true},
    {"trail/", false, false, true},
    {"/", false, false, true},
    {".", false, false, false},
    {"..", false, false, false},
    {"dot/../x", false, false, false},
    {"dot/./x", false, false, false},
    {"x/..", false, false, false},
    {"...", true, true, true},
    {".hidden/x", true, true, true},
    {"a\tb", false, false, false},
    {"a\nb", false, false, false},
    {"del\x7f", false, false, false},
    {"esc\x1b[31m", false, false, false},
    /* Not UTF-8: refused where we create paths, kept where the service
     * returned them (the JSON parser has checked its text already). */
    {"\xc3\x28", false, false, true},
    {"\xc0\xaf", false, false, true},	      /* overlong '/' */
    {"\xe0\x80\x80", false, false, true},     /* overlong NUL */
    {"\xed\xa0\x80", false, false, true},     /* a surrogate */
    {"\xf4\x90\x80\x80", false, false, true}, /* past U+10FFFF */
    {"\xc2\x80", false, true, true},	      /* C1 is UTF-8 */
};

static void path_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i].path;
		size_t n = strlen(p);

		if (oc_wire_path_ok(p, n, OC_WIRE_PATH_PORTABLE) !=
			paths[i].portable ||
		    oc_wire_path_ok(p, n, OC_WIRE_PATH_SEND) != paths[i].send ||
		    oc_wire_path_ok(p, n, OC_WIRE_PATH_ACCEPT) !=
			paths[i].accept)
			fail_msg("row %zu of the path table", i);
	}
}

static void path_bounds(void **state)
{
	char p[OC_WIRE_PATH_MAX + 2];
	enum oc_wire_path_rule r;

	(void)state;
	memset(p, 'a', sizeof(p));
	for (r = OC_WIRE_PATH_PORTABLE; r <= OC_WIRE_PATH_ACCEPT; r++) {
		assert_true(oc_wire_path_ok(p, OC_WIRE_PATH_MAX, r));
		assert_false(oc_wire_path_ok(p, OC_WIRE_PATH_MAX + 1, r));
		assert_false(oc_wire_path_ok(p, 0, r));
		assert_false(oc_wire_path_ok(NULL, 0, r));
	}
	/* The length given is the path: the bytes after it do not count. */
	assert_true(oc_wire_path_ok("ab/..", 2, OC_WIRE_PATH_SEND));
	/* A NUL inside is a control character. */
	assert_false(oc_wire_path_ok("a\0b", 3, OC_WIRE_PATH_ACCEPT));
}

static void path_reasons(void **state)
{
	(void)state;
	assert_null(oc_wire_path_fault("a/b", 3, OC_WIRE_PATH_PORTABLE));
	assert_string_equal(oc_wire_path_fault("", 0, OC_WIRE_PATH_SEND),
			    "a path is 1 to 1024 bytes");
	assert_string_equal(oc_wire_path_fault("/a", 2, OC_WIRE_PATH_SEND),
			    "a path has no leading or trailing '/'");
	assert_string_equal(oc_wire_path_fault("a//b", 4, OC_WIRE_PATH_SEND),
			    "empty, '.' or '..' path segment");
	assert_string_equal(
	    oc_wire_path_fault("a b", 3, OC_WIRE_PATH_PORTABLE),
	    "only letters, digits, '-', '_', '.' and '/' are allowed");
	assert_string_equal(oc_wire_path_fault("a\tb", 3, OC_WIRE_PATH_SEND),
			    "a path has no control characters");
	assert_string_equal(oc_wire_path_fault("\xff", 1, OC_WIRE_PATH_SEND),
			    "a path is UTF-8");
}

static void utf8(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_true(oc_wire_utf8((const uint8_t *)"", 0, 0));
	assert_true(oc_wire_utf8((const uint8_t *)"a\0b", 3, 0));
	assert_false(oc_wire_utf8((const uint8_t *)"a\0b", 3, OC_WIRE_NO_NUL));
	assert_true(oc_wire_utf8((const uint8_t *)"a\tb", 3, OC_WIRE_NO_NUL));
	assert_false(
	    oc_wire_utf8((const uint8_t *)"a\tb", 3, OC_WIRE_NO_CONTROL));
	assert_false(oc_wire_utf8((const uint8_t *)"\xe2\x82", 2, 0));
	assert_int_equal(
	    oc_wire_utf8_next((const uint8_t *)"\xe2\x82\xac", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(
	    oc_wire_utf8_next((const uint8_t *)"\xf0\x9f\x94\x91", 4, &cp), 4);
	assert_int_equal(cp, 0x1f511);
	assert_int_equal(
	    oc_wire_utf8_next((const uint8_t *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(oc_wire_utf8_next((const uint8_t *)"x", 0, &cp), 0);
	assert_true(oc_wire_text("plain text", 10));
	assert_false(oc_wire_text("bell\a", 5));
	assert_true(oc_wire_text("caf\xc3\xa9", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(path_table),
	    cmocka_unit_test(path_bounds),
	    cmocka_unit_test(path_reasons),
	    cmocka_unit_test(utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
