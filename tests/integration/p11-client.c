/* p11-client.c - a small PKCS#11 application for the module-*.sh tests.
 *
 * Loads the module with dlopen, as any application does, and runs one
 * command; results on stdout, CK_RV names on stderr.  Exit 0: done as
 * asked; 2: a PKCS#11 call failed; 1: a check failed; 64: usage.
 *
 *   p11-client MODULE init              C_Initialize/C_Finalize, the CK_RV
 *   p11-client MODULE slots             "ID<TAB>label" per slot
 *   p11-client MODULE session-slots     a session on the first slot (the
 *                                       stand-in lists the vaults), then
 *                                       "ID<TAB>label<TAB>slot description"
 *   p11-client MODULE read LABEL        the data object's value, raw
 *   p11-client MODULE rv-read LABEL     the CK_RV of finding + reading it
 *   p11-client MODULE deverr LABEL      read, then ulDeviceError
 *   p11-client MODULE threads N CYCLES shared|separate LABEL...
 *                                       N threads x CYCLES find-and-read
 *   p11-client MODULE crypt-threads N CYCLES
 *                                       N threads, a session each, x
 *                                       CYCLES C_Encrypt + C_Decrypt
 *                                       (CKM_ONECLAW_CMEK), in turn under
 *                                       the thread's own AES key and one
 *                                       all share; each cycle also checks
 *                                       that the other key's blob does not
 *                                       open; then each thread destroys
 *                                       its key, which must then be gone
 *   p11-client MODULE fork LABEL        fork detection and re-init
 *   p11-client MODULE decrypt LABEL     C_Decrypt(CKM_ONECLAW_CMEK) of it
 *   p11-client MODULE decrypt-file FILE C_Decrypt(CKM_ONECLAW_CMEK) of the
 *                                       bytes of FILE
 *   p11-client MODULE hmac LABEL        C_UnwrapKey it, HMAC-SHA256 of
 *                                       stdin with the key, hex
 *   p11-client MODULE write LABEL FILE  C_CreateObject(CKO_DATA)
 *   p11-client MODULE set LABEL FILE    C_SetAttributeValue(CKA_VALUE)
 *   p11-client MODULE copy LABEL NEW    C_CopyObject to a new path
 *   p11-client MODULE destroy LABEL     C_DestroyObject
 *   p11-client MODULE interface         C_GetInterfaceList/C_GetInterface
 *   p11-client MODULE protocol LABEL    buffer-size protocol checks
 *   p11-client MODULE stale LABEL       find, wait for a line on stdin,
 *                                       read: the CK_RV
 *   p11-client MODULE stale-write set|create LABEL FILE
 *                                       find LABEL (set) or list the
 *                                       slot's data objects (create),
 *                                       read the token's information,
 *                                       wait for a line on stdin, then
 *                                       write FILE: the CK_RV
 *   p11-client MODULE labels            CKA_LABEL of every data object,
 *                                       one per line; the count and the
 *                                       peak resident memory on stderr
 *   p11-client MODULE initargs LABEL    C_Initialize argument handling
 *   p11-client MODULE attr-rv CLASS LABEL ATTR...
 *                                       per attribute of the object of
 *                                       CLASS (privkey, pubkey, cert,
 *                                       data): "ATTR CK_RV [bytes]", the
 *                                       bytes (hex) only when 8 or fewer
 *                                       or of CKA_ID / CKA_SUBJECT, else
 *                                       "len=N"
 *   p11-client MODULE reload LABEL CYCLES
 *                                       load, initialise, read LABEL (and
 *                                       decrypt it when CMEK-sealed),
 *                                       finalise and unload, CYCLES
 *                                       times; prints mappings, locked
 *                                       and resident memory after the
 *                                       second and the last cycle; 1 when
 *                                       locked memory grew, or mappings
 *                                       by more than two (not judged
 *                                       when OC_RELOAD_LOCKED_ONLY is
 *                                       set)
 *   p11-client MODULE sign-rv LABEL MECH
 *                                       C_SignInit with the private key
 *                                       LABEL and mechanism MECH (a
 *                                       number, 0x... allowed): the CK_RV
 *   p11-client MODULE lookups LABEL...  in one session, each LABEL found
 *                                       and read ("LABEL found LEN" or
 *                                       "LABEL none"), then every data
 *                                       object ("all N"): 1 when one found
 *                                       is not there exactly once or its
 *                                       label finds another handle
 *   p11-client MODULE mech-info MECH    C_GetMechanismInfo of MECH (a
 *                                       number) on the first slot: the
 *                                       CK_RV and the flags in hex
 *
 * P11_CLIENT_PIN logs in with that PIN after opening a session;
 * P11_CLIENT_SLOT picks the slot (default: the first); P11_CLIENT_RO opens
 * read-only sessions only; P11_CLIENT_RESERVED is passed as pReserved. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "client-calls.h"
#include "oneclaw-pkcs11.h"

static CK_FUNCTION_LIST *f;

static int failed(const char *what, CK_RV rv)
{
	fprintf(stderr, "%s: %s\n", what, oc_client_rv_name(rv));
	return 2;
}

static CK_RV initialize(void)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};

	/* As p11-kit passes a module file's x-init-reserved. */
	args.pReserved = getenv("P11_CLIENT_RESERVED");
	return f->C_Initialize(&args);
}

static CK_RV first_slot(CK_SLOT_ID *slot)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	const char *env = getenv("P11_CLIENT_SLOT");
	CK_RV rv;

	if (env) {
		*slot = strtoul(env, NULL, 10);
		return CKR_OK;
	}
	rv = f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK)
		return rv;
	if (n == 0)
		return CKR_SLOT_ID_INVALID;
	*slot = ids[0];
	return CKR_OK;
}

