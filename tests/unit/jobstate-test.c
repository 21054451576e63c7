/* jobstate-test.c - the record of a rotation job started here
 * (src/tool/jobstate.c): where it lives, its modes, atomic replacement,
 * and what is not trusted or not a record. */
#include "config.h"

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
#include "jobstate.h"

#define VID "6f1c2d3e-0a1b-4c5d-8e9f-a0b1c2d3e4f5"
#define FPR "af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051"

static char top[256];

static void path_of(const char *rel, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", top, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char p[512];
	FILE *f;

	path_of(rel, p, sizeof(p));
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	char home[300];

	(void)state;
	snprintf(top, sizeof(top), "%s/jobstate-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return -1;
	snprintf(home, sizeof(home), "%s/home", top);
	setenv("HOME", home, 1);
	setenv("XDG_STATE_HOME", top, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct oc_jobstate rec(const char *job)
{
	struct oc_jobstate s;

	memset(&s, 0, sizeof(s));
	snprintf(s.vault_id, sizeof(s.vault_id), "%s", VID);
	snprintf(s.job_id, sizeof(s.job_id), "%s", job);
	snprintf(s.new_fpr, sizeof(s.new_fpr), "%s", FPR);
	return s;
}

static void test_roundtrip(void **state)
{
	struct oc_jobstate s = rec("job-1"), got;
	char p[512], want[512];
	struct stat st;

	(void)state;
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_NOT_FOUND);
	assert_int_equal(oc_jobstate_remove(VID), OC_OK);
	assert_int_equal(oc_jobstate_save(&s), OC_OK);
	oc_jobstate_path(VID, p, sizeof(p));
	path_of("oneclaw/cmek-rotate-" VID, want, sizeof(want));
	assert_string_equal(p, want);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path_of("oneclaw", want, sizeof(want));
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(oc_jobstate_load(VID, &got), OC_OK);
	assert_string_equal(got.vault_id, VID);
	assert_string_equal(got.job_id, "job-1");
	assert_string_equal(got.new_fpr, FPR);
	/* Replaced, not appended to; no temporary file left. */
	s = rec("job-2");
	assert_int_equal(oc_jobstate_save(&s), OC_OK);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_OK);
	assert_string_equal(got.job_id, "job-2");
	path_of("oneclaw", want, sizeof(want));
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) = 1",
			 want);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(oc_jobstate_remove(VID), OC_OK);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_NOT_FOUND);
	assert_int_equal(oc_jobstate_remove(VID), OC_OK);
}

/* Without XDG_STATE_HOME (or with a relative one): ~/.local/state. */
static void test_home(void **state)
{
	struct oc_jobstate s = rec("job-3"), got;
	char p[512], want[512];

	(void)state;
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	oc_jobstate_path(VID, p, sizeof(p));
	path_of("home/.local/state/oneclaw/cmek-rotate-" VID, want,
		sizeof(want));
	assert_string_equal(p, want);
	assert_int_equal(oc_jobstate_save(&s), OC_OK);
	unsetenv("XDG_STATE_HOME");
	assert_int_equal(oc_jobstate_load(VID, &got), OC_OK);
	assert_string_equal(got.job_id, "job-3");
	assert_int_equal(oc_jobstate_remove(VID), OC_OK);
	unsetenv("HOME");
	assert_int_equal(oc_jobstate_save(&s), OC_ERR_CONFIG);
	oc_jobstate_path(VID, p, sizeof(p));
	assert_string_equal(p, "");
	setenv("XDG_STATE_HOME", top, 1);
}

/* Ids that would not make a plain file name are refused. */
static void test_args(void **state)
{
	struct oc_jobstate s = rec("job-4"), got;

	(void)state;
	assert_int_equal(oc_jobstate_load("../x", &got), OC_ERR_ARGS);
	assert_int_equal(oc_jobstate_load("", &got), OC_ERR_ARGS);
	assert_int_equal(oc_jobstate_remove("a/b"), OC_ERR_ARGS);
	snprintf(s.job_id, sizeof(s.job_id), "j\nvault_id=x");
	assert_int_equal(oc_jobstate_save(&s), OC_ERR_ARGS);
	s = rec("job-4");
	snprintf(s.vault_id, sizeof(s.vault_id), "..");
	assert_int_equal(oc_jobstate_save(&s), OC_ERR_ARGS);
}

/* A file others could have written, or that is not a record of this
 * vault, names no job. */
static void test_untrusted(void **state)
{
	struct oc_jobstate s = rec("job-5"), got;
	char dir[512];

	(void)state;
	assert_int_equal(oc_jobstate_save(&s), OC_OK);
	write_file("oneclaw/cmek-rotate-" VID,
		   "vault_id=" VID "\njob_id=job-6\n", 0620);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_PERM);
	write_file("oneclaw/cmek-rotate-" VID, "vault_id=other\njob_id=job-6\n",
		   0600);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_PARSE);
	write_file("oneclaw/cmek-rotate-" VID, "job_id=job-6\n", 0600);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_PARSE);
	write_file("oneclaw/cmek-rotate-" VID,
		   "vault_id=" VID "\njob_id=job 6\n", 0600);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_PARSE);
	/* A bad fingerprint is dropped; the job is still named. */
	write_file("oneclaw/cmek-rotate-" VID,
		   "vault_id=" VID "\njob_id=job-6\nnew_fingerprint=zz\n",
		   0600);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_OK);
	assert_string_equal(got.job_id, "job-6");
	assert_string_equal(got.new_fpr, "");
	path_of("oneclaw", dir, sizeof(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(oc_jobstate_load(VID, &got), OC_ERR_PERM);
	assert_int_equal(oc_jobstate_save(&s), OC_ERR_PERM);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(oc_jobstate_remove(VID), OC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_home),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_untrusted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
