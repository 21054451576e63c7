/* tokenkey-test.c - src/tokenkey without a token: the PIN reader (files,
 * strings, the limits) and the refusals that come before a module is
 * used (URI, module path, loading).  tokenkey-softhsm-test.c runs the
 * keys themselves against SoftHSM2. */
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

#include "err.h"
#include "secmem.h"
#include "tmpdir.h"
#include "tokenkey/tokenkey.h"

static char dir[256];

/* What one test reads a PIN into; freed after each test. */
struct pin_case {
	struct oc_tk_err e;
	char path[300];
	char *pin;
	size_t len;
};

static int pin_case_new(void **state)
{
	*state = calloc(1, sizeof(struct pin_case));
	return *state ? 0 : -1;
}

static int pin_case_free(void **state)
{
	struct pin_case *c = *state;

	oc_secure_free(c->pin);
	free(c);
	return 0;
}

static void write_file(struct pin_case *c, const char *name, const char *data,
		       size_t n, mode_t mode)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "%s/%s", dir, name);
	unlink(c->path);
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Reads c->path; a PIN read before is freed first. */
static int read_pin(struct pin_case *c)
{
	struct oc_tk_pin_src src = {.from = OC_TK_PIN_FILE, .file = c->path};

	oc_secure_free(c->pin);
	c->pin = NULL;
	return oc_tk_pin_read(&src, &c->pin, &c->len, &c->e);
}

static void test_pin_file(void **state)
{
	struct pin_case *c = *state;

	write_file(c, "pin", "1234\n", 5, 0600);
	assert_int_equal(read_pin(c), OC_OK);
	assert_int_equal(c->len, 4);
	assert_string_equal(c->pin, "1234");
	assert_false(c->e.pin_file_loose);

	/* Every trailing CR and LF goes, nothing else does. */
	write_file(c, "crlf", " 12\r\n34\r\n\r\n", 11, 0600);
	assert_int_equal(read_pin(c), OC_OK);
	assert_int_equal(c->len, 7);
	assert_memory_equal(c->pin, " 12\r\n34", 8);

	write_file(c, "empty", "", 0, 0600);
	assert_int_equal(read_pin(c), OC_OK);
	assert_int_equal(c->len, 0);
	assert_string_equal(c->pin, "");
}

static void test_pin_file_loose(void **state)
{
	struct pin_case *c = *state;

	/* Read all the same; the flag lets the caller warn. */
	write_file(c, "loose", "9876\n", 5, 0640);
	assert_int_equal(read_pin(c), OC_OK);
	assert_true(c->e.pin_file_loose);
	assert_string_equal(c->pin, "9876");
	write_file(c, "others", "9876", 4, 0604);
	assert_int_equal(read_pin(c), OC_OK);
	assert_true(c->e.pin_file_loose);
}

static void test_pin_file_limit(void **state)
{
	struct pin_case *c = *state;
	char big[OC_TK_PIN_MAX + 1];

	memset(big, '7', sizeof(big));
	write_file(c, "max", big, OC_TK_PIN_MAX, 0600);
	assert_int_equal(read_pin(c), OC_OK);
	assert_int_equal(c->len, OC_TK_PIN_MAX);
	assert_int_equal(c->pin[OC_TK_PIN_MAX], '\0');

	/* The limit counts the newline too. */
	big[OC_TK_PIN_MAX] = '\n';
	write_file(c, "over", big, OC_TK_PIN_MAX + 1, 0600);
	assert_int_equal(read_pin(c), OC_ERR_RANGE);
	assert_int_equal(c->e.stage, OC_TK_AT_PIN);
	assert_non_null(strstr(c->e.msg, "longer than 4096 bytes"));
	assert_null(c->pin);
}

static void test_pin_file_refusals(void **state)
{
	struct pin_case *c = *state;

	/* A FIFO is refused without waiting for a writer. */
	snprintf(c->path, sizeof(c->path), "%s/fifo", dir);
	assert_int_equal(mkfifo(c->path, 0600), 0);
	assert_int_equal(read_pin(c), OC_ERR_IO);
	assert_int_equal(c->e.stage, OC_TK_AT_PIN);
	assert_non_null(strstr(c->e.msg, "is not a regular file"));
	snprintf(c->path, sizeof(c->path), "%s", dir);
	assert_int_equal(read_pin(c), OC_ERR_IO);
	assert_non_null(strstr(c->e.msg, "is not a regular file"));

	snprintf(c->path, sizeof(c->path), "%s/absent", dir);
	assert_int_equal(read_pin(c), OC_ERR_IO);
	assert_non_null(strstr(c->e.msg, "cannot open PIN file"));
	assert_non_null(strstr(c->e.msg, c->path));
	assert_null(c->pin);
}