static CK_RV open_session(bool rw, CK_SESSION_HANDLE *s)
{
	CK_SLOT_ID slot;
	const char *pin = getenv("P11_CLIENT_PIN");
	CK_RV rv = first_slot(&slot);

	if (rv != CKR_OK)
		return rv;
	if (getenv("P11_CLIENT_RO"))
		rw = false;
	rv = f->C_OpenSession(slot,
			      CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
			      NULL, NULL, s);
	if (rv != CKR_OK || !pin)
		return rv;
	rv = f->C_Login(*s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
	return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

static CK_RV find_one(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
		      const char *label, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ULONG n = 0;
	CK_RV rv = f->C_FindObjectsInit(s, t, 2);

	if (rv != CKR_OK)
		return rv;
	rv = f->C_FindObjects(s, h, 1, &n);
	f->C_FindObjectsFinal(s);
	if (rv == CKR_OK && n != 1)
		rv = CKR_OBJECT_HANDLE_INVALID;
	return rv;
}

static CK_RV read_label(CK_SESSION_HANDLE s, const char *label,
			unsigned char **out, CK_ULONG *len)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv = find_one(s, CKO_DATA, label, &h);

	return rv == CKR_OK ? oc_client_get_value(f, s, h, out, len) : rv;
}

static unsigned char *slurp(FILE *fp, size_t *len)
{
	size_t cap = 4096, n = 0, r;
	unsigned char *b = malloc(cap);

	while (b && (r = fread(b + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			unsigned char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	*len = n;
	return b;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b;

	if (!fp)
		return NULL;
	b = slurp(fp, len);
	fclose(fp);
	return b;
}

/* --- commands ------------------------------------------------------------ */

static int cmd_init(void)
{
	CK_RV rv = initialize();

	printf("%s\n", oc_client_rv_name(rv));
	if (rv == CKR_OK)
		f->C_Finalize(NULL);
	return rv == CKR_OK ? 0 : 2;
}

static int cmd_slots(void)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	CK_TOKEN_INFO ti;
	CK_RV rv = f->C_GetSlotList(CK_TRUE, ids, &n);

	if (rv != CKR_OK)
		return failed("C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		rv = f->C_GetTokenInfo(ids[i], &ti);
		if (rv != CKR_OK)
			return failed("C_GetTokenInfo", rv);
		printf("%lu\t%.32s\n", (unsigned long)ids[i], ti.label);
	}
	return 0;
}

static int cmd_session_slots(void)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_SLOT_INFO si;
	CK_RV rv = open_session(false, &s);

	if (rv != CKR_OK)
		return failed("C_OpenSession", rv);
	rv = f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK)
		return failed("C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		rv = f->C_GetTokenInfo(ids[i], &ti);
		if (rv == CKR_OK)
			rv = f->C_GetSlotInfo(ids[i], &si);
		if (rv != CKR_OK)
			return failed("C_GetTokenInfo", rv);
		printf("%lu\t%.32s\t%.64s\n", (unsigned long)ids[i], ti.label,
		       si.slotDescription);
	}
	f->C_CloseSession(s);
	return 0;
}

static int cmd_read(const char *label, bool rv_only, bool deverr)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	unsigned char *v = NULL;
	CK_ULONG len = 0;
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = read_label(s, label, &v, &len);
	if (rv_only) {
		printf("%s\n", oc_client_rv_name(rv));
		free(v);
		return 0;
	}
	if (deverr) {
		CK_RV r2 = f->C_GetSessionInfo(s, &si);

		if (r2 != CKR_OK)
			return failed("C_GetSessionInfo", r2);
		printf("%s %lu\n", oc_client_rv_name(rv),
		       (unsigned long)si.ulDeviceError);
		free(v);
		return 0;
	}
	if (rv != CKR_OK)
		return failed(label, rv);
	fwrite(v, 1, len, stdout);
	free(v);
	return 0;
}

struct worker {
	pthread_t th;
	int id;
	CK_SESSION_HANDLE shared;
	bool use_shared;
	long cycles;
	char **labels;
	int n_labels;
	unsigned char **expect;
	CK_ULONG *expect_len;
	long errors;
	CK_RV last;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	CK_SESSION_HANDLE s = w->shared;
	CK_RV rv;

	if (!w->use_shared) {
		rv = f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s);
		if (rv != CKR_OK) {
			w->errors++;
			w->last = rv;
			return NULL;
		}
	}
	for (long i = 0; i < w->cycles; i++) {
		int k = (int)((i + w->id) % w->n_labels);
		unsigned char *v = NULL;
		CK_ULONG len = 0;

		rv = read_label(s, w->labels[k], &v, &len);
		if (rv != CKR_OK) {
			w->errors++;
			w->last = rv;
		} else if (len != w->expect_len[k] ||
			   memcmp(v, w->expect[k], len) != 0) {
			w->errors++;
			w->last = CKR_GENERAL_ERROR;
		}
		free(v);
	}
	if (!w->use_shared)
		f->C_CloseSession(s);
	return NULL;
}

/* With a shared session, FindObjectsInit/Final of two threads would
 * interleave (a PKCS#11 session has one find at a time): the threads take
 * turns around each find, as an application sharing a session must. */
static pthread_mutex_t find_mu = PTHREAD_MUTEX_INITIALIZER;

static void *work_shared(void *arg)
{
	struct worker *w = arg;

	for (long i = 0; i < w->cycles; i++) {
		int k = (int)((i + w->id) % w->n_labels);
		CK_OBJECT_HANDLE h;
		unsigned char *v = NULL;
		CK_ULONG len = 0;
		CK_RV rv;

		pthread_mutex_lock(&find_mu);
		rv = find_one(w->shared, CKO_DATA, w->labels[k], &h);
		pthread_mutex_unlock(&find_mu);
		if (rv == CKR_OK)
			rv = oc_client_get_value(f, w->shared, h, &v, &len);
		if (rv != CKR_OK) {
			w->errors++;
			w->last = rv;
		} else if (len != w->expect_len[k] ||
			   memcmp(v, w->expect[k], len) != 0) {
			w->errors++;
			w->last = CKR_GENERAL_ERROR;
		}
		free(v);
	}
	return NULL;
}

static int cmd_threads(int n, long cycles, const char *mode, char **labels,
		       int n_labels)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	unsigned char **expect = calloc((size_t)n_labels, sizeof(*expect));
	CK_ULONG *expect_len = calloc((size_t)n_labels, sizeof(*expect_len));
	bool shared = strcmp(mode, "shared") == 0;
	CK_SESSION_HANDLE s;
	long errors = 0;
	CK_RV rv;

	if (!w || !expect || !expect_len)
		return 2;
	rv = open_session(false, &s);
	if (rv != CKR_OK)
		return failed("C_OpenSession", rv);
	for (int i = 0; i < n_labels; i++) {
		rv = read_label(s, labels[i], &expect[i], &expect_len[i]);
		if (rv != CKR_OK)
			return failed(labels[i], rv);
	}
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){.id = i,
				       .shared = s,
				       .use_shared = shared,
				       .cycles = cycles,
				       .labels = labels,
				       .n_labels = n_labels,
				       .expect = expect,
				       .expect_len = expect_len};
		pthread_create(&w[i].th, NULL, shared ? work_shared : work,
			       &w[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].errors)
			fprintf(stderr, "thread %d: %ld errors, last %s\n", i,
				w[i].errors, oc_client_rv_name(w[i].last));
		errors += w[i].errors;
	}
	f->C_CloseSession(s);
	printf("%d threads x %ld cycles (%s): %ld errors\n", n, cycles, mode,
	       errors);
	for (int i = 0; i < n_labels; i++)
		free(expect[i]);
	free(expect);
	free(expect_len);
	free(w);
	return errors ? 1 : 0;
}

