/* soak-client.c - the PKCS#11 application of module-soak.sh.
 *
 *   soak-client MODULE SECONDS MANIFEST TOKEN FIXTURE...
 *
 * Loads the module with dlopen and, for SECONDS, runs four threads, each
 * with its own R/W session, mixing: find by label and find of every data
 * object, reads of CKA_VALUE (a CMEK blob), C_Decrypt(CKM_ONECLAW_CMEK)
 * of a read blob or of one the thread sealed with C_Encrypt, writes
 * (C_CreateObject CKO_DATA, a unique path each) and deletes
 * (C_DestroyObject) of the thread's own writes.  FIXTURE is LABEL=FILE: a
 * CMEK secret in the vault whose plaintext is FILE.  Every value written
 * starts with TOKEN (registered as a fixture secret by the script).
 *
 * Writes go to soak/K/tT-N, K cycling through a..d, so that the script
 * can aim a different fault at each K.  MANIFEST gets one line per write,
 * "STATE PATH HEXVALUE":
 *   P  acknowledged and not deleted (a failed delete leaves it so)
 *   D  acknowledged, then acknowledged deleted
 *   F  the write failed (whether it may be in the vault depends on the
 *      fault, which the script knows)
 *
 * Prints the figures: operations per kind by CK_RV, anomalies, RSS.
 * Exit 0: every CK_RV expected (CKR_OK, or CKR_DEVICE_ERROR for an
 * injected fault), every value right, every acknowledged write found,
 * memory flat; 1: a check failed;
 * 2: set-up failed; 64: usage. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <p11-kit/pkcs11.h>

#include "client-calls.h"
#include "oneclaw-pkcs11.h"

#define THREADS	      4
#define MAX_LIVE      24   /* own objects a thread keeps at most */
#define MAX_VALUE     2048 /* largest plaintext written */
#define MAX_FIXTURES  8
#define CMEK_OVERHEAD 29 /* version, IV, tag */
/* Memory: fail only on growth above both bounds (see main). */
#define RSS_GROWTH_PCT 20
#define RSS_GROWTH_MIN (4L << 20)

static CK_FUNCTION_LIST *f;

enum op {
	OP_FIND_LABEL,
	OP_FIND_ALL,
	OP_READ,
	OP_DECRYPT,
	OP_CRYPT,
	OP_WRITE,
	OP_DELETE,
	OP_KEY,
	N_OPS
};

static const char *const op_names[N_OPS] = {
    "find-label", "find-all", "read",	"decrypt",
    "crypt",	  "write",    "delete", "key",
};

/* The rows of the report: the codes a run may meet, then "other". */
static const CK_RV rv_rows[] = {
    CKR_OK,
    CKR_DEVICE_ERROR,
    CKR_HOST_MEMORY,
    CKR_GENERAL_ERROR,
    CKR_FUNCTION_FAILED,
    CKR_ARGUMENTS_BAD,
    CKR_ATTRIBUTE_VALUE_INVALID,
    CKR_ACTION_PROHIBITED,
    CKR_ENCRYPTED_DATA_INVALID,
    CKR_ENCRYPTED_DATA_LEN_RANGE,
    CKR_KEY_HANDLE_INVALID,
    CKR_OBJECT_HANDLE_INVALID,
    CKR_OPERATION_ACTIVE,
    CKR_OPERATION_NOT_INITIALIZED,
    CKR_SESSION_HANDLE_INVALID,
    CKR_SESSION_READ_ONLY,
    CKR_TEMPLATE_INCOMPLETE,
    CKR_TEMPLATE_INCONSISTENT,
    CKR_TOKEN_NOT_PRESENT,
    CKR_TOKEN_WRITE_PROTECTED,
    CKR_USER_NOT_LOGGED_IN,
    CKR_BUFFER_TOO_SMALL,
    CKR_CRYPTOKI_NOT_INITIALIZED,
};
#define N_RVS	 (sizeof(rv_rows) / sizeof(rv_rows[0]))
#define RV_OTHER N_RVS /* any other CK_RV */