static void test_pin_string(void **state)
{
	struct oc_tk_pin_src src = {.from = OC_TK_PIN_STRING};
	struct pin_case *c = *state;
	char big[OC_TK_PIN_MAX + 2];

	/* A string is taken as it is: no newline is cut. */
	src.string = "12 34\n";
	assert_int_equal(oc_tk_pin_read(&src, &c->pin, &c->len, &c->e), OC_OK);
	assert_int_equal(c->len, 6);
	assert_string_equal(c->pin, "12 34\n");
	oc_secure_free(c->pin);
	c->pin = NULL;

	memset(big, 'x', sizeof(big));
	big[OC_TK_PIN_MAX] = '\0';
	src.string = big;
	assert_int_equal(oc_tk_pin_read(&src, &c->pin, &c->len, &c->e), OC_OK);
	assert_int_equal(c->len, OC_TK_PIN_MAX);
	oc_secure_free(c->pin);
	c->pin = NULL;
	big[OC_TK_PIN_MAX] = 'x';
	big[OC_TK_PIN_MAX + 1] = '\0';
	assert_int_equal(oc_tk_pin_read(&src, &c->pin, &c->len, &c->e),
			 OC_ERR_RANGE);
	assert_null(c->pin);

	src.string = NULL;
	assert_int_equal(oc_tk_pin_read(&src, &c->pin, &c->len, &c->e),
			 OC_ERR_ARGS);
	assert_int_equal(c->e.stage, OC_TK_AT_ARGS);
}

static int open_key(const char *uri, const char *module,
		    enum oc_tk_loader loader, struct oc_tk_err *e)
{
	struct oc_tk_open_args a = {
	    .uri = uri,
	    .module = module,
	    .loader = loader,
	    .kind = OC_TK_AES,
	};
	struct oc_tk_key *k = NULL;
	int err = oc_tk_key_open(&a, &k, e);

	assert_null(k);
	return err;
}

static void test_uri_refusals(void **state)
{
	struct oc_tk_err e;

	(void)state;
	assert_int_equal(open_key("not a uri", "/x.so", OC_TK_DLOPEN, &e),
			 OC_ERR_PARSE);
	assert_int_equal(e.stage, OC_TK_AT_URI);
	assert_non_null(strstr(e.msg, "bad pkcs11: URI not a uri"));

	assert_int_equal(
	    open_key("pkcs11:token=t;object=k", NULL, OC_TK_DLOPEN, &e),
	    OC_ERR_CONFIG);
	assert_int_equal(e.stage, OC_TK_AT_NO_MODULE);
	assert_int_equal(
	    open_key("pkcs11:token=t;object=k", "", OC_TK_DLOPEN, &e),
	    OC_ERR_CONFIG);
	assert_int_equal(e.stage, OC_TK_AT_NO_MODULE);

	/* A PIN in the URI never reaches a message. */
	assert_int_equal(open_key("pkcs11:token=t;object=k?pin-value=4711",
				  NULL, OC_TK_DLOPEN, &e),
			 OC_ERR_CONFIG);
	assert_null(strstr(e.msg, "4711"));
	assert_non_null(strstr(e.msg, "the URI"));

	/* The URI's module-path is used when no module is given. */
	assert_int_equal(
	    open_key("pkcs11:token=t;object=k?module-path=/absent/m.so", NULL,
		     OC_TK_DLOPEN, &e),
	    OC_ERR_CONFIG);
	assert_int_equal(e.stage, OC_TK_AT_MODULE);
	assert_non_null(strstr(e.msg, "cannot load PKCS#11 module "
				      "/absent/m.so"));
}

static void test_module_refusals(void **state)
{
	struct oc_tk_err e;

	(void)state;
	assert_int_equal(
	    open_key("pkcs11:token=t", "/absent/m.so", OC_TK_P11KIT, &e),
	    OC_ERR_CONFIG);
	assert_int_equal(e.stage, OC_TK_AT_MODULE);
	assert_non_null(strstr(e.msg, "cannot load PKCS#11 module"));
	/* A library that is no PKCS#11 module. */
	assert_int_equal(
	    open_key("pkcs11:token=t", "libc.so.6", OC_TK_DLOPEN, &e),
	    OC_ERR_CONFIG);
	assert_int_equal(e.stage, OC_TK_AT_MODULE);
	assert_non_null(strstr(e.msg, "libc.so.6 is not a PKCS#11 module"));
}

static void test_args(void **state)
{
	struct oc_tk_open_args a = {.uri = "pkcs11:", .kind = 99};
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;

	(void)state;
	assert_int_equal(oc_tk_key_open(&a, &k, &e), OC_ERR_ARGS);
	assert_int_equal(e.stage, OC_TK_AT_ARGS);
	assert_int_equal(oc_tk_key_open(NULL, &k, &e), OC_ERR_ARGS);
	assert_null(k);
	oc_tk_key_free(NULL);
}

static int make_dir(void **state)
{
	(void)state;
	return oc_test_tmpdir("tokenkey-test", dir, sizeof(dir));
}

static int remove_dir(void **state)
{
	(void)state;
	return oc_test_rmtree(dir);
}

#define PIN_TEST(f)                                                            \
	cmocka_unit_test_setup_teardown(f, pin_case_new, pin_case_free)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PIN_TEST(test_pin_file),
	    PIN_TEST(test_pin_file_loose),
	    PIN_TEST(test_pin_file_limit),
	    PIN_TEST(test_pin_file_refusals),
	    PIN_TEST(test_pin_string),
	    cmocka_unit_test(test_uri_refusals),
	    cmocka_unit_test(test_module_refusals),
	    cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
