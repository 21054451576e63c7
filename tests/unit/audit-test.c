/* audit-test.c - p11/audit.c: the line and its escaping (quotes,
 * backslashes, control bytes, UTF-8, cuts), mechanism names, the caller
 * behind a unix socket, and the file sink. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "conf.h"
#include "err.h"
#include "tmpdir.h"
#include "token.h"

static char dir[256];

static const struct oc_audit_caller agent = {
    .pid = 4242, .uid = 1000, .exe = "/usr/bin/agent", .socket = false};

#define PREFIX "oneclaw-pkcs11 audit: "
#define AGENT  " caller_pid=4242 caller_uid=1000 caller_exe=/usr/bin/agent"

static const char *line(enum oc_audit_op op, CK_RV rv, const char *vault,
			const void *label, size_t len, CK_MECHANISM_TYPE mech,
			const struct oc_audit_caller *c)
{
	static char buf[OC_AUDIT_LINE_MAX];
	struct oc_audit_event e = {op, rv, vault, label, len, mech};
	size_t n = oc_audit_format(buf, sizeof(buf), &e, c);

	assert_int_equal(n, strlen(buf));
	return buf;
}

/* The label field of a read with that label. */
static const char *label_field(const void *label, size_t len)
{
	static char field[OC_AUDIT_LINE_MAX];
	const char *l = line(OC_AUDIT_READ, CKR_OK, "v", label, len,
			     OC_AUDIT_NO_MECH, &agent);
	const char *b = strstr(l, " label="), *e = strstr(l, " mech=-");

	assert_non_null(b);
	assert_non_null(e);
	b += 7;
	snprintf(field, sizeof(field), "%.*s", (int)(e - b), b);
	return field;
}

static const char *lf(const char *s)
{
	return label_field(s, strlen(s));
}

static void test_line(void **state)
{
	(void)state;
	assert_string_equal(
	    line(OC_AUDIT_READ, CKR_OK, "5c7ed2a4-1b0e-4f7e-9d5c-0a1b2c3d4e5f",
		 "app/db/password", 15, OC_AUDIT_NO_MECH, &agent),
	    PREFIX "op=read result=CKR_OK "
		   "vault=5c7ed2a4-1b0e-4f7e-9d5c-0a1b2c3d4e5f "
		   "label=app/db/password mech=-" AGENT " via=process");
	assert_string_equal(
	    line(OC_AUDIT_DECRYPT, CKR_ENCRYPTED_DATA_INVALID, "v1", "cmek", 4,
		 CKM_ONECLAW_CMEK, &agent),
	    PREFIX "op=decrypt result=CKR_ENCRYPTED_DATA_INVALID vault=v1 "
		   "label=cmek mech=CKM_ONECLAW_CMEK" AGENT " via=process");
	assert_string_equal(
	    line(OC_AUDIT_SIGN, CKR_OK, "v1", "", 0, CKM_SHA256_HMAC, &agent),
	    PREFIX "op=sign result=CKR_OK vault=v1 label=\"\" "
		   "mech=CKM_SHA256_HMAC" AGENT " via=process");
	/* An unknown vendor mechanism and result: hex. */
	assert_string_equal(
	    line(OC_AUDIT_ENCRYPT, 0x8000abcdUL, "", "k", 1, 0x80001234UL,
		 &agent),
	    PREFIX "op=encrypt result=CKR_0x8000abcd vault=\"\" label=k "
		   "mech=0x80001234" AGENT " via=process");
	assert_string_equal(line(OC_AUDIT_UNWRAP, CKR_OK, "v", "cmek", 4,
				 CKM_ONECLAW_CMEK, &agent),
			    PREFIX "op=unwrap result=CKR_OK vault=v label=cmek "
				   "mech=CKM_ONECLAW_CMEK" AGENT
				   " via=process");
	/* Another user's process: only the name it gave itself. */
	{
		struct oc_audit_caller other = {.pid = 7,
						.uid = 1001,
						.exe = "agent x",
						.comm = true,
						.socket = true};

		assert_string_equal(
		    line(OC_AUDIT_READ, CKR_OK, "v", "a", 1, OC_AUDIT_NO_MECH,
			 &other),
		    PREFIX "op=read result=CKR_OK vault=v label=a mech=- "
			   "caller_pid=7 caller_uid=1001 "
			   "caller_comm=\"agent x\" via=socket");
	}
}