static size_t rv_index(CK_RV rv)
{
	for (size_t i = 0; i < N_RVS; i++)
		if (rv_rows[i] == rv)
			return i;
	return RV_OTHER;
}

/* The only CK_RVs the injected faults may cause: the server's 5xx, 429
 * past the retry budget and broken connections are the device. */
static bool rv_expected(CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_DEVICE_ERROR;
}

struct fixture {
	char label[128];
	unsigned char *pt;
	size_t len;
};

/* A write of this thread that is (or may be) in the vault. */
struct rec {
	char path[64];
	unsigned char *v;
	size_t len;
};

struct worker {
	pthread_t th;
	int id;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	bool have_key;
	uint64_t rng;
	struct rec live[MAX_LIVE];
	int n_live;
	unsigned long seq;
	unsigned long counts[N_OPS][N_RVS + 1];
	CK_RV other_rv;	     /* the last CK_RV outside the table */
	unsigned long wrong; /* wrong values or lengths */
	unsigned long stale; /* an acknowledged write not found by label */
	unsigned long found_all;
};

static struct fixture fixtures[MAX_FIXTURES];
static int n_fixtures;
static const char *token;
static struct timespec deadline;
static FILE *manifest;
static pthread_mutex_t manifest_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t next(uint64_t *s)
{
	/* xorshift64*: reproducible test data, not cryptography. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static bool past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static long rss_bytes(void)
{
	long pages = 0, size = 0;
	FILE *fp;

#ifdef __GLIBC__
	/* Freed memory glibc keeps cached is not the module's. */
	malloc_trim(0);
#endif
	fp = fopen("/proc/self/statm", "r");
	if (!fp)
		return -1;
	if (fscanf(fp, "%ld %ld", &size, &pages) != 2)
		pages = -1;
	fclose(fp);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

static void count(struct worker *w, enum op op, CK_RV rv)
{
	size_t i = rv_index(rv);

	w->counts[op][i]++;
	if (i == RV_OTHER)
		w->other_rv = rv;
}

static void put_hex(FILE *fp, const unsigned char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%02x", v[i]);
}

static void record(char state, const char *path, const unsigned char *v,
		   size_t n)
{
	pthread_mutex_lock(&manifest_mu);
	fprintf(manifest, "%c %s ", state, path);
	put_hex(manifest, v, n);
	fputc('\n', manifest);
	pthread_mutex_unlock(&manifest_mu);
}

/* --- PKCS#11 helpers ----------------------------------------------------- */

/* Finds objects of class cls (and label, when given); *n gets how many
 * there were, *h the first. */
static CK_RV find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label,
		  CK_OBJECT_HANDLE *h, CK_ULONG *n)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, label ? strlen(label) : 0},
	};
	CK_OBJECT_HANDLE hs[64];
	CK_ULONG got = 0;
	CK_RV rv, rv2;

	*n = 0;
	rv = f->C_FindObjectsInit(s, t, label ? 2 : 1);
	if (rv != CKR_OK)
		return rv;
	do {
		rv = f->C_FindObjects(s, hs, 64, &got);
		if (rv == CKR_OK && got && *n == 0 && h)
			*h = hs[0];
		if (rv == CKR_OK)
			*n += got;
	} while (rv == CKR_OK && got == 64);
	rv2 = f->C_FindObjectsFinal(s);
	return rv != CKR_OK ? rv : rv2;
}

/* --- the operations ------------------------------------------------------ */

/* A target to read: one of the thread's own writes or a fixture. */
static void pick(struct worker *w, const char **label, const unsigned char **pt,
		 size_t *len, bool *own)
{
	uint64_t r = next(&w->rng);

	if (w->n_live && (r & 1)) {
		struct rec *x = &w->live[(r >> 1) % (uint64_t)w->n_live];

		*label = x->path;
		*pt = x->v;
		*len = x->len;
		*own = true;
		return;
	}
	*label = fixtures[(r >> 1) % (uint64_t)n_fixtures].label;
	*pt = fixtures[(r >> 1) % (uint64_t)n_fixtures].pt;
	*len = fixtures[(r >> 1) % (uint64_t)n_fixtures].len;
	*own = false;
}

