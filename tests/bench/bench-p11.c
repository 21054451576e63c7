/* bench-p11.c - shared helpers of the PKCS#11 benchmarks. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-p11.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *what, CK_RV rv)
{
	fprintf(stderr, "%s: %s failed: CK_RV 0x%lx\n",
		program_invocation_short_name, what, (unsigned long)rv);
	exit(1);
}

CK_FUNCTION_LIST_PTR bench_p11_load(const char *path, void **dl)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args;
	CK_FUNCTION_LIST_PTR f = NULL;
	CK_RV rv;

	*dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (*dl == NULL) {
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
			dlerror());
		exit(1);
	}
	get = (CK_C_GetFunctionList)dlsym(*dl, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK)
		bench_die("C_GetFunctionList", CKR_GENERAL_ERROR);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = f->C_Initialize(&args);
	if (rv != CKR_OK)
		bench_die("C_Initialize", rv);
	return f;
}

CK_SLOT_ID bench_p11_find_slot(CK_FUNCTION_LIST_PTR f, const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_RV rv;

	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		bench_die("C_GetSlotList", rv);
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		size_t len;

		if (label == NULL)
			return slots[i];
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		len = strlen(label);
		if (len <= sizeof(ti.label) &&
		    memcmp(ti.label, label, len) == 0 &&
		    (len == sizeof(ti.label) || ti.label[len] == ' '))
			return slots[i];
	}
	bench_die("finding the token", CKR_TOKEN_NOT_PRESENT);
}
