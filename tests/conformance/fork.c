/* fork.c - a child after fork() gets CKR_CRYPTOKI_NOT_INITIALIZED from
 * every call until it calls C_Initialize again, then works; the parent is
 * unaffected and goes on with the sessions, handles and connections it
 * had.  Run by fork.sh against a real oneclaw-vaultd.
 *
 * Usage: fork MODULE.so, with OC_CONF_PLAIN_PATH / OC_CONF_PLAIN_VALUE
 * (read before the fork) and OC_CONF_OTHER_PATH / OC_CONF_OTHER_VALUE
 * (first read after it, by both sides).  Prints one line per check and
 * "fork: N passed, N failed" at the end; exits 0 only when all passed. */
#include "config.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ck.h"

static CK_FUNCTION_LIST_PTR f;
static const char *who = "parent";
static int passed, failed;

static const char *rv_name(CK_RV rv)
{
	static char buf[32];

	switch (rv) {
	case CKR_OK:
		return "CKR_OK";
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return "CKR_CRYPTOKI_NOT_INITIALIZED";
	case CKR_CRYPTOKI_ALREADY_INITIALIZED:
		return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
	case CKR_SESSION_HANDLE_INVALID:
		return "CKR_SESSION_HANDLE_INVALID";
	case CKR_OBJECT_HANDLE_INVALID:
		return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_DEVICE_ERROR:
		return "CKR_DEVICE_ERROR";
	default:
		snprintf(buf, sizeof(buf), "0x%lx", (unsigned long)rv);
		return buf;
	}
}

static bool check_rv(const char *what, CK_RV got, CK_RV want)
{
	if (got == want) {
		passed++;
		printf("ok    %s: %s -> %s\n", who, what, rv_name(got));
		return true;
	}
	failed++;
	printf("FAIL  %s: %s: expected %s, got %s\n", who, what, rv_name(want),
	       rv_name(got));
	return false;
}

static bool check(const char *what, bool ok)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%s  %s: %s\n", ok ? "ok  " : "FAIL", who, what);
	return ok;
}

/* The data object labelled path, or CK_INVALID_HANDLE. */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE s, const char *path)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)path, strlen(path)},
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
		h = CK_INVALID_HANDLE;
	f->C_FindObjectsFinal(s);
	return h;
}

/* Reads the object's value and compares it with want. */
static void read_value(const char *what, CK_SESSION_HANDLE s,
		       CK_OBJECT_HANDLE h, const char *want)
{
	char buf[1024];
	CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof(buf)};

	if (!check_rv(what, f->C_GetAttributeValue(s, h, &a, 1), CKR_OK))
		return;
	check(what, a.ulValueLen == strlen(want) &&
			memcmp(buf, want, a.ulValueLen) == 0);
}

static CK_SLOT_ID first_slot(void)
{
	CK_SLOT_ID id = 0;
	CK_ULONG n = 1;

	check_rv("C_GetSlotList", f->C_GetSlotList(CK_TRUE, &id, &n), CKR_OK);
	check("one slot", n == 1);
	return id;
}