/* A session AES key (CKM_ONECLAW_CMEK), random bytes. */
static CK_RV aes_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *k)
{
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	unsigned char raw[32];
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &sk, sizeof(sk)},     {CKA_KEY_TYPE, &aes, sizeof(aes)},
	    {CKA_VALUE, raw, sizeof(raw)},    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	CK_RV rv = f->C_GenerateRandom(s, raw, sizeof(raw));

	if (rv == CKR_OK)
		rv = f->C_CreateObject(s, t, sizeof(t) / sizeof(t[0]), k);
	memset(raw, 0, sizeof(raw));
	return rv;
}

static CK_RV cmek_crypt(CK_SESSION_HANDLE s, bool enc, CK_OBJECT_HANDLE k,
			const unsigned char *in, CK_ULONG n, unsigned char *out,
			CK_ULONG *out_len)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_RV rv =
	    enc ? f->C_EncryptInit(s, &m, k) : f->C_DecryptInit(s, &m, k);

	if (rv != CKR_OK)
		return rv;
	return enc ? f->C_Encrypt(s, (CK_BYTE *)in, n, out, out_len)
		   : f->C_Decrypt(s, (CK_BYTE *)in, n, out, out_len);
}

struct crypt_worker {
	pthread_t th;
	int id;
	long cycles;
	CK_OBJECT_HANDLE shared;
	long errors;
	CK_RV last;
	const char *what;
};

static void crypt_fail(struct crypt_worker *w, const char *what, CK_RV rv)
{
	w->errors++;
	w->last = rv;
	w->what = what;
}

/* One cycle under key `use`, whose blob must not open under `other`. */
static void crypt_cycle(struct crypt_worker *w, CK_SESSION_HANDLE s,
			CK_OBJECT_HANDLE use, CK_OBJECT_HANDLE other, long i)
{
	unsigned char msg[64], blob[128], out[128];
	CK_ULONG n = sizeof(blob), m = sizeof(out);
	CK_RV rv;
	int len =
	    snprintf((char *)msg, sizeof(msg), "thread %d cycle %ld", w->id, i);

	rv = cmek_crypt(s, true, use, msg, (CK_ULONG)len, blob, &n);
	if (rv != CKR_OK)
		return crypt_fail(w, "encrypt", rv);
	rv = cmek_crypt(s, false, use, blob, n, out, &m);
	if (rv != CKR_OK)
		return crypt_fail(w, "decrypt", rv);
	if (m != (CK_ULONG)len || memcmp(out, msg, m) != 0)
		return crypt_fail(w, "wrong plaintext", CKR_GENERAL_ERROR);
	m = sizeof(out);
	rv = cmek_crypt(s, false, other, blob, n, out, &m);
	if (rv != CKR_ENCRYPTED_DATA_INVALID)
		return crypt_fail(w, "another key's blob", rv);
}

static void *crypt_work(void *arg)
{
	struct crypt_worker *w = arg;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE own;
	unsigned char out[128];
	CK_ULONG m = sizeof(out);
	CK_RV rv = open_session(true, &s);

	if (rv == CKR_OK)
		rv = aes_key(s, &own);
	if (rv != CKR_OK) {
		crypt_fail(w, "setup", rv);
		return NULL;
	}
	for (long i = 0; i < w->cycles; i++) {
		if (i % 2)
			crypt_cycle(w, s, own, w->shared, i);
		else
			crypt_cycle(w, s, w->shared, own, i);
	}
	rv = f->C_DestroyObject(s, own);
	if (rv != CKR_OK)
		crypt_fail(w, "destroy", rv);
	rv = cmek_crypt(s, false, own, out, 40, out, &m);
	if (rv != CKR_KEY_HANDLE_INVALID)
		crypt_fail(w, "a destroyed key", rv);
	f->C_CloseSession(s);
	return NULL;
}

static int cmd_crypt_threads(int n, long cycles)
{
	struct crypt_worker *w = calloc((size_t)n, sizeof(*w));
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE shared;
	long errors = 0;
	CK_RV rv;

	if (!w)
		return 2;
	rv = open_session(true, &s);
	if (rv == CKR_OK)
		rv = aes_key(s, &shared);
	if (rv != CKR_OK) {
		free(w);
		return failed("shared key", rv);
	}
	for (int i = 0; i < n; i++) {
		w[i] = (struct crypt_worker){
		    .id = i, .cycles = cycles, .shared = shared};
		pthread_create(&w[i].th, NULL, crypt_work, &w[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].errors)
			fprintf(stderr, "thread %d: %ld errors, last %s: %s\n",
				i, w[i].errors, w[i].what,
				oc_client_rv_name(w[i].last));
		errors += w[i].errors;
	}
	f->C_CloseSession(s);
	printf("%d threads x %ld encrypt/decrypt cycles: %ld errors\n", n,
	       cycles, errors);
	free(w);
	return errors ? 1 : 0;
}

