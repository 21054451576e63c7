/* output-test.c - what oneclaw-tool prints for people and for scripts
 * (src/tool/output.c): names and paths shown with what a terminal acts on
 * replaced (C0, C1, bidi overrides, malformed UTF-8), other UTF-8 kept;
 * --json escapes the same code points and stays exact once parsed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "output.h"

static const char *safe(const char *s)
{
	static char buf[256];

	return oc_out_safe(s, buf, sizeof(buf));
}

static void test_safe_controls(void **state)
{
	(void)state;
	assert_string_equal(safe("plain/path-1"), "plain/path-1");
	assert_string_equal(safe("a\033[2Jb\x7f"), "a?[2Jb?");
	/* C1: one '?' per code point (U+0085, U+009B CSI, U+0080). */
	assert_string_equal(safe("a\xc2\x85"
				 "b\xc2\x9b"
				 "2Jc\xc2\x80"),
			    "a?b?2Jc?");
	/* U+00A0 and up are text. */
	assert_string_equal(safe("\xc2\xa0\xc3\xbc"), "\xc2\xa0\xc3\xbc");
	/* Bidi: LRM RLM ALM, LRE..RLO, LRI..PDI. */
	assert_string_equal(safe("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "???");
	assert_string_equal(safe("x\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
				 "\xe2\x80\xad\xe2\x80\xaey"),
			    "x?????y");
	assert_string_equal(safe("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8"
				 "\xe2\x81\xa9"),
			    "????");
	/* Neighbours stay: U+200D (ZWJ) and U+2070. */
	assert_string_equal(safe("\xe2\x80\x8d\xe2\x81\xb0"),
			    "\xe2\x80\x8d\xe2\x81\xb0");
	assert_string_equal(safe("\xe6\x97\xa5\xf0\x9f\x94\x91"),
			    "\xe6\x97\xa5\xf0\x9f\x94\x91");
}

static void test_safe_malformed(void **state)
{
	char small[6];

	(void)state;
	/* A stray byte, an overlong NUL, a surrogate, a cut sequence. */
	assert_string_equal(safe("a\xff"
				 "b"),
			    "a?b");
	assert_string_equal(safe("\xc0\x80"), "??");
	assert_string_equal(safe("\xed\xa0\x80"), "???");
	assert_string_equal(safe("z\xe2\x80"), "z??");
	/* Truncated to fit, never inside a sequence. */
	assert_string_equal(
	    oc_out_safe("ab\xe6\x97\xa5\xe6\x97\xa5", small, sizeof(small)),
	    "ab\xe6\x97\xa5");
	assert_string_equal(oc_out_safe("abc", small, 1), "");
}

/* The JSON document oc_out_json_close writes on fd 1. */
static char *json_of(const char *key, const char *val)
{
	static char out[512];
	struct oc_out_json o;
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stdout);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	assert_int_equal(oc_out_json_open(&o, true), 0);
	assert_int_equal(oc_out_json_map_open(&o.j), 0);
	assert_int_equal(oc_out_json_key(&o.j, key), 0);
	assert_int_equal(oc_out_json_key(&o.j, val), 0);
	assert_int_equal(oc_out_json_map_close(&o.j), 0);
	assert_int_equal(oc_out_json_close(&o), 0);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void test_json_escapes(void **state)
{
	(void)state;
	assert_string_equal(json_of("path", "plain"), "{\"path\":\"plain\"}\n");
	/* yajl's own escapes for C0; ours for DEL, C1 and bidi. */
	assert_string_equal(
	    json_of("p\xe2\x80\xae", "a\033b\x7f"
				     "c\xc2\x9b"
				     "d\xd8\x9c"),
	    "{\"p\\u202E\":\"a\\u001Bb\\u007Fc\\u009Bd\\u061C\"}"
	    "\n");
	/* Other UTF-8 is written as it is. */
	assert_string_equal(json_of("k", "\xc3\xbc\xe6\x97\xa5"),
			    "{\"k\":\"\xc3\xbc\xe6\x97\xa5\"}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_safe_controls),
	    cmocka_unit_test(test_safe_malformed),
	    cmocka_unit_test(test_json_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