static void test_ops(void **state)
{
	static const char *const names[] = {
	    "read",   "decrypt", "encrypt", "unwrap", "sign",
	    "create", "write",	 "destroy", "copy",
	};
	char want[64];

	(void)state;
	for (int op = OC_AUDIT_READ; op <= OC_AUDIT_COPY; op++) {
		snprintf(want, sizeof(want), PREFIX "op=%s result=", names[op]);
		assert_memory_equal(line((enum oc_audit_op)op, CKR_OK, "v", "l",
					 1, OC_AUDIT_NO_MECH, &agent),
				    want, strlen(want));
	}
}

static void test_escaping(void **state)
{
	(void)state;
	assert_string_equal(lf("plain/path-1_2.3=4"), "plain/path-1_2.3=4");
	assert_string_equal(lf("with space"), "\"with space\"");
	assert_string_equal(lf("say \"hi\""), "\"say \\\"hi\\\"\"");
	assert_string_equal(lf("back\\slash"), "\"back\\\\slash\"");
	assert_string_equal(lf("tab\there"), "\"tab\\x09here\"");
	assert_string_equal(lf("line\nbreak\r"), "\"line\\x0abreak\\x0d\"");
	assert_string_equal(lf("del\x7f"), "\"del\\x7f\"");
	assert_string_equal(lf("\x1b[31mred"), "\"\\x1b[31mred\"");
	assert_string_equal(label_field("nul\0byte", 8), "\"nul\\x00byte\"");
	assert_string_equal(label_field("", 0), "\"\"");
	/* A line of its own can never be forged. */
	assert_null(strchr(lf("x\nop=read result=CKR_OK"), '\n'));
}