/* Finds label, which must be there; 0 objects counts as stale. */
static CK_RV find_label(struct worker *w, const char *label,
			CK_OBJECT_HANDLE *h, bool *missing)
{
	CK_ULONG n = 0;
	CK_RV rv = find(w->s, CKO_DATA, label, h, &n);

	*missing = false;
	if (rv == CKR_OK && n != 1) {
		*missing = true;
		if (n == 0) {
			w->stale++;
		} else {
			fprintf(stderr, "thread %d: %lu objects labelled %s\n",
				w->id, (unsigned long)n, label);
			w->wrong++;
		}
	}
	return rv;
}

static void op_find_label(struct worker *w)
{
	const char *label;
	const unsigned char *pt;
	size_t len;
	CK_OBJECT_HANDLE h;
	bool own, missing;

	pick(w, &label, &pt, &len, &own);
	count(w, OP_FIND_LABEL, find_label(w, label, &h, &missing));
}

static void op_find_all(struct worker *w)
{
	CK_ULONG n = 0;
	CK_RV rv = find(w->s, CKO_DATA, NULL, NULL, &n);

	count(w, OP_FIND_ALL, rv);
	/* At least the fixtures and this thread's own writes. */
	if (rv == CKR_OK && n < (CK_ULONG)(n_fixtures + w->n_live))
		w->stale++;
	w->found_all += n;
}

/* Read (and with decrypt, open) a blob: the plaintext must come back. */
static void op_read(struct worker *w, bool decrypt)
{
	enum op op = decrypt ? OP_DECRYPT : OP_READ;
	const char *label;
	const unsigned char *pt;
	unsigned char *blob = NULL, *out = NULL;
	CK_ULONG blen = 0, olen = 0;
	CK_OBJECT_HANDLE h;
	size_t len;
	bool own, missing;
	CK_RV rv;

	pick(w, &label, &pt, &len, &own);
	rv = find_label(w, label, &h, &missing);
	if (rv != CKR_OK || missing) {
		count(w, op, rv);
		return;
	}
	rv = oc_client_get_value(f, w->s, h, &blob, &blen);
	if (rv == CKR_OK && (blen != len + CMEK_OVERHEAD || blob[0] != 0x01)) {
		fprintf(stderr,
			"thread %d: %s: a %lu-byte value, not the "
			"blob of %zu bytes\n",
			w->id, label, (unsigned long)blen, len);
		w->wrong++;
	} else if (rv == CKR_OK && decrypt) {
		rv = oc_client_cmek(f, w->s, w->key, false, blob, blen, &out,
				    &olen);
		if (rv == CKR_OK &&
		    (olen != len || memcmp(out, pt, len) != 0)) {
			fprintf(stderr,
				"thread %d: %s: C_Decrypt gave other "
				"bytes\n",
				w->id, label);
			w->wrong++;
		}
	}
	count(w, op, rv);
	free(blob);
	free(out);
}

/* Seal in the token, open again: no network, the same bytes. */
static void op_crypt(struct worker *w)
{
	unsigned char pt[256], *blob = NULL, *out = NULL;
	CK_ULONG blen = 0, olen = 0;
	size_t len = 1 + next(&w->rng) % sizeof(pt);
	CK_RV rv;

	for (size_t i = 0; i < len; i++)
		pt[i] = (unsigned char)next(&w->rng);
	rv = oc_client_cmek(f, w->s, w->key, true, pt, len, &blob, &blen);
	if (rv == CKR_OK)
		rv = oc_client_cmek(f, w->s, w->key, false, blob, blen, &out,
				    &olen);
	if (rv == CKR_OK && (olen != len || memcmp(out, pt, len) != 0)) {
		fprintf(stderr,
			"thread %d: C_Encrypt/C_Decrypt changed the "
			"bytes\n",
			w->id);
		w->wrong++;
	}
	count(w, OP_CRYPT, rv);
	free(blob);
	free(out);
}

