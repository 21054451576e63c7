/* tokcache-test.c - the shared token file: a round trip, and every file
 * that must be a miss (another credential's, expired, readable by others,
 * a link, garbage, too large); a refused token is dropped, another one
 * is left. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "secmem.h"
#include "tokcache.h"

static char dir[] = "/tmp/tokcache-test.XXXXXX";
static char path[256];
static uint8_t bind_a[OC_TOKCACHE_BIND], bind_b[OC_TOKCACHE_BIND];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/token", dir);
	if (oc_tokcache_binding("https://api.example", 1, "ocv_a", NULL, NULL,
				bind_a) != 0 ||
	    oc_tokcache_binding("https://api.example", 1, "ocv_b", NULL, NULL,
				bind_b) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int load(const uint8_t *b, char **tok, uint64_t *left)
{
	return oc_tokcache_load(path, b, 60, tok, left);
}

static void write_file(const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_round_trip(void **state)
{
	char *tok = NULL;
	uint64_t left = 0;
	struct stat st;

	(void)state;
	assert_int_equal(oc_tokcache_store(path, bind_a, "eyJ.a.b", 3600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(load(bind_a, &tok, &left), 0);
	assert_string_equal(tok, "eyJ.a.b");
	assert_true(left > 3590 && left <= 3600);
	oc_secure_free(tok);
	/* Another credential's token is never handed out. */
	assert_int_equal(load(bind_b, &tok, &left), -1);
	assert_null(tok);
	/* Nor one about to expire. */
	assert_int_equal(oc_tokcache_store(path, bind_a, "eyJ.a.b", 30), 0);
	assert_int_equal(load(bind_a, &tok, &left), -1);
}

static void test_bindings_differ(void **state)
{
	uint8_t x[OC_TOKCACHE_BIND], y[OC_TOKCACHE_BIND];

	(void)state;
	/* The parts are length-prefixed: moving a byte between two parts
	 * gives another binding; so does a DPoP key or another server. */
	assert_int_equal(oc_tokcache_binding("u", 1, "ab", "c", NULL, x), 0);
	assert_int_equal(oc_tokcache_binding("u", 1, "a", "bc", NULL, y), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	assert_int_equal(oc_tokcache_binding("u", 1, "ab", "c", "jkt", y), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	assert_int_equal(oc_tokcache_binding("v", 1, "ab", "c", NULL, y), 0);
	assert_memory_not_equal(x, y, sizeof(x));
	assert_int_equal(oc_tokcache_binding("u", 2, "ab", "c", NULL, y), 0);
	assert_memory_not_equal(x, y, sizeof(x));
}

static void test_misses(void **state)
{
	char good[512], hex[2 * OC_TOKCACHE_BIND + 1], *tok = NULL;
	char *big;
	uint64_t left;
	long exp = (long)time(NULL) + 3600;

	(void)state;
	for (size_t i = 0; i < OC_TOKCACHE_BIND; i++)
		snprintf(hex + 2 * i, 3, "%02x", bind_a[i]);
	snprintf(good, sizeof(good), "oneclaw-token-cache 1\n%s\n%ld\ntok\n",
		 hex, exp);
	write_file(good, 0600);
	assert_int_equal(load(bind_a, &tok, &left), 0);
	oc_secure_free(tok);
	/* Readable by the group: another user may have put it there. */
	write_file(good, 0640);
	assert_int_equal(load(bind_a, &tok, &left), -1);
	/* A link to a good file is not followed. */
	{
		char target[300];

		snprintf(target, sizeof(target), "%s/real", dir);
		write_file(good, 0600);
		assert_int_equal(rename(path, target), 0);
		assert_int_equal(symlink(target, path), 0);
		assert_int_equal(load(bind_a, &tok, &left), -1);
		unlink(path);
	}
	write_file("oneclaw-token-cache 2\n", 0600);
	assert_int_equal(load(bind_a, &tok, &left), -1);
	write_file("oneclaw-token-cache 1\nzz\n1\nt\n", 0600);
	assert_int_equal(load(bind_a, &tok, &left), -1);
	snprintf(good, sizeof(good), "oneclaw-token-cache 1\n%s\n%ld\nto ken\n",
		 hex, exp);
	write_file(good, 0600); /* a space in the token */
	assert_int_equal(load(bind_a, &tok, &left), -1);
	snprintf(good, sizeof(good), "oneclaw-token-cache 1\n%s\n%ld\ntok", hex,
		 exp);
	write_file(good, 0600); /* no final newline: cut short */
	assert_int_equal(load(bind_a, &tok, &left), -1);
	snprintf(good, sizeof(good), "oneclaw-token-cache 1\n%s\n%ld\ntok\n",
		 hex, exp + 30L * 24 * 3600);
	write_file(good, 0600); /* longer than any token lives */
	assert_int_equal(load(bind_a, &tok, &left), -1);
	big = malloc(OC_TOKCACHE_MAX + 64);
	assert_non_null(big);
	memset(big, 'a', OC_TOKCACHE_MAX + 63);
	big[OC_TOKCACHE_MAX + 63] = '\0';
	write_file(big, 0600);
	free(big);
	assert_int_equal(load(bind_a, &tok, &left), -1);
	unlink(path);
	assert_int_equal(load(bind_a, &tok, &left), -1);
	assert_null(tok);
}

static void test_drop(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(oc_tokcache_store(path, bind_a, "newer", 3600), 0);
	oc_tokcache_drop(path, "older"); /* another process's newer token */
	assert_int_equal(stat(path, &st), 0);
	oc_tokcache_drop(path, "newer");
	assert_int_not_equal(stat(path, &st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_bindings_differ),
	    cmocka_unit_test(test_misses),
	    cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