static int cmd_fork(const char *label)
{
	CK_SESSION_HANDLE s;
	unsigned char *v = NULL;
	CK_ULONG len;
	int status;
	pid_t pid;
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = read_label(s, label, &v, &len);
	if (rv != CKR_OK)
		return failed("parent read", rv);
	free(v);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		CK_SESSION_HANDLE cs;

		/* The parent's state is not the child's. */
		rv = read_label(s, label, &v, &len);
		if (rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
			fprintf(stderr, "child, before C_Initialize: %s\n",
				oc_client_rv_name(rv));
			_exit(1);
		}
		rv = f->C_Finalize(NULL);
		if (rv != CKR_CRYPTOKI_NOT_INITIALIZED) {
			fprintf(stderr, "child C_Finalize: %s\n",
				oc_client_rv_name(rv));
			_exit(1);
		}
		rv = initialize();
		if (rv == CKR_OK)
			rv = open_session(false, &cs);
		if (rv == CKR_OK)
			rv = read_label(cs, label, &v, &len);
		if (rv != CKR_OK) {
			fprintf(stderr, "child after C_Initialize: %s\n",
				oc_client_rv_name(rv));
			_exit(1);
		}
		free(v);
		f->C_Finalize(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		return 1;
	}
	/* The parent goes on with its own state. */
	rv = read_label(s, label, &v, &len);
	if (rv != CKR_OK)
		return failed("parent read after fork", rv);
	free(v);
	printf("fork: ok\n");
	return 0;
}

static CK_RV cmek_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *k)
{
	return find_one(s, CKO_SECRET_KEY, "cmek", k);
}

static int cmd_decrypt(const char *label)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	unsigned char *blob = NULL, *pt = NULL;
	CK_ULONG len = 0, pt_len = 0;
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = read_label(s, label, &blob, &len);
	if (rv == CKR_OK)
		rv = cmek_key(s, &k);
	if (rv == CKR_OK)
		rv = oc_client_cmek(f, s, k, false, blob, len, &pt, &pt_len);
	if (rv != CKR_OK) {
		free(blob);
		free(pt);
		return failed("decrypt", rv);
	}
	fwrite(pt, 1, pt_len, stdout);
	free(blob);
	free(pt);
	return 0;
}

static int cmd_decrypt_file(const char *file)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	size_t len = 0;
	unsigned char *blob = read_file(file, &len), *pt = NULL;
	CK_ULONG pt_len = 0;
	CK_RV rv;

	if (!blob)
		return 2;
	rv = open_session(false, &s);
	if (rv == CKR_OK)
		rv = cmek_key(s, &k);
	if (rv == CKR_OK)
		rv = oc_client_cmek(f, s, k, false, blob, len, &pt, &pt_len);
	free(blob);
	if (rv != CKR_OK) {
		free(pt);
		return failed("decrypt", rv);
	}
	fwrite(pt, 1, pt_len, stdout);
	free(pt);
	return 0;
}

static int cmd_hmac(const char *label)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM hm = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k, hk;
	unsigned char *blob = NULL, *data;
	unsigned char mac[32];
	CK_ULONG len = 0, mac_len = sizeof(mac);
	size_t n;
	CK_RV rv;

	data = slurp(stdin, &n);
	if (!data)
		return 2;
	rv = open_session(false, &s);
	if (rv == CKR_OK)
		rv = read_label(s, label, &blob, &len);
	if (rv == CKR_OK)
		rv = cmek_key(s, &k);
	if (rv == CKR_OK)
		rv = f->C_UnwrapKey(s, &m, k, blob, len, t, 3, &hk);
	if (rv == CKR_OK)
		rv = f->C_SignInit(s, &hm, hk);
	if (rv == CKR_OK)
		rv = f->C_Sign(s, data, n, mac, &mac_len);
	free(blob);
	free(data);
	if (rv != CKR_OK)
		return failed("hmac", rv);
	for (CK_ULONG i = 0; i < mac_len; i++)
		printf("%02x", mac[i]);
	printf("\n");
	return 0;
}

static int cmd_write(const char *label, const char *file, bool set)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	size_t n = 0;
	unsigned char *v = read_file(file, &n);
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, v, n},
	};
	CK_RV rv;

	if (!v)
		return 2;
	rv = open_session(true, &s);
	if (rv == CKR_OK && set) {
		rv = find_one(s, CKO_DATA, label, &h);
		if (rv == CKR_OK)
			rv = f->C_SetAttributeValue(s, h, &t[3], 1);
	} else if (rv == CKR_OK) {
		rv = f->C_CreateObject(s, t, 4, &h);
	}
	free(v);
	if (rv != CKR_OK)
		return failed(set ? "C_SetAttributeValue" : "C_CreateObject",
			      rv);
	return 0;
}

static int cmd_copy(const char *label, const char *to)
{
	CK_ATTRIBUTE t[] = {{CKA_LABEL, (void *)to, strlen(to)}};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, nh;
	CK_RV rv = open_session(true, &s);

	if (rv == CKR_OK)
		rv = find_one(s, CKO_DATA, label, &h);
	if (rv == CKR_OK)
		rv = f->C_CopyObject(s, h, t, 1, &nh);
	return rv == CKR_OK ? 0 : failed("C_CopyObject", rv);
}

static int cmd_destroy(const char *label)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_RV rv = open_session(true, &s);

	if (rv == CKR_OK)
		rv = find_one(s, CKO_DATA, label, &h);
	if (rv == CKR_OK)
		rv = f->C_DestroyObject(s, h);
	return rv == CKR_OK ? 0 : failed("C_DestroyObject", rv);
}

/* Finds LABEL, says "found", waits for a line on stdin (the test changes
 * the server meanwhile), then reads it: the CK_RV. */
static int cmd_stale(const char *label)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *v = NULL;
	CK_ULONG len;
	char line[16];
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = find_one(s, CKO_DATA, label, &h);
	if (rv != CKR_OK)
		return failed("find", rv);
	printf("found\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	rv = oc_client_get_value(f, s, h, &v, &len);
	free(v);
	printf("%s\n", oc_client_rv_name(rv));
	return 0;
}

static unsigned long app_locks;

static CK_RV app_create(CK_VOID_PTR_PTR m)
{
	pthread_mutex_t *mu = malloc(sizeof(*mu));

	if (!mu)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(mu, NULL);
	*m = mu;
	return CKR_OK;
}

static CK_RV app_destroy(CK_VOID_PTR m)
{
	pthread_mutex_destroy(m);
	free(m);
	return CKR_OK;
}

static CK_RV app_lock(CK_VOID_PTR m)
{
	__atomic_add_fetch(&app_locks, 1, __ATOMIC_RELAXED);
	return pthread_mutex_lock(m) ? CKR_MUTEX_BAD : CKR_OK;
}

static CK_RV app_unlock(CK_VOID_PTR m)
{
	return pthread_mutex_unlock(m) ? CKR_MUTEX_NOT_LOCKED : CKR_OK;
}

