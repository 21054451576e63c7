/* init-reserved.c - C_Initialize with a pReserved that is not a readable
 * string (google/pkcs11test's Init.InitArgsBadReserved passes (void *)1).
 * PKCS#11 wants pReserved NULL; p11-kit passes its x-init-reserved string
 * there, so the module reads it: the host must survive every bad pointer,
 * be told CKR_ARGUMENTS_BAD, and initialise normally afterwards.
 *
 *   init-reserved MODULE
 *
 * Each bad pointer is tried first in a child process, so that a crash is
 * reported as an attack that broke through rather than ending the run;
 * when no child crashed, the whole sequence runs again in this process and
 * ends with a normal initialisation and a session. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

struct bad {
	const char *name;
	void *p;
};

static CK_RV init_with(struct atk *a, void *reserved)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK,
				     .pReserved = reserved};
	CK_RV rv = a->f->C_Initialize(&args);

	if (rv == CKR_OK)
		a->f->C_Finalize(NULL);
	return rv;
}

/* In a child: the CK_RV, or false with *sig set when it died of one. */
static bool init_in_child(struct atk *a, void *reserved, CK_RV *rv, int *sig)
{
	int fd[2], st = 0;
	pid_t pid;

	*sig = 0;
	if (pipe(fd) != 0)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		CK_RV r;

		close(fd[0]);
		r = init_with(a, reserved);
		if (write(fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], rv, sizeof(*rv)) != (ssize_t)sizeof(*rv))
		*rv = CKR_GENERAL_ERROR;
	close(fd[0]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st)) {
		*sig = WTERMSIG(st);
		return false;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* A normal initialisation, a slot and a session. */
static void init_normally(struct atk *a)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_SESSION_HANDLE s = 0;
	CK_RV rv = a->f->C_Initialize(&args);

	if (rv == CKR_OK)
		rv = a->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv == CKR_OK && n == 0)
		rv = CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK)
		rv = a->f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL,
					 NULL, &s);
	if (rv == CKR_OK)
		rv = a->f->C_CloseSession(s);
	atk_expect(a, "then C_Initialize(NULL pReserved), a session", rv,
		   CKR_OK);
}

int main(int argc, char **argv)
{
	static char valid[] = "cache_ttl=60";
	static char ctrl[] = "cache_ttl=60\033[2J\001";
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *none, *two;
	char *longstr;
	struct bad bad[6];
	size_t nbad = 0;
	struct atk a;
	bool crashed = false;

	if (argc != 2) {
		fprintf(stderr, "usage: init-reserved MODULE\n");
		return 64;
	}
	atk_load(&a, argv[1]);

	/* A page that cannot be read at all. */
	none = mmap(NULL, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	/* A readable page of non-NUL bytes followed by one that is not. */
	two = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	longstr = malloc(3 * (size_t)pg);
	if (none == MAP_FAILED || two == MAP_FAILED || !longstr ||
	    mprotect(two + pg, (size_t)pg, PROT_NONE) != 0) {
		fprintf(stderr, "attack set-up: mmap\n");
		return 2;
	}
	memset(two, 'a', (size_t)pg);
	memset(longstr, 'a', 3 * (size_t)pg - 1);
	longstr[3 * (size_t)pg - 1] = '\0';

	bad[nbad++] = (struct bad){"pReserved=(void *)1", (void *)1};
	bad[nbad++] = (struct bad){"pReserved into a PROT_NONE page", none};
	bad[nbad++] = (struct bad){"pReserved 16 unterminated bytes before "
				   "an unreadable page",
				   two + pg - 16};
	bad[nbad++] = (struct bad){"pReserved a whole unterminated page before "
				   "an unreadable page",
				   two};
	bad[nbad++] =
	    (struct bad){"pReserved a string past the bound", longstr};
	bad[nbad++] = (struct bad){"pReserved with control bytes", ctrl};

	for (size_t i = 0; i < nbad; i++) {
		char what[160];
		CK_RV rv = CKR_OK;
		int sig = 0;

		snprintf(what, sizeof(what), "C_Initialize(%s)", bad[i].name);
		if (init_in_child(&a, bad[i].p, &rv, &sig)) {
			atk_expect(&a, what, rv, CKR_ARGUMENTS_BAD);
			continue;
		}
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 " in a child");
		atk_check(&a, what, false,
			  sig ? strsignal(sig) : "the child failed");
		crashed = true;
	}
	if (crashed)
		goto out;

	/* Again in this process: each refused, nothing left behind. */
	for (size_t i = 0; i < nbad; i++) {
		char what[160];

		snprintf(what, sizeof(what), "C_Initialize(%s), in process",
			 bad[i].name);
		atk_expect(&a, what, init_with(&a, bad[i].p),
			   CKR_ARGUMENTS_BAD);
	}
	atk_expect(&a, "C_Initialize(pReserved a key=value string)",
		   init_with(&a, valid), CKR_OK);
	init_normally(&a);
out:
	free(longstr);
	return atk_done(&a);
}