static void op_write(struct worker *w)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h;
	struct rec x = {0};
	size_t prefix;
	bool binary;
	CK_RV rv;

	snprintf(x.path, sizeof(x.path), "soak/%c/t%d-%lu", "abcd"[w->seq % 4],
		 w -> id, w -> seq);
	w->seq++;
	/* TOKEN first, so a leak shows in the log scan; then text, or
	 * bytes that are not UTF-8 (carried as base64). */
	binary = next(&w->rng) % 4 == 0;
	x.len = strlen(token) + 48 + next(&w->rng) % (MAX_VALUE - 64);
	x.v = malloc(x.len);
	if (!x.v) {
		count(w, OP_WRITE, CKR_HOST_MEMORY);
		return;
	}
	prefix =
	    (size_t)snprintf((char *)x.v, x.len, "%s-%s-", token, x.path + 5);
	for (size_t i = prefix; i < x.len; i++) {
		uint64_t r = next(&w->rng);

		x.v[i] = binary ? (unsigned char)(0x80 | r)
				: (unsigned char)('a' + r % 26);
	}
	{
		CK_ATTRIBUTE t[] = {
		    {CKA_CLASS, &cls, sizeof(cls)},
		    {CKA_TOKEN, &yes, sizeof(yes)},
		    {CKA_LABEL, x.path, strlen(x.path)},
		    {CKA_VALUE, x.v, x.len},
		};

		rv = f->C_CreateObject(w->s, t, 4, &h);
	}
	count(w, OP_WRITE, rv);
	if (rv != CKR_OK) {
		record('F', x.path, x.v, x.len);
		free(x.v);
		return;
	}
	w->live[w->n_live++] = x;
}

static void op_delete(struct worker *w)
{
	int i = (int)(next(&w->rng) % (uint64_t)w->n_live);
	struct rec *x = &w->live[i];
	CK_OBJECT_HANDLE h;
	bool missing;
	CK_RV rv;

	rv = find_label(w, x->path, &h, &missing);
	if (rv == CKR_OK && missing)
		return; /* counted as stale; the write stays expected */
	if (rv == CKR_OK)
		rv = f->C_DestroyObject(w->s, h);
	count(w, OP_DELETE, rv);
	if (rv != CKR_OK)
		return; /* not deleted: still expected in the vault */
	record('D', x->path, x->v, x->len);
	free(x->v);
	w->live[i] = w->live[--w->n_live];
}

