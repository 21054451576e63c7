/* attack.c - see attack.h. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/client-calls.h"
#include "attack.h"

static void setup_failed(const char *what, CK_RV rv)
{
	fprintf(stderr, "attack set-up: %s: %s\n", what, oc_client_rv_name(rv));
	exit(2);
}

void atk_load(struct atk *a, const char *module)
{
	const char *rpc = getenv("ATK_RPC");

	memset(a, 0, sizeof(*a));
	a->rpc = rpc && *rpc;
	a->f = oc_client_load(module, &a->dl);
	if (!a->f)
		exit(2);
}

void atk_open(struct atk *a, const char *module)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	const char *want = getenv("ATK_SLOT");
	const char *pin = getenv("ATK_PIN");
	CK_RV rv;

	atk_load(a, module);
	rv = a->f->C_Initialize(&args);
	if (rv != CKR_OK)
		setup_failed("C_Initialize", rv);
	rv = a->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK || n == 0)
		setup_failed("C_GetSlotList (no slot?)", rv);
	a->slot = want ? strtoul(want, NULL, 0) : slots[0];
	rv = a->f->C_OpenSession(a->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				 NULL, NULL, &a->s);
	if (rv != CKR_OK)
		setup_failed("C_OpenSession", rv);
	if (pin) {
		rv = a->f->C_Login(a->s, CKU_USER, (CK_UTF8CHAR_PTR)pin,
				   strlen(pin));
		if (rv != CKR_OK)
			setup_failed("C_Login", rv);
	}
}

void atk_close(struct atk *a)
{
	if (a->f) {
		a->f->C_Finalize(NULL);
		a->f = NULL;
	}
	if (a->dl) {
		dlclose(a->dl);
		a->dl = NULL;
	}
}

CK_OBJECT_HANDLE atk_find(struct atk *a, CK_OBJECT_CLASS cls, const char *label,
			  bool may_miss)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;
	CK_RV rv;

	rv = a->f->C_FindObjectsInit(a->s, t, 2);
	if (rv == CKR_OK)
		rv = a->f->C_FindObjects(a->s, &h, 1, &n);
	a->f->C_FindObjectsFinal(a->s);
	if (rv != CKR_OK)
		setup_failed("C_FindObjects", rv);
	if (n == 0 && !may_miss) {
		fprintf(stderr,
			"attack set-up: no object of class %lu "
			"labelled %s\n",
			(unsigned long)cls, label);
		exit(2);
	}
	return n ? h : 0;
}

static void report(struct atk *a, const char *attack, bool held,
		   const char *got, const char *wanted)
{
	printf("attack %s: %s (%s", attack, got, held ? "held" : "BROKEN");
	if (!held && wanted)
		printf(", wanted %s", wanted);
	printf(")\n");
	fflush(stdout);
	if (!held)
		a->broken++;
}

bool atk_expect_any(struct atk *a, const char *attack, CK_RV rv,
		    const CK_RV *want, int n)
{
	bool held = false;

	for (int i = 0; i < n; i++)
		held = held || rv == want[i];
	report(a, attack, held, oc_client_rv_name(rv),
	       oc_client_rv_name(want[0]));
	return held;
}

bool atk_expect(struct atk *a, const char *attack, CK_RV rv, CK_RV want)
{
	return atk_expect_any(a, attack, rv, &want, 1);
}

bool atk_expect_mech(struct atk *a, const char *attack, CK_RV rv, CK_RV want)
{
	CK_RV any[] = {want, CKR_MECHANISM_INVALID};

	return atk_expect_any(a, attack, rv, any, a->rpc ? 2 : 1);
}

void atk_check(struct atk *a, const char *attack, bool held, const char *what)
{
	report(a, attack, held, what, NULL);
}

CK_RV atk_value(struct atk *a, CK_OBJECT_HANDLE h, unsigned char **out,
		CK_ULONG *len)
{
	return oc_client_get_value(a->f, a->s, h, out, len);
}

bool atk_contains(const unsigned char *p, CK_ULONG n, const char *needle)
{
	size_t k = strlen(needle);

	for (CK_ULONG i = 0; p && k && i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

int atk_done(struct atk *a)
{
	int broken = a->broken;

	atk_close(a);
	if (broken)
		fprintf(stderr, "%d attack(s) broke through\n", broken);
	return broken ? 1 : 0;
}