/* C_Initialize's arguments as the spec has them. */
static int cmd_initargs(const char *label)
{
	CK_C_INITIALIZE_ARGS a = {0};
	CK_SESSION_HANDLE s;
	unsigned char *v = NULL;
	CK_ULONG len;
	CK_RV rv;

#define EXPECT(call, want)                                                     \
	do {                                                                   \
		rv = (call);                                                   \
		if (rv != (want)) {                                            \
			fprintf(stderr, "%s: %s, want %s\n", #call,            \
				oc_client_rv_name(rv),                         \
				oc_client_rv_name(want));                      \
			return 1;                                              \
		}                                                              \
	} while (0)
	/* main() initialised already. */
	EXPECT(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	EXPECT(f->C_Finalize(&a), CKR_ARGUMENTS_BAD);
	EXPECT(f->C_Finalize(NULL), CKR_OK);
	EXPECT(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s),
	       CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Some callbacks but not all. */
	a.CreateMutex = app_create;
	EXPECT(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	/* No arguments at all. */
	EXPECT(f->C_Initialize(NULL), CKR_OK);
	EXPECT(f->C_Finalize(NULL), CKR_OK);
	/* The application's mutexes, without CKF_OS_LOCKING_OK: used. */
	a.DestroyMutex = app_destroy;
	a.LockMutex = app_lock;
	a.UnlockMutex = app_unlock;
	EXPECT(f->C_Initialize(&a), CKR_OK);
	EXPECT(open_session(false, &s), CKR_OK);
	EXPECT(read_label(s, label, &v, &len), CKR_OK);
	free(v);
	if (app_locks == 0) {
		fprintf(stderr, "the application's LockMutex was not used\n");
		return 1;
	}
	EXPECT(f->C_Finalize(NULL), CKR_OK);
	/* Callbacks and CKF_OS_LOCKING_OK: either may be used. */
	a.flags = CKF_OS_LOCKING_OK;
	EXPECT(f->C_Initialize(&a), CKR_OK);
	EXPECT(open_session(false, &s), CKR_OK);
	EXPECT(f->C_SeedRandom(s, (CK_BYTE *)"x", 1),
	       CKR_RANDOM_SEED_NOT_SUPPORTED);
	/* A digest under these locks: SHA-256("abc"). */
	EXPECT(f->C_DigestInit(s, &(CK_MECHANISM){CKM_SHA256, NULL, 0}),
	       CKR_OK);
	{
		static const unsigned char abc[32] = {
		    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		    0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		    0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
		unsigned char md[64];
		CK_ULONG md_len = sizeof(md);

		EXPECT(f->C_Digest(s, (CK_BYTE *)"abc", 3, md, &md_len),
		       CKR_OK);
		if (md_len != 32 || memcmp(md, abc, 32) != 0) {
			fprintf(stderr, "C_Digest: not SHA-256(abc)\n");
			return 1;
		}
	}
#undef EXPECT
	printf("initargs: ok (%lu application locks)\n", app_locks);
	return 0;
}

typedef struct {
	CK_UTF8CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} interface_t;

static int cmd_interface(void *dl)
{
	CK_RV (*list)(interface_t *, CK_ULONG *);
	CK_RV (*get)(CK_UTF8CHAR *, CK_VERSION *, interface_t **, CK_FLAGS);
	interface_t ifs[4], *one = NULL;
	CK_VERSION v3 = {3, 0};
	CK_ULONG n = 0;

	*(void **)&list = dlsym(dl, "C_GetInterfaceList");
	*(void **)&get = dlsym(dl, "C_GetInterface");
	if (!list || !get)
		return 1;
	if (list(NULL, &n) != CKR_OK || n != 1)
		return 1;
	n = 4;
	if (list(ifs, &n) != CKR_OK || n != 1 ||
	    strcmp((char *)ifs[0].pInterfaceName, "PKCS 11") != 0 ||
	    ifs[0].pFunctionList != f)
		return 1;
	if (get((CK_UTF8CHAR *)"PKCS 11", NULL, &one, 0) != CKR_OK || !one ||
	    one->pFunctionList != f)
		return 1;
	if (get(NULL, NULL, &one, 0) != CKR_OK)
		return 1;
	if (get((CK_UTF8CHAR *)"Vendor", NULL, &one, 0) != CKR_ARGUMENTS_BAD)
		return 1;
	if (get(NULL, &v3, &one, 0) != CKR_ARGUMENTS_BAD)
		return 1;
	printf("interfaces: ok\n");
	return 0;
}

/* The buffer-size protocol on C_GetAttributeValue, seen by a client. */
static int cmd_protocol(const char *label)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_OBJECT_CLASS cls = 0;
	unsigned char small[1];
	CK_ATTRIBUTE t[3] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_VALUE, small, sizeof(small)},
	    {0x7fff0000UL, NULL, 0},
	};
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = find_one(s, CKO_DATA, label, &h);
	if (rv != CKR_OK)
		return failed("find", rv);
	rv = f->C_GetAttributeValue(s, h, t, 3);
	if ((rv != CKR_BUFFER_TOO_SMALL && rv != CKR_ATTRIBUTE_TYPE_INVALID) ||
	    cls != CKO_DATA || t[0].ulValueLen != sizeof(cls) ||
	    t[1].ulValueLen != CK_UNAVAILABLE_INFORMATION ||
	    t[2].ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		fprintf(stderr, "protocol: %s, class %lu, lens %ld %ld %ld\n",
			oc_client_rv_name(rv), (unsigned long)cls,
			(long)t[0].ulValueLen, (long)t[1].ulValueLen,
			(long)t[2].ulValueLen);
		return 1;
	}
	printf("protocol: ok\n");
	return 0;
}

/* --- key objects (issue 7) ---------------------------------------------- */