/* The token's CMEK key object (its listing may meet faults too). */
static void find_key(struct worker *w)
{
	CK_ULONG n = 0;
	CK_RV rv = find(w->s, CKO_SECRET_KEY, "cmek", &w->key, &n);

	count(w, OP_KEY, rv);
	w->have_key = rv == CKR_OK && n == 1;
	if (rv == CKR_OK && n != 1) {
		fprintf(stderr, "thread %d: %lu CMEK key objects\n", w->id,
			(unsigned long)n);
		w->wrong++;
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;

	while (!past(&deadline) && !w->wrong) {
		uint64_t r = next(&w->rng) % 100;

		if (!w->have_key) {
			find_key(w);
		} else if (w->n_live >= MAX_LIVE || (r < 15 && w->n_live > 0)) {
			op_delete(w);
		} else if (r < 35) {
			op_write(w);
		} else if (r < 50) {
			op_find_label(w);
		} else if (r < 55) {
			op_find_all(w);
		} else if (r < 72) {
			op_read(w, false);
		} else if (r < 90) {
			op_read(w, true);
		} else {
			op_crypt(w);
		}
	}
	return NULL;
}

/* --- set-up and report --------------------------------------------------- */

static int load_fixture(const char *arg)
{
	struct fixture *x = &fixtures[n_fixtures];
	const char *eq = strchr(arg, '=');
	FILE *fp;
	long n;

	if (!eq || n_fixtures == MAX_FIXTURES ||
	    (size_t)(eq - arg) >= sizeof(x->label))
		return -1;
	memcpy(x->label, arg, (size_t)(eq - arg));
	x->label[eq - arg] = '\0';
	fp = fopen(eq + 1, "rb");
	if (!fp)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0 ||
	    n > MAX_VALUE || fseek(fp, 0, SEEK_SET) != 0 ||
	    !(x->pt = malloc((size_t)n)) ||
	    fread(x->pt, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	x->len = (size_t)n;
	n_fixtures++;
	return 0;
}

static uint64_t seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	return s ? s : (uint64_t)time(NULL) | 1;
}

/* The table: one row per CK_RV seen, one column per operation.  Returns
 * how many operations ended with an unexpected CK_RV. */
static unsigned long report(struct worker *w)
{
	unsigned long sum[N_OPS][N_RVS + 1] = {{0}}, total[N_OPS] = {0};
	unsigned long bad = 0;
	CK_RV other = 0;

	for (int t = 0; t < THREADS; t++) {
		for (int o = 0; o < N_OPS; o++)
			for (size_t i = 0; i <= N_RVS; i++) {
				sum[o][i] += w[t].counts[o][i];
				total[o] += w[t].counts[o][i];
			}
		if (w[t].other_rv)
			other = w[t].other_rv;
	}
	printf("%-28s", "CK_RV \\ operation");
	for (int o = 0; o < N_OPS; o++)
		printf(" %10s", op_names[o]);
	printf("\n");
	for (size_t i = 0; i <= N_RVS; i++) {
		unsigned long row = 0;
		char name[40];

		for (int o = 0; o < N_OPS; o++)
			row += sum[o][i];
		if (!row)
			continue;
		if (i == RV_OTHER)
			snprintf(name, sizeof(name), "other (last 0x%lx)",
				 (unsigned long)other);
		else
			snprintf(name, sizeof(name), "%s",
				 oc_client_rv_name(rv_rows[i]));
		printf("%-28s", name);
		for (int o = 0; o < N_OPS; o++)
			printf(" %10lu", sum[o][i]);
		printf("%s\n", i == RV_OTHER || !rv_expected(rv_rows[i])
				   ? "   <- unexpected"
				   : "");
		if (i == RV_OTHER || !rv_expected(rv_rows[i]))
			bad += row;
	}
	printf("%-28s", "total");
	for (int o = 0; o < N_OPS; o++)
		printf(" %10lu", total[o]);
	printf("\n");
	return bad;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS];
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_SLOT_ID slots[8];
	CK_ULONG n_slots = 8;
	struct timespec warm;
	unsigned long bad, wrong = 0, stale = 0, live = 0;
	long seconds, rss0, rss1, growth;
	const char *san = getenv("OC_SANITIZED");
	bool sanitized = san != NULL && strcmp(san, "1") == 0;
	uint64_t s0;
	char *end;
	void *dl;
	CK_RV rv;
	int rc = 0;

	if (argc < 6) {
		fprintf(stderr, "usage: soak-client MODULE SECONDS MANIFEST "
				"TOKEN LABEL=FILE...\n");
		return 64;
	}
	errno = 0;
	seconds = strtol(argv[2], &end, 10);
	if (errno || *end || seconds < 2 || seconds > 120) {
		fprintf(stderr, "soak-client: SECONDS is 2..120\n");
		return 64;
	}
	token = argv[4];
	for (int i = 5; i < argc; i++)
		if (load_fixture(argv[i]) != 0) {
			fprintf(stderr, "soak-client: fixture %s\n", argv[i]);
			return 64;
		}
	manifest = fopen(argv[3], "w");
	if (!manifest) {
		perror(argv[3]);
		return 2;
	}

	f = oc_client_load(argv[1], &dl);
	if (!f)
		return 2;
	rv = f->C_Initialize(&args);
	if (rv == CKR_OK)
		rv = f->C_GetSlotList(CK_TRUE, slots, &n_slots);
	if (rv != CKR_OK || n_slots < 1) {
		fprintf(stderr,
			"soak-client: C_Initialize/C_GetSlotList: "
			"0x%lx\n",
			(unsigned long)rv);
		return 2;
	}

	s0 = seed();
	printf("soak: %d threads, %ld s, seed %llu\n", THREADS, seconds,
	       (unsigned long long)s0);
	memset(w, 0, sizeof(w));
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	warm = deadline;
	deadline.tv_sec += seconds;
	/* Warm-up: connections, tokens, caches and malloc arenas settle in
	 * the first sixth of the run (at least one second). */
	warm.tv_sec += seconds / 6 > 1 ? seconds / 6 : 1;
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].rng = s0 + 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
		rv = f->C_OpenSession(slots[0],
				      CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				      NULL, &w[i].s);
		if (rv != CKR_OK) {
			fprintf(stderr, "soak-client: C_OpenSession: 0x%lx\n",
				(unsigned long)rv);
			return 2;
		}
	}
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0)
			return 2;
	while (!past(&warm))
		nanosleep(&(struct timespec){0, 50000000L}, NULL);
	rss0 = rss_bytes();
	for (int i = 0; i < THREADS; i++)
		pthread_join(w[i].th, NULL);
	/* Sessions still open: the module holds what it held mid-run. */
	rss1 = rss_bytes();

	for (int i = 0; i < THREADS; i++) {
		wrong += w[i].wrong;
		stale += w[i].stale;
		for (int k = 0; k < w[i].n_live; k++) {
			record('P', w[i].live[k].path, w[i].live[k].v,
			       w[i].live[k].len);
			free(w[i].live[k].v);
			live++;
		}
		f->C_CloseSession(w[i].s);
	}
	bad = report(w);
	growth = rss1 - rss0;
	printf("acknowledged writes left in the vault: %lu\n", live);
	printf("wrong values: %lu; acknowledged writes not found: %lu\n", wrong,
	       stale);
	printf("RSS after warm-up %ld KiB, at the end %ld KiB (%+ld KiB)\n",
	       rss0 / 1024, rss1 / 1024, growth / 1024);
	if (bad) {
		printf("FAIL: %lu operations ended with an unexpected CK_RV\n",
		       bad);
		rc = 1;
	}
	if (wrong) {
		printf("FAIL: %lu wrong values\n", wrong);
		rc = 1;
	}
	/* A list or value fetched while another thread wrote or deleted
	 * must not hide an acknowledged write (p11/token.h). */
	if (stale) {
		printf("FAIL: %lu finds missed an acknowledged write\n", stale);
		rc = 1;
	}
	/* Memory: the module's state is bounded (each thread keeps at most
	 * MAX_LIVE objects; values are cached per object), so after the
	 * warm-up RSS stays flat up to allocator noise, measured well under
	 * 1 MiB.  A 60 s run makes some 5,000 operations (120 s: 10,000),
	 * so a leak of a value-sized 1 KiB per operation passes 4 MiB.
	 * Growth counts only above both bounds (20% of ~12 MiB is less than
	 * 4 MiB), so allocator noise never fails a run. */
	if (sanitized) {
		/* ASan's quarantine holds freed memory back on purpose. */
		printf("RSS not judged: sanitized build (OC_SANITIZED=1)\n");
	} else if (rss0 <= 0 || rss1 <= 0) {
		printf("FAIL: cannot read /proc/self/statm\n");
		rc = 1;
	} else if (growth > RSS_GROWTH_MIN &&
		   growth * 100 > rss0 * RSS_GROWTH_PCT) {
		printf("FAIL: RSS grew by more than %d%% and %ld MiB\n",
		       RSS_GROWTH_PCT, RSS_GROWTH_MIN >> 20);
		rc = 1;
	}
	if (fclose(manifest) != 0) {
		perror(argv[3]);
		rc = 2;
	}
	rv = f->C_Finalize(NULL);
	if (rv != CKR_OK) {
		printf("FAIL: C_Finalize: 0x%lx\n", (unsigned long)rv);
		rc = 1;
	}
	for (int i = 0; i < n_fixtures; i++)
		free(fixtures[i].pt);
	return rc;
}
