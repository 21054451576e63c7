/* keysrc-test.c - every accepted key encoding, and the refusals. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmek.h"
#include "err.h"
#include "keysrc.h"
#include "secmem.h"

/* V1 of 1claw-api.md 5.7 */
static const uint8_t v1[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
			       11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
			       22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const char v1_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char v1_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
static const char v1_fpr[] =
    "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd";

static char dir[] = "/tmp/oc-keysrc-test-XXXXXX";

static int dec(const char *s, uint8_t key[32])
{
	return oc_keysrc_decode((const uint8_t *)s, strlen(s), key);
}

static void test_decode_forms(void **state)
{
	uint8_t key[32];
	char upper[65];
	size_t i;

	(void)state;
	oc_wipe(key, 32);
	assert_int_equal(dec(v1_hex, key), OC_OK);
	assert_memory_equal(key, v1, 32);
	for (i = 0; i < 64; i++)
		upper[i] =
		    (char)(v1_hex[i] >= 'a' ? v1_hex[i] - 32 : v1_hex[i]);
	upper[64] = '\0';
	oc_wipe(key, 32);
	assert_int_equal(dec(upper, key), OC_OK);
	assert_memory_equal(key, v1, 32);
	oc_wipe(key, 32);
	assert_int_equal(dec(v1_b64, key), OC_OK);
	assert_memory_equal(key, v1, 32);
	oc_wipe(key, 32);
	assert_int_equal(
	    dec("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", key), OC_OK);
	assert_memory_equal(key, v1, 32);
	oc_wipe(key, 32);
	assert_int_equal(
	    dec("  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", key),
	    OC_OK);
	assert_memory_equal(key, v1, 32);
	/* V3: all 0xff; URL-safe alphabet */
	assert_int_equal(
	    dec("__________________________________________8", key), OC_OK);
	for (i = 0; i < 32; i++)
		assert_int_equal(key[i], 0xff);
	assert_int_equal(
	    dec("//////////////////////////////////////////8=\r\n", key),
	    OC_OK);
	/* raw 32 bytes */
	oc_wipe(key, 32);
	assert_int_equal(oc_keysrc_decode(v1, 32, key), OC_OK);
	assert_memory_equal(key, v1, 32);
}

static void test_decode_refusals(void **state)
{
	uint8_t key[32], orig[32];
	uint8_t raw31[31] = {0};

	(void)state;
	for (size_t i = 0; i < 32; i++)
		key[i] = 0x11;
	memcpy(orig, key, 32);
	assert_int_equal(dec("", key), OC_ERR_PARSE);
	assert_int_equal(dec("\n", key), OC_ERR_PARSE);
	assert_int_equal(dec(v1_hex + 2, key), OC_ERR_PARSE); /* 62 hex */
	assert_int_equal(
	    dec("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", key),
	    OC_ERR_PARSE); /* 31 bytes */
	assert_int_equal(dec("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
			     "IQ==",
			     key),
			 OC_ERR_PARSE); /* 34 bytes */
	assert_int_equal(dec("not a key at all, clearly not one", key),
			 OC_ERR_PARSE);
	assert_int_equal(oc_keysrc_decode(raw31, 31, key), OC_ERR_PARSE);
	assert_memory_equal(key, orig, 32); /* untouched */
	assert_int_equal(oc_keysrc_decode(NULL, 3, key), OC_ERR_ARGS);
}

static void test_decode_32_byte_text(void **state)
{
	/* 32 bytes of text that is valid base64 of 24 bytes: taken raw. */
	static const char s[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
	uint8_t key[32];

	(void)state;
	assert_int_equal(strlen(s), 32);
	assert_int_equal(dec(s, key), OC_OK);
	assert_memory_equal(key, s, 32);
}

static char *write_file(const char *name, const void *data, size_t n,
			mode_t mode)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_load_file(void **state)
{
	uint8_t key[32];
	char err[512], *path;
	int loose = -1;

	(void)state;
	path = write_file("hex.key", v1_hex, 64, 0600);
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)), OC_OK);
	assert_memory_equal(key, v1, 32);
	assert_int_equal(loose, 0);

	/* A service's group may read it (said through loose). */
	path = write_file("b64.key",
			  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 45,
			  0640);
	oc_wipe(key, 32);
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)), OC_OK);
	assert_memory_equal(key, v1, 32);
	assert_int_equal(loose, 1);

	path = write_file("raw.key", v1, 32, 0640);
	oc_wipe(key, 32);
	assert_int_equal(oc_keysrc_load_file(path, key, NULL, NULL, 0), OC_OK);
	assert_memory_equal(key, v1, 32);
}