#define ATTRS(x) x, &(#x)[4]
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name; /* without CKA_ */
} key_attrs[] = {
    {ATTRS(CKA_VALUE)},
    {ATTRS(CKA_PRIVATE_EXPONENT)},
    {ATTRS(CKA_PRIME_1)},
    {ATTRS(CKA_PRIME_2)},
    {ATTRS(CKA_EXPONENT_1)},
    {ATTRS(CKA_EXPONENT_2)},
    {ATTRS(CKA_COEFFICIENT)},
    {ATTRS(CKA_MODULUS)},
    {ATTRS(CKA_PUBLIC_EXPONENT)},
    {ATTRS(CKA_EC_PARAMS)},
    {ATTRS(CKA_EC_POINT)},
    {ATTRS(CKA_PUBLIC_KEY_INFO)},
    {ATTRS(CKA_SENSITIVE)},
    {ATTRS(CKA_ALWAYS_SENSITIVE)},
    {ATTRS(CKA_EXTRACTABLE)},
    {ATTRS(CKA_NEVER_EXTRACTABLE)},
    {ATTRS(CKA_ALWAYS_AUTHENTICATE)},
    {ATTRS(CKA_SIGN)},
    {ATTRS(CKA_DECRYPT)},
    {ATTRS(CKA_VERIFY)},
    {ATTRS(CKA_ENCRYPT)},
    {ATTRS(CKA_KEY_TYPE)},
    {ATTRS(CKA_ID)},
    {ATTRS(CKA_SUBJECT)},
};

static bool key_class(const char *name, CK_OBJECT_CLASS *cls)
{
	if (strcmp(name, "privkey") == 0)
		*cls = CKO_PRIVATE_KEY;
	else if (strcmp(name, "pubkey") == 0)
		*cls = CKO_PUBLIC_KEY;
	else if (strcmp(name, "cert") == 0)
		*cls = CKO_CERTIFICATE;
	else if (strcmp(name, "data") == 0)
		*cls = CKO_DATA;
	else
		return false;
	return true;
}

/* One attribute at a time, so each gets its own CK_RV.  Values are only
 * printed when short (flags, types) or when they name an object (CKA_ID,
 * CKA_SUBJECT): a key's bytes never reach stdout. */
static int cmd_attr_rv(const char *cname, const char *label, char **names,
		       int n)
{
	CK_OBJECT_CLASS cls;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	if (!key_class(cname, &cls)) {
		fprintf(stderr, "attr-rv: unknown class %s\n", cname);
		return 64;
	}
	rv = open_session(false, &s);
	if (rv == CKR_OK)
		rv = find_one(s, cls, label, &h);
	if (rv != CKR_OK)
		return failed("find", rv);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i];
		unsigned char small[8], id_buf[1024];
		unsigned char *buf = small;
		CK_ULONG max = sizeof(small);
		CK_ATTRIBUTE a = {0, NULL, 0};
		size_t k;

		if (strncmp(nm, "CKA_", 4) == 0)
			nm += 4;
		for (k = 0; k < sizeof(key_attrs) / sizeof(key_attrs[0]); k++)
			if (strcmp(key_attrs[k].name, nm) == 0)
				break;
		if (k == sizeof(key_attrs) / sizeof(key_attrs[0])) {
			fprintf(stderr, "attr-rv: unknown attribute %s\n",
				names[i]);
			return 64;
		}
		a.type = key_attrs[k].type;
		if (a.type == CKA_ID || a.type == CKA_SUBJECT) {
			buf = id_buf;
			max = sizeof(id_buf);
		}
		rv = f->C_GetAttributeValue(s, h, &a, 1);
		if (rv == CKR_OK && a.ulValueLen <= max) {
			a.pValue = buf;
			rv = f->C_GetAttributeValue(s, h, &a, 1);
		}
		printf("CKA_%s %s", key_attrs[k].name, oc_client_rv_name(rv));
		if (rv == CKR_OK && a.pValue) {
			printf(" ");
			for (CK_ULONG b = 0; b < a.ulValueLen; b++)
				printf("%02x", buf[b]);
		} else if (rv == CKR_OK) {
			printf(" len=%lu", (unsigned long)a.ulValueLen);
		}
		printf("\n");
	}
	return 0;
}

static int cmd_mech_info(const char *mech)
{
	CK_MECHANISM_INFO mi = {0, 0, 0};
	CK_MECHANISM_TYPE type;
	CK_SLOT_ID slot;
	char *end;
	CK_RV rv;

	type = strtoul(mech, &end, 0);
	if (*mech == '\0' || *end != '\0') {
		fprintf(stderr, "mech-info: bad mechanism %s\n", mech);
		return 64;
	}
	rv = first_slot(&slot);
	if (rv != CKR_OK)
		return failed("C_GetSlotList", rv);
	rv = f->C_GetMechanismInfo(slot, type, &mi);
	printf("%s 0x%lx\n", oc_client_rv_name(rv), (unsigned long)mi.flags);
	return 0;
}

static int cmd_sign_rv(const char *label, const char *mech)
{
	CK_MECHANISM m = {0, NULL, 0};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char in[32] = {0}, sig[1024];
	CK_ULONG sig_len = sizeof(sig);
	char *end;
	CK_RV rv;

	m.mechanism = strtoul(mech, &end, 0);
	if (*mech == '\0' || *end != '\0') {
		fprintf(stderr, "sign-rv: bad mechanism %s\n", mech);
		return 64;
	}
	rv = open_session(false, &s);
	if (rv == CKR_OK)
		rv = find_one(s, CKO_PRIVATE_KEY, label, &h);
	if (rv != CKR_OK)
		return failed("find", rv);
	rv = f->C_SignInit(s, &m, h);
	printf("%s\n", oc_client_rv_name(rv));
	/* Ends an operation that did start. */
	if (rv == CKR_OK)
		f->C_Sign(s, in, sizeof(in), sig, &sig_len);
	return 0;
}

/* The "Name:  N kB" figure of /proc/self/status, or -1. */
static long status_kb(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (fp)
		fclose(fp);
	return v;
}

static long mappings(void)
{
	long n = 0;
	int c;
	FILE *fp = fopen("/proc/self/maps", "r");

	if (!fp)
		return -1;
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/* One cycle of a host that loads the module for one job and unloads it. */
static int reload_once(const char *module, const char *label)
{
	CK_SESSION_HANDLE s;
	unsigned char *v = NULL, *pt = NULL;
	CK_ULONG len = 0, pt_len = 0;
	CK_OBJECT_HANDLE key;
	CK_RV rv;
	void *dl;

	f = oc_client_load(module, &dl);
	if (!f)
		return 2;
	rv = initialize();
	if (rv == CKR_OK)
		rv = open_session(false, &s);
	if (rv == CKR_OK)
		rv = read_label(s, label, &v, &len);
	/* A CMEK blob is opened inside the token, as applications do. */
	if (rv == CKR_OK && len > 0 && v[0] == 0x01 &&
	    find_one(s, CKO_SECRET_KEY, "cmek", &key) == CKR_OK)
		rv = oc_client_cmek(f, s, key, false, v, len, &pt, &pt_len);
	free(v);
	free(pt);
	if (rv != CKR_OK) {
		f->C_Finalize(NULL);
		dlclose(dl);
		return failed("reload", rv);
	}
	rv = f->C_Finalize(NULL);
	if (dlclose(dl) != 0) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		return 2;
	}
	return rv == CKR_OK ? 0 : failed("C_Finalize", rv);
}

