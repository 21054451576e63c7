/* vaultd-glob-test.c - policy path globs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vaultd/glob.h"

static void star_stays_in_segment(void **state)
{
	assert_true(oc_glob_match("db/*", "db/pass"));
	assert_false(oc_glob_match("db/*", "db/a/pass"));
	assert_false(oc_glob_match("db/*", "dbx/pass"));
	assert_true(oc_glob_match("*", "top"));
	assert_false(oc_glob_match("*", "a/b"));
	assert_true(oc_glob_match("a*c", "abbbc"));
	assert_true(oc_glob_match("db/p?ss", "db/pass"));
	assert_false(oc_glob_match("a?b", "a/b"));
}

static void double_star_crosses(void **state)
{
	assert_true(oc_glob_match("**", "a/b/c"));
	assert_true(oc_glob_match("db/**", "db/a/b"));
	assert_true(oc_glob_match("**/pass", "db/x/pass"));
	assert_true(oc_glob_match("**/pass", "pass"));
	assert_true(oc_glob_match("a/**/z", "a/z"));
	assert_true(oc_glob_match("a/**/z", "a/b/c/z"));
	assert_false(oc_glob_match("a/**/z", "b/z"));
	assert_true(oc_glob_match("exact/path", "exact/path"));
	assert_false(oc_glob_match("exact/path", "exact/path2"));
}

static void hostile_pattern_is_fast(void **state)
{
	char pat[200], path[200];

	memset(pat, 0, sizeof(pat));
	memset(path, 'a', sizeof(path) - 2);
	path[sizeof(path) - 2] = 'b';
	path[sizeof(path) - 1] = '\0';
	for (size_t i = 0; i < 60; i += 3)
		memcpy(pat + i, "**a", 3);
	assert_false(oc_glob_match(pat, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(star_stays_in_segment),
	    cmocka_unit_test(double_star_crosses),
	    cmocka_unit_test(hostile_pattern_is_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