static int child(CK_SESSION_HANDLE ps, CK_OBJECT_HANDLE ph, const char *plain,
		 const char *pv, const char *other, const char *ov)
{
	CK_SLOT_ID id = 0, ids[4];
	CK_ULONG n = 4;
	CK_INFO info;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	char buf[64];
	CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof(buf)};

	who = "child";
	passed = failed = 0; /* the parent's checks are the parent's */
	/* Until it initialises again: not initialised, whatever it calls,
	 * its parent's sessions included. */
	check_rv("C_GetSlotList before C_Initialize",
		 f->C_GetSlotList(CK_TRUE, ids, &n),
		 CKR_CRYPTOKI_NOT_INITIALIZED);
	check_rv("C_GetInfo before C_Initialize", f->C_GetInfo(&info),
		 CKR_CRYPTOKI_NOT_INITIALIZED);
	check_rv("C_OpenSession before C_Initialize",
		 f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
		 CKR_CRYPTOKI_NOT_INITIALIZED);
	check_rv("C_GetAttributeValue on the parent's session",
		 f->C_GetAttributeValue(ps, ph, &a, 1),
		 CKR_CRYPTOKI_NOT_INITIALIZED);
	check_rv("C_Finalize before C_Initialize", f->C_Finalize(NULL),
		 CKR_CRYPTOKI_NOT_INITIALIZED);

	if (!check_rv("C_Initialize again", f->C_Initialize(NULL), CKR_OK))
		return 1;
	id = first_slot();
	if (!check_rv("C_OpenSession",
		      f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &s),
		      CKR_OK))
		return 1;
	h = find(s, plain);
	if (check("finds the secret read before the fork",
		  h != CK_INVALID_HANDLE))
		read_value("reads it", s, h, pv);
	h = find(s, other);
	if (check("finds another secret", h != CK_INVALID_HANDLE))
		read_value("reads that one", s, h, ov);
	check_rv("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("fork (child): %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *plain = getenv("OC_CONF_PLAIN_PATH");
	const char *pv = getenv("OC_CONF_PLAIN_VALUE");
	const char *other = getenv("OC_CONF_OTHER_PATH");
	const char *ov = getenv("OC_CONF_OTHER_VALUE");
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	CK_OBJECT_HANDLE h, h2;
	CK_SLOT_ID id;
	int status = 0;
	pid_t pid;
	void *dl;

	if (argc != 2 || !plain || !pv || !other || !ov) {
		fprintf(stderr, "usage: %s MODULE.so (run me from fork.sh)\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "fork: %s\n", dlerror());
		return 1;
	}
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	if (!gfl || gfl(&f) != CKR_OK)
		return 1;

	if (!check_rv("C_Initialize", f->C_Initialize(NULL), CKR_OK))
		return 1;
	id = first_slot();
	if (!check_rv("C_OpenSession",
		      f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &s),
		      CKR_OK))
		return 1;
	h = find(s, plain);
	if (!check("finds the secret", h != CK_INVALID_HANDLE))
		return 1;
	read_value("reads it before the fork", s, h, pv);
	/* A digest under way across the fork: the child frees its copy
	 * when it initialises again, the parent finishes it. */
	check_rv("C_DigestInit before the fork",
		 f->C_DigestInit(s, &(CK_MECHANISM){CKM_SHA256, NULL, 0}),
		 CKR_OK);
	check_rv("C_DigestUpdate before the fork",
		 f->C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2), CKR_OK);

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(child(s, h, plain, pv, other, ov));

	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	check("the child exited cleanly",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent: same session, same handles, same connection. */
	check_rv("C_GetSessionInfo after the fork", f->C_GetSessionInfo(s, &si),
		 CKR_OK);
	read_value("reads it again after the fork", s, h, pv);
	{
		/* SHA-256("abc"), begun before the fork. */
		static const unsigned char abc[32] = {
		    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		    0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		    0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
		unsigned char md[32];
		CK_ULONG md_len = sizeof(md);

		check_rv("C_DigestUpdate after the fork",
			 f->C_DigestUpdate(s, (CK_BYTE_PTR) "c", 1), CKR_OK);
		if (check_rv("C_DigestFinal after the fork",
			     f->C_DigestFinal(s, md, &md_len), CKR_OK))
			check("the digest spans the fork",
			      md_len == 32 && memcmp(md, abc, 32) == 0);
	}
	h2 = find(s, other);
	if (check("finds another secret after the fork",
		  h2 != CK_INVALID_HANDLE))
		read_value("reads it (a new request)", s, h2, ov);
	check_rv("C_Initialize is still done", f->C_Initialize(NULL),
		 CKR_CRYPTOKI_ALREADY_INITIALIZED);
	check_rv("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("fork: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