static int cmd_reload(const char *module, const char *label, long cycles)
{
	long i, maps0 = 0, lck0 = 0, rss0 = 0, maps1, lck1, rss1;
	int rc;

	if (cycles < 3)
		return 64;
	for (i = 1; i <= cycles; i++) {
		rc = reload_once(module, label);
		if (rc)
			return rc;
		/* The first cycles load libraries that stay (libcrypto pins
		 * itself); growth is counted from the second. */
		if (i == 2) {
			maps0 = mappings();
			lck0 = status_kb("VmLck");
			rss0 = status_kb("VmRSS");
		}
	}
	maps1 = mappings();
	lck1 = status_kb("VmLck");
	rss1 = status_kb("VmRSS");
	printf("after cycle 2: %ld mappings, VmLck %ld kB, VmRSS %ld kB\n",
	       maps0, lck0, rss0);
	printf("after cycle %ld: %ld mappings, VmLck %ld kB, VmRSS %ld kB\n",
	       cycles, maps1, lck1, rss1);
	/* Two mappings of slack for the host's own allocator; what the
	 * module leaked per cycle would be more.  Valgrind's and the
	 * sanitizers' allocators map as they like: there only locked memory
	 * is judged (OC_RELOAD_LOCKED_ONLY), the plain run judges both. */
	if (getenv("OC_RELOAD_LOCKED_ONLY") && *getenv("OC_RELOAD_LOCKED_ONLY"))
		maps1 = maps0;
	if (maps0 < 0 || lck0 < 0 || maps1 > maps0 + 2 || lck1 > lck0) {
		printf("FAIL: mappings or locked memory grew across reloads\n");
		return 1;
	}
	return 0;
}

/* Every data object of the slot: handles first, then labels (a module
 * may refuse other calls on a session while a find is active). */
static int cmd_labels(void)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE *h = NULL, *nh;
	CK_ULONG n = 0, cap = 0, got;
	CK_SESSION_HANDLE s;
	char label[4096];
	CK_RV rv = open_session(false, &s);

	if (rv == CKR_OK)
		rv = f->C_FindObjectsInit(s, t, 1);
	if (rv != CKR_OK)
		return failed("C_FindObjectsInit", rv);
	do {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			nh = realloc(h, cap * sizeof(*h));
			if (!nh) {
				free(h);
				return failed("labels", CKR_HOST_MEMORY);
			}
			h = nh;
		}
		got = 0;
		rv = f->C_FindObjects(s, h + n, 4096, &got);
		n += got;
	} while (rv == CKR_OK && got > 0);
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK) {
		free(h);
		return failed("C_FindObjects", rv);
	}
	for (CK_ULONG i = 0; i < n; i++) {
		CK_ATTRIBUTE a = {CKA_LABEL, label, sizeof(label) - 1};

		rv = f->C_GetAttributeValue(s, h[i], &a, 1);
		if (rv != CKR_OK) {
			free(h);
			return failed("C_GetAttributeValue(CKA_LABEL)", rv);
		}
		printf("%.*s\n", (int)a.ulValueLen, label);
	}
	free(h);
	fprintf(stderr, "objects %lu\nVmHWM %ld kB\n", (unsigned long)n,
		status_kb("VmHWM"));
	return 0;
}

/* Every data object's handle into *out (malloc'd), their number in *n. */
static CK_RV all_data(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE **out, CK_ULONG *n)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE *h = NULL, *nh;
	CK_ULONG cap = 0, got = 0;
	CK_RV rv = f->C_FindObjectsInit(s, t, 1);

	*n = 0;
	while (rv == CKR_OK) {
		if (*n + 256 > cap) {
			cap += 1024;
			nh = realloc(h, cap * sizeof(*h));
			if (!nh) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			h = nh;
		}
		rv = f->C_FindObjects(s, h + *n, 256, &got);
		if (rv != CKR_OK || got == 0)
			break;
		*n += got;
	}
	f->C_FindObjectsFinal(s);
	if (rv != CKR_OK) {
		free(h);
		return rv;
	}
	*out = h;
	return CKR_OK;
}

/* Finds each label, one session: "LABEL found LEN" (the value read) or
 * "LABEL none"; then every data object ("all N"), where each one found
 * must show exactly once, and each label must still find the same
 * handle (1 when not). */
static int cmd_lookups(int argc, char **argv)
{
	CK_OBJECT_HANDLE found[16], *all = NULL;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0;
	unsigned char *v;
	CK_ULONG len;
	int bad = 0;
	CK_RV rv = open_session(false, &s);

	if (rv != CKR_OK)
		return failed("C_OpenSession", rv);
	if (argc > 16)
		return 64;
	for (int i = 0; i < argc; i++) {
		found[i] = CK_INVALID_HANDLE;
		rv = find_one(s, CKO_DATA, argv[i], &found[i]);
		if (rv == CKR_OBJECT_HANDLE_INVALID) {
			printf("%s none\n", argv[i]);
			continue;
		}
		if (rv == CKR_OK)
			rv = oc_client_get_value(f, s, found[i], &v, &len);
		if (rv != CKR_OK)
			return failed(argv[i], rv);
		free(v);
		printf("%s found %lu\n", argv[i], (unsigned long)len);
	}
	fflush(stdout);
	rv = all_data(s, &all, &n);
	if (rv != CKR_OK)
		return failed("find all", rv);
	printf("all %lu\n", (unsigned long)n);
	for (int i = 0; i < argc; i++) {
		CK_OBJECT_HANDLE again = CK_INVALID_HANDLE;
		CK_ULONG times = 0;

		for (CK_ULONG k = 0; k < n; k++)
			times += all[k] == found[i];
		rv = find_one(s, CKO_DATA, argv[i], &again);
		if (found[i] != CK_INVALID_HANDLE &&
		    (times != 1 || rv != CKR_OK || again != found[i])) {
			fprintf(stderr, "%s: %lu times in the list, %s\n",
				argv[i], (unsigned long)times,
				again == found[i] ? "same handle"
						  : "another handle");
			bad = 1;
		}
	}
	free(all);
	return bad;
}