static void test_utf8(void **state)
{
	(void)state;
	/* Valid UTF-8 passes as it is. */
	assert_string_equal(lf("caf\xc3\xa9/\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"),
			    "caf\xc3\xa9/\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87");
	assert_string_equal(lf("\xf0\x9f\x94\x91-\xe2\x82\xac"),
			    "\xf0\x9f\x94\x91-\xe2\x82\xac");
	/* Not UTF-8, byte by byte: a stray byte, an overlong '/', a
	 * surrogate, a truncated sequence. */
	assert_string_equal(lf("a\xff"), "\"a\\xff\"");
	assert_string_equal(lf("\xc0\xaf"), "\"\\xc0\\xaf\"");
	assert_string_equal(lf("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");
	assert_string_equal(lf("x\xe2\x82"), "\"x\\xe2\\x82\"");
	/* C1 controls are controls: U+0085 (NEL), U+009B (CSI). */
	assert_string_equal(lf("a\xc2\x85z"), "\"a\\xc2\\x85z\"");
	assert_string_equal(lf("\xc2\x9b"), "\"\\xc2\\x9b\"");
	/* U+00A0 is printable. */
	assert_string_equal(lf("\xc2\xa0"), "\xc2\xa0");
}

static void test_cut(void **state)
{
	char l[1200], want[1200];

	(void)state;
	/* 256 bytes stay whole, 257 are cut to 256 and "...". */
	memset(l, 'a', 300);
	l[256] = '\0';
	assert_string_equal(lf(l), l);
	memset(l, 'a', 300);
	l[300] = '\0';
	snprintf(want, sizeof(want), "%.256s...", l);
	assert_string_equal(lf(l), want);
	/* Never inside a character: "é" over bytes 255..256 goes whole. */
	memset(l, 'a', 255);
	memcpy(l + 255, "\xc3\xa9zz", 5);
	snprintf(want, sizeof(want), "%.255s...", l);
	assert_string_equal(lf(l), want);
	/* Quoted and cut: the dots inside the quotes; the cut counts the
	 * label's bytes, not the escapes. */
	memset(l, '"', 1000);
	l[1000] = '\0';
	want[0] = '"';
	for (int i = 0; i < 256; i++)
		memcpy(want + 1 + 2 * i, "\\\"", 2);
	memcpy(want + 1 + 512, "...\"", 5);
	assert_string_equal(lf(l), want);
	/* Escapes of the cut part are all there is. */
	memset(l, '\x01', 1000);
	assert_int_equal(strlen(label_field(l, 1000)), 1 + 256 * 4 + 3 + 1);
}

static void test_caller_fields(void **state)
{
	struct oc_audit_caller c = {.pid = 7, .uid = 0, .socket = true};
	const char *l;
	char want[2100];

	(void)state;
	snprintf(c.exe, sizeof(c.exe), "/opt/my agent/bin/run \"x\"");
	assert_string_equal(
	    line(OC_AUDIT_WRITE, CKR_OK, "v", "p", 1, OC_AUDIT_NO_MECH, &c),
	    PREFIX "op=write result=CKR_OK vault=v label=p mech=- "
		   "caller_pid=7 caller_uid=0 "
		   "caller_exe=\"/opt/my agent/bin/run \\\"x\\\"\" via=socket");
	/* A long executable path is cut at OC_AUDIT_EXE_MAX. */
	memset(c.exe, 'e', sizeof(c.exe) - 1);
	c.exe[0] = '/';
	c.exe[sizeof(c.exe) - 1] = '\0';
	l = line(OC_AUDIT_WRITE, CKR_OK, "v", "p", 1, OC_AUDIT_NO_MECH, &c);
	snprintf(want, sizeof(want), "caller_exe=%.*s... via=socket",
		 OC_AUDIT_EXE_MAX, c.exe);
	assert_non_null(strstr(l, want));
}

/* The buffer is never overrun, the line always terminated. */
static void test_small_buffer(void **state)
{
	char buf[40];
	struct oc_audit_event e = {
	    OC_AUDIT_READ,	CKR_OK, "v",
	    "a \"long\" label", 14,	OC_AUDIT_NO_MECH};

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(oc_audit_format(buf, 20, &e, &agent), 19);
	assert_int_equal(buf[19], '\0');
	assert_int_equal(buf[20], 'X');
	assert_memory_equal(buf, PREFIX, 19);
	assert_int_equal(oc_audit_format(buf, 1, &e, &agent), 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(oc_audit_format(buf, 0, &e, &agent), 0);
}

/* Not a socket on fd 0: this process. */
static void test_caller_process(void **state)
{
	struct oc_audit_caller c;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int keep = dup(STDIN_FILENO), fd = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(n > 0 && keep >= 0 && fd >= 0);
	exe[n] = '\0';
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	oc_audit_find_caller(&c);
	assert_int_equal(c.pid, getpid());
	assert_int_equal(c.uid, geteuid());
	assert_false(c.socket);
	assert_string_equal(c.exe, exe);
	/* A socket pair's peer is this very process. */
	{
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(dup2(sv[0], STDIN_FILENO), STDIN_FILENO);
		oc_audit_find_caller(&c);
		assert_int_equal(c.pid, getpid());
		assert_false(c.socket);
		close(sv[0]);
		close(sv[1]);
	}
	assert_int_equal(dup2(keep, STDIN_FILENO), STDIN_FILENO);
	close(keep);
	close(fd);
}

/* An accepted unix connection on fd 0 names the process at the other
 * end only in p11-kit remote (module-audit.sh and agent-served.sh check
 * that); any other host could put a socket of its choosing there. */
static void test_caller_socket(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct oc_audit_caller c;
	int ls, cs, keep, status, n;
	char go;
	pid_t pid;

	(void)state;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	assert_true(n > 0 && (size_t)n < sizeof(sa.sun_path));
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		if (s < 0 ||
		    connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    read(s, &go, 1) != 1)
			_exit(1);
		_exit(0);
	}
	cs = accept(ls, NULL, NULL);
	assert_true(cs >= 0);
	keep = dup(STDIN_FILENO);
	assert_int_equal(dup2(cs, STDIN_FILENO), STDIN_FILENO);
	oc_audit_find_caller(&c);
	assert_int_equal(dup2(keep, STDIN_FILENO), STDIN_FILENO);
	close(keep);
	assert_int_equal(write(cs, "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(cs);
	close(ls);
	assert_false(c.socket);
	assert_int_equal(c.pid, getpid());
	assert_int_equal(c.uid, geteuid());
	assert_false(c.comm);
	/* This very program. */
	{
		char exe[4096];
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		assert_true(len > 0);
		exe[len] = '\0';
		assert_string_equal(c.exe, exe);
	}
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* A file: one line per noted call, after the time; nothing for a call
 * that noted nothing or took its note back; a missing directory is a
 * clear error. */
static void test_file_sink(void **state)
{
	struct oc_conf c = {0};
	struct oc_token *t = NULL;
	char path[512], err[512], got[4096];
	char first[4300], exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int keep = dup(STDIN_FILENO), null = open("/dev/null", O_RDONLY);
	const char *nl;

	(void)state;
	assert_true(n > 0 && keep >= 0 && null >= 0);
	exe[n] = '\0';
	snprintf(first, sizeof(first),
		 "Z " PREFIX "op=create result=CKR_OK vault=vault-1 "
		 "label=\"new path\" mech=- caller_pid=%ld caller_uid=%lu "
		 "caller_exe=%s via=process\n",
		 (long)getpid(), (unsigned long)geteuid(), exe);
	/* The caller is found at open: this process, fd 0 no socket. */
	assert_int_equal(dup2(null, STDIN_FILENO), STDIN_FILENO);
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	c.audit = OC_CONF_AUDIT_FILE;
	c.audit_file = path;
	assert_int_equal(oc_token_new(0, "vault-1", NULL, &t), CKR_OK);
	assert_int_equal(oc_audit_open(&c, err, sizeof(err)), OC_OK);
	assert_true(oc_audit_enabled());
	assert_int_equal(dup2(keep, STDIN_FILENO), STDIN_FILENO);
	close(keep);
	close(null);

	oc_audit_clear();
	oc_audit_note(OC_AUDIT_CREATE, t, "new path", 8, OC_AUDIT_NO_MECH);
	oc_audit_end(CKR_OK);
	oc_audit_end(CKR_OK); /* written once */
	oc_audit_note(OC_AUDIT_READ, t, "x", 1, OC_AUDIT_NO_MECH);
	oc_audit_cancel();
	oc_audit_end(CKR_OK);
	oc_audit_note(OC_AUDIT_READ, t, "y", 1, OC_AUDIT_NO_MECH);
	oc_audit_clear(); /* the next call starts */
	oc_audit_end(CKR_OK);
	oc_audit_note(OC_AUDIT_DESTROY, t, "gone", 4, OC_AUDIT_NO_MECH);
	oc_audit_end(CKR_ACTION_PROHIBITED);
	oc_audit_close();
	assert_false(oc_audit_enabled());
	oc_audit_note(OC_AUDIT_READ, t, "z", 1, OC_AUDIT_NO_MECH);
	oc_audit_end(CKR_OK); /* closed: nothing */

	slurp(path, got, sizeof(got));
	/* 2026-12-05T21:49:38.123Z */
	assert_int_equal(strspn(got, "0123456789"), 4);
	assert_int_equal(got[4], '-');
	assert_int_equal(got[10], 'T');
	assert_int_equal(got[19], '.');
	assert_int_equal(strspn(got + 20, "0123456789"), 3);
	assert_memory_equal(got + 23, first, strlen(first));
	nl = strchr(got, '\n');
	assert_non_null(nl);
	assert_non_null(strstr(nl + 1, "Z " PREFIX "op=destroy "
				       "result=CKR_ACTION_PROHIBITED "
				       "vault=vault-1 label=gone mech=-"));
	nl = strchr(nl + 1, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1, "");

	snprintf(path, sizeof(path), "%s/missing/audit.log", dir);
	err[0] = '\0';
	assert_int_equal(oc_audit_open(&c, err, sizeof(err)), OC_ERR_CONFIG);
	assert_false(oc_audit_enabled());
	assert_non_null(strstr(err, "audit: cannot open "));
	assert_non_null(strstr(err, "/missing/audit.log: No such file"));
	/* A symbolic link or a directory is refused. */
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("audit.log", path), 0);
	assert_int_equal(oc_audit_open(&c, err, sizeof(err)), OC_ERR_CONFIG);
	assert_non_null(strstr(err, "it is a symbolic link"));
	snprintf(path, sizeof(path), "%s", dir);
	assert_int_equal(oc_audit_open(&c, err, sizeof(err)), OC_ERR_CONFIG);
	/* Off: nothing is noted. */
	c.audit = OC_CONF_AUDIT_OFF;
	assert_int_equal(oc_audit_open(&c, err, sizeof(err)), OC_OK);
	assert_false(oc_audit_enabled());
	oc_token_free(t);
}

static int setup(void **state)
{
	(void)state;
	return oc_test_tmpdir("audit", dir, sizeof(dir));
}

static int teardown(void **state)
{
	(void)state;
	return oc_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_ops),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_cut),
	    cmocka_unit_test(test_caller_fields),
	    cmocka_unit_test(test_small_buffer),
	    cmocka_unit_test(test_caller_process),
	    cmocka_unit_test(test_caller_socket),
	    cmocka_unit_test(test_file_sink),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
