/* log-test.c - categories, line format, files, and never stdout. */
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
#include "log.h"

static char dir[] = "/tmp/oc-log-test-XXXXXX";
static char env_file[256], cfg_file[256], err_file[256], out_file[256];

static char *slurp(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void test_from_env(void **state)
{
	char expect[128];
	struct stat st;

	(void)state;
	/* main() set ONECLAW_PKCS11_DEBUG=cmek,json before any call */
	assert_true(oc_log_enabled(OC_LOG_CMEK));
	assert_true(oc_log_enabled(OC_LOG_JSON));
	assert_false(oc_log_enabled(OC_LOG_HTTP));
	oc_debug(OC_LOG_CMEK, "blob of %d bytes", 44);
	oc_debug(OC_LOG_HTTP, "not shown");
	snprintf(expect, sizeof(expect),
		 "oneclaw[%ld] cmek test_from_env: blob of 44 bytes\n",
		 (long)getpid());
	assert_string_equal(slurp(env_file), expect);
	assert_int_equal(stat(env_file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_parse(void **state)
{
	unsigned m = 12345;

	(void)state;
	assert_int_equal(oc_log_parse_categories("all", &m), OC_OK);
	assert_int_equal(m, OC_LOG_ALL);
	assert_int_equal(oc_log_parse_categories("mem", &m), OC_OK);
	assert_int_equal(m, OC_LOG_MEM);
	assert_int_equal(oc_log_parse_categories("conf,http", &m), OC_OK);
	assert_int_equal(m, OC_LOG_CONF | OC_LOG_HTTP);
	assert_int_equal(oc_log_parse_categories(" p11 , api,server,tool", &m),
			 OC_OK);
	assert_int_equal(m,
			 OC_LOG_P11 | OC_LOG_API | OC_LOG_SERVER | OC_LOG_TOOL);
	/* Switches as people type them. */
	assert_int_equal(oc_log_parse_categories("1", &m), OC_OK);
	assert_int_equal(m, OC_LOG_ALL);
	assert_int_equal(oc_log_parse_categories("yes", &m), OC_OK);
	assert_int_equal(m, OC_LOG_ALL);
	assert_int_equal(oc_log_parse_categories("TRUE", &m), OC_OK);
	assert_int_equal(m, OC_LOG_ALL);
	assert_int_equal(oc_log_parse_categories("0", &m), OC_OK);
	assert_int_equal(m, 0);
	assert_int_equal(oc_log_parse_categories("", &m), OC_OK);
	assert_int_equal(m, 0);
	m = 7;
	assert_int_equal(oc_log_parse_categories("conf,bogus", &m),
			 OC_ERR_PARSE);
	assert_int_equal(m, 7);
	assert_int_equal(oc_log_parse_categories("con", &m), OC_ERR_PARSE);
	assert_int_equal(oc_log_parse_categories(NULL, &m), OC_ERR_ARGS);
}

static void test_configure_file(void **state)
{
	char expect[256], *text;

	(void)state;
	assert_int_equal(oc_log_configure("conf", cfg_file), OC_OK);
	assert_true(oc_log_enabled(OC_LOG_CONF));
	assert_false(oc_log_enabled(OC_LOG_CMEK));
	oc_debug(OC_LOG_CONF, "line one");
	oc_debug(OC_LOG_CONF, "two\nlines");
	oc_log_error("refusing %s", "x");
	text = slurp(cfg_file);
	snprintf(expect, sizeof(expect),
		 "oneclaw[%ld] conf test_configure_file: line one\n"
		 "oneclaw[%ld] conf test_configure_file: two lines\n"
		 "oneclaw[%ld]: refusing x\n",
		 (long)getpid(), (long)getpid(), (long)getpid());
	assert_string_equal(text, expect);
	/* the error also went to stderr */
	text = slurp(err_file);
	assert_non_null(strstr(text, "refusing x\n"));
	/* An unknown name: one warning, and the known names still apply. */
	assert_int_equal(oc_log_configure("conf,nope,zilch", NULL), OC_OK);
	assert_true(oc_log_enabled(OC_LOG_CONF));
	assert_false(oc_log_enabled(OC_LOG_CMEK));
	text = slurp(err_file);
	assert_non_null(strstr(text, "oneclaw: debug: ignoring unknown debug "
				     "categories nope, zilch "
				     "(ONECLAW_PKCS11_DEBUG=help"));
	assert_null(
	    strstr(strstr(text, "ignoring unknown") + 1, "ignoring unknown"));
	assert_int_equal(oc_log_configure(NULL, "/nonexistent/dir/log"),
			 OC_ERR_IO);
	/* A link in the log's place is not followed. */
	{
		char link[300];
		int n = snprintf(link, sizeof(link), "%s.link", cfg_file);

		assert_true(n > 0 && (size_t)n < sizeof(link));
		unlink(link);
		assert_int_equal(symlink(cfg_file, link), 0);
		assert_int_equal(oc_log_configure(NULL, link), OC_ERR_IO);
		unlink(link);
	}
}

static void test_long_line(void **state)
{
	char big[5000], *text, *nl;

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(oc_log_configure("all", cfg_file), OC_OK);
	assert_int_equal(truncate(cfg_file, 0), 0);
	oc_debug(OC_LOG_API, "%s", big);
	text = slurp(cfg_file);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	assert_true(nl - text > 1000);
	assert_memory_equal(nl - 3, "...", 3);
}

static void test_shutdown_to_stderr(void **state)
{
	char *text;

	(void)state;
	assert_int_equal(oc_log_configure("p11", NULL), OC_OK);
	oc_log_shutdown();
	oc_debug(OC_LOG_P11, "after shutdown");
	text = slurp(err_file);
	assert_non_null(strstr(text, " p11 test_shutdown_to_stderr: after "
				     "shutdown\n"));
	oc_log_shutdown(); /* twice is fine */
}

/* As logrotate does it: the file moved away, then a reopen; the lines
 * after it go to a new file at the path, the moved one keeps the old. */
static void test_reopen(void **state)
{
	char moved[300], *text;
	struct stat st;
	int n;

	(void)state;
	n = snprintf(moved, sizeof(moved), "%s.1", cfg_file);
	assert_true(n > 0 && (size_t)n < sizeof(moved));
	assert_int_equal(oc_log_configure("conf", cfg_file), OC_OK);
	oc_debug(OC_LOG_CONF, "before the move");
	assert_int_equal(rename(cfg_file, moved), 0);
	assert_int_equal(oc_log_reopen(), OC_OK);
	oc_debug(OC_LOG_CONF, "after the move");
	text = slurp(cfg_file);
	assert_non_null(strstr(text, "after the move"));
	assert_null(strstr(text, "before the move"));
	assert_int_equal(stat(cfg_file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(moved);
	assert_non_null(strstr(text, "before the move"));
	assert_null(strstr(text, "after the move"));
	/* A path that cannot be opened again (a link in its place): the file
	 * in use stays so. */
	assert_int_equal(rename(cfg_file, moved), 0);
	assert_int_equal(symlink(env_file, cfg_file), 0);
	assert_int_equal(oc_log_reopen(), OC_ERR_IO);
	oc_debug(OC_LOG_CONF, "still written");
	assert_int_equal(unlink(cfg_file), 0);
	assert_non_null(strstr(slurp(moved), "still written"));
	unlink(moved);
	/* Without a file, nothing to do. */
	oc_log_shutdown();
	assert_int_equal(oc_log_reopen(), OC_OK);
}

static void test_never_stdout(void **state)
{
	(void)state;
	fflush(stdout);
	/* only cmocka's own report is there */
	assert_null(strstr(slurp(out_file), "oneclaw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_env),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_configure_file),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_shutdown_to_stderr),
	    cmocka_unit_test(test_reopen),
	};
	const struct CMUnitTest last[] = {
	    cmocka_unit_test(test_never_stdout),
	};
	int fd, saved_out, rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(env_file, sizeof(env_file), "%s/env.log", dir);
	snprintf(cfg_file, sizeof(cfg_file), "%s/cfg.log", dir);
	snprintf(err_file, sizeof(err_file), "%s/stderr", dir);
	snprintf(out_file, sizeof(out_file), "%s/stdout", dir);
	setenv("ONECLAW_PKCS11_DEBUG", "cmek,json", 1);
	setenv("ONECLAW_PKCS11_DEBUG_FILE", env_file, 1);
	/* stderr goes to a file the tests read; stdout too, to prove that
	 * nothing is ever written there.  cmocka reports on the saved
	 * stdout. */
	fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDERR_FILENO);
	close(fd);
	saved_out = dup(STDOUT_FILENO);
	fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fflush(stdout);
	rc |= cmocka_run_group_tests(last, NULL, NULL);
	fflush(stdout);
	{
		/* replay cmocka's report for the test log */
		char *text = slurp(out_file);
		ssize_t w = write(saved_out, text, strlen(text));

		(void)w;
	}
	oc_log_shutdown();
	unlink(env_file);
	unlink(cfg_file);
	unlink(err_file);
	unlink(out_file);
	rmdir(dir);
	return rc;
}