/* The module lists the vault and reads its state (CKA_LABEL found, or
 * every data object, then C_GetTokenInfo); "found" on stdout; a line on
 * stdin (the test changes the server meanwhile); then the write: the
 * CK_RV on stdout. */
static int cmd_stale_write(const char *mode, const char *label,
			   const char *file)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE all[] = {{CKA_CLASS, &cls, sizeof(cls)}};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, any[16];
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0;
	size_t len = 0;
	unsigned char *v = read_file(file, &len);
	bool set = strcmp(mode, "set") == 0;
	char line[16];
	CK_RV rv;

	if (!v || (!set && strcmp(mode, "create") != 0)) {
		free(v);
		return 64;
	}
	rv = open_session(true, &s);
	if (rv == CKR_OK && set) {
		rv = find_one(s, CKO_DATA, label, &h);
	} else if (rv == CKR_OK) {
		rv = f->C_FindObjectsInit(s, all, 1);
		if (rv == CKR_OK) {
			rv = f->C_FindObjects(s, any, 16, &n);
			f->C_FindObjectsFinal(s);
		}
	}
	if (rv == CKR_OK)
		rv = f->C_GetSessionInfo(s, &si);
	if (rv == CKR_OK)
		rv = f->C_GetTokenInfo(si.slotID, &ti);
	if (rv != CKR_OK) {
		free(v);
		return failed("find", rv);
	}
	printf("found\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		free(v);
		return 1;
	}
	if (set) {
		CK_ATTRIBUTE a = {CKA_VALUE, v, len};

		rv = f->C_SetAttributeValue(s, h, &a, 1);
	} else {
		CK_ATTRIBUTE t[] = {
		    {CKA_CLASS, &cls, sizeof(cls)},
		    {CKA_TOKEN, &yes, sizeof(yes)},
		    {CKA_LABEL, (void *)label, strlen(label)},
		    {CKA_VALUE, v, len},
		};

		rv = f->C_CreateObject(s, t, 4, &h);
	}
	free(v);
	printf("%s\n", oc_client_rv_name(rv));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	void *dl;
	int rc;
	CK_RV rv;

	if (argc < 3) {
		fprintf(stderr, "usage: p11-client MODULE COMMAND [ARGS]\n");
		return 64;
	}
	cmd = argv[2];
	if (strcmp(cmd, "reload") == 0 && argc == 5)
		return cmd_reload(argv[1], argv[3], strtol(argv[4], NULL, 10));
	f = oc_client_load(argv[1], &dl);
	if (!f)
		return 2;
	if (strcmp(cmd, "init") == 0)
		return cmd_init();
	rv = initialize();
	if (rv != CKR_OK)
		return failed("C_Initialize", rv);
	if (strcmp(cmd, "slots") == 0)
		rc = cmd_slots();
	else if (strcmp(cmd, "session-slots") == 0)
		rc = cmd_session_slots();
	else if (strcmp(cmd, "read") == 0 && argc == 4)
		rc = cmd_read(argv[3], false, false);
	else if (strcmp(cmd, "rv-read") == 0 && argc == 4)
		rc = cmd_read(argv[3], true, false);
	else if (strcmp(cmd, "deverr") == 0 && argc == 4)
		rc = cmd_read(argv[3], false, true);
	else if (strcmp(cmd, "threads") == 0 && argc >= 7)
		rc = cmd_threads((int)strtol(argv[3], NULL, 10),
				 strtol(argv[4], NULL, 10), argv[5], argv + 6,
				 argc - 6);
	else if (strcmp(cmd, "crypt-threads") == 0 && argc == 5)
		rc = cmd_crypt_threads((int)strtol(argv[3], NULL, 10),
				       strtol(argv[4], NULL, 10));
	else if (strcmp(cmd, "fork") == 0 && argc == 4)
		rc = cmd_fork(argv[3]);
	else if (strcmp(cmd, "decrypt") == 0 && argc == 4)
		rc = cmd_decrypt(argv[3]);
	else if (strcmp(cmd, "decrypt-file") == 0 && argc == 4)
		rc = cmd_decrypt_file(argv[3]);
	else if (strcmp(cmd, "hmac") == 0 && argc == 4)
		rc = cmd_hmac(argv[3]);
	else if (strcmp(cmd, "write") == 0 && argc == 5)
		rc = cmd_write(argv[3], argv[4], false);
	else if (strcmp(cmd, "set") == 0 && argc == 5)
		rc = cmd_write(argv[3], argv[4], true);
	else if (strcmp(cmd, "copy") == 0 && argc == 5)
		rc = cmd_copy(argv[3], argv[4]);
	else if (strcmp(cmd, "destroy") == 0 && argc == 4)
		rc = cmd_destroy(argv[3]);
	else if (strcmp(cmd, "interface") == 0)
		rc = cmd_interface(dl);
	else if (strcmp(cmd, "stale") == 0 && argc == 4)
		rc = cmd_stale(argv[3]);
	else if (strcmp(cmd, "stale-write") == 0 && argc == 6)
		rc = cmd_stale_write(argv[3], argv[4], argv[5]);
	else if (strcmp(cmd, "labels") == 0)
		rc = cmd_labels();
	else if (strcmp(cmd, "initargs") == 0 && argc == 4)
		rc = cmd_initargs(argv[3]);
	else if (strcmp(cmd, "protocol") == 0 && argc == 4)
		rc = cmd_protocol(argv[3]);
	else if (strcmp(cmd, "attr-rv") == 0 && argc >= 6)
		rc = cmd_attr_rv(argv[3], argv[4], argv + 5, argc - 5);
	else if (strcmp(cmd, "sign-rv") == 0 && argc == 5)
		rc = cmd_sign_rv(argv[3], argv[4]);
	else if (strcmp(cmd, "mech-info") == 0 && argc == 4)
		rc = cmd_mech_info(argv[3]);
	else if (strcmp(cmd, "lookups") == 0 && argc >= 4)
		rc = cmd_lookups(argc - 3, argv + 3);
	else {
		fprintf(stderr, "p11-client: unknown command or arguments\n");
		rc = 64;
	}
	f->C_Finalize(NULL);
	return rc;
}