static void test_load_file_errors(void **state)
{
	static const char junk[] = "SECRETJUNK-this-is-not-a-key";
	uint8_t key[32];
	char err[512], *path, big[OC_KEYSRC_MAX_FILE + 1];
	int loose = 7;

	(void)state;
	path = write_file("junk.key", junk, sizeof(junk) - 1, 0600);
	err[0] = '\0';
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)),
	    OC_ERR_PARSE);
	assert_int_equal(loose, 7);
	assert_non_null(strstr(err, path));
	assert_null(strstr(err, "SECRETJUNK")); /* never the content */

	memset(big, 'a', sizeof(big));
	path = write_file("big.key", big, sizeof(big), 0600);
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)),
	    OC_ERR_PARSE);
	assert_non_null(strstr(err, path));

	/* Others may not read it, group and others not write it. */
	path = write_file("open.key", v1_hex, 64, 0644);
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)),
	    OC_ERR_PERM);
	assert_non_null(strstr(err, "is readable by others; refusing it"));
	assert_non_null(strstr(err, "chmod o-r"));
	assert_non_null(strstr(err, path));
	path = write_file("gw.key", v1_hex, 64, 0620);
	assert_int_equal(
	    oc_keysrc_load_file(path, key, &loose, err, sizeof(err)),
	    OC_ERR_PERM);
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(loose, 7);

	snprintf(big, sizeof(big), "%s/missing.key", dir);
	assert_int_equal(
	    oc_keysrc_load_file(big, key, &loose, err, sizeof(err)), OC_ERR_IO);
	assert_non_null(strstr(err, "missing.key"));
	/* a directory is not a key file */
	assert_int_equal(
	    oc_keysrc_load_file(dir, key, &loose, err, sizeof(err)), OC_ERR_IO);
	assert_non_null(strstr(err, "regular"));
	assert_int_equal(
	    oc_keysrc_load_file(NULL, key, &loose, err, sizeof(err)),
	    OC_ERR_ARGS);
}

static void test_load_env(void **state)
{
	uint8_t key[32];
	char err[256];

	(void)state;
	setenv("OC_TEST_KEY", v1_b64, 1);
	assert_int_equal(
	    oc_keysrc_load_env("OC_TEST_KEY", key, err, sizeof(err)), OC_OK);
	assert_memory_equal(key, v1, 32);
	setenv("OC_TEST_KEY", "SECRETJUNK", 1);
	assert_int_equal(
	    oc_keysrc_load_env("OC_TEST_KEY", key, err, sizeof(err)),
	    OC_ERR_PARSE);
	assert_non_null(strstr(err, "OC_TEST_KEY"));
	assert_null(strstr(err, "SECRETJUNK"));
	unsetenv("OC_TEST_KEY");
	assert_int_equal(
	    oc_keysrc_load_env("OC_TEST_KEY", key, err, sizeof(err)),
	    OC_ERR_NO_KEY);
	assert_non_null(strstr(err, "OC_TEST_KEY"));
	setenv("OC_TEST_KEY", "", 1);
	assert_int_equal(oc_keysrc_load_env("OC_TEST_KEY", key, NULL, 0),
			 OC_ERR_NO_KEY);
	unsetenv("OC_TEST_KEY");
}

static void test_key_from_file(void **state)
{
	struct oc_cmek_key *k = NULL;
	char err[512], hex[65], *path;
	int loose = -1;

	(void)state;
	path = write_file("k.key", v1_b64, strlen(v1_b64), 0600);
	assert_int_equal(
	    oc_keysrc_key_from_file(path, &k, &loose, err, sizeof(err)), OC_OK);
	assert_int_equal(loose, 0);
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k), hex);
	assert_string_equal(hex, v1_fpr);
	oc_cmek_key_free(k);
	k = NULL;
	path = write_file("bad.key", "xyz", 3, 0600);
	assert_int_equal(
	    oc_keysrc_key_from_file(path, &k, &loose, err, sizeof(err)),
	    OC_ERR_PARSE);
	assert_null(k);
}

static int cleanup(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_forms),
	    cmocka_unit_test(test_decode_refusals),
	    cmocka_unit_test(test_decode_32_byte_text),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_load_file_errors),
	    cmocka_unit_test(test_load_env),
	    cmocka_unit_test(test_key_from_file),
	};

	if (mkdtemp(dir) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, cleanup);
}
