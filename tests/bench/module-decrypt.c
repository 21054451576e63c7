/* module-decrypt.c - C_Decrypt throughput of the module, with
 * CKM_ONECLAW_CMEK on the blob and with CKM_AES_GCM (a CK_GCM_PARAMS
 * naming the blob's IV) on its ciphertext and tag, both on the vault's CMEK
 * key object, beside raw OpenSSL EVP AES-256-GCM and SoftHSM2's
 * C_Decrypt(CKM_AES_GCM) on the same blobs, 1 and 2 threads (one session
 * each), in the same run.  Printed, never asserted; a wrong plaintext is an
 * error (exit 1), not a timing.
 *
 *   module-decrypt MODULE SOFTHSM_SO TOKEN_LABEL PIN_FILE KEY_HEX [SECONDS]
 *
 * The module is configured by the environment (a vault whose CMEK key is
 * KEY_HEX); SoftHSM2 by SOFTHSM2_CONF with an initialised token.  Each
 * cell runs SECONDS (default 1.0) in ROUNDS rounds, each of which runs
 * every cell, and reports its best, so that load from elsewhere on the
 * machine hits all alike.  MODULE "-" leaves the module out (to measure
 * the baselines alone). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include "bench-p11.h"

#include "oneclaw-pkcs11.h"

#define MAX_THREADS 2
#define IV_LEN	    12
#define TAG_LEN	    16
#define ROUNDS	    5

enum impl { IMPL_OPENSSL, IMPL_MODULE, IMPL_MODULE_GCM, IMPL_SOFTHSM, N_IMPL };
static const char *const impl_name[N_IMPL] = {"openssl", "module CMEK",
					      "module GCM", "softhsm2"};

struct p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE sess[MAX_THREADS];
	CK_OBJECT_HANDLE key;
};

struct job {
	enum impl impl;
	int thread;
	const unsigned char *blob; /* 01 || iv || ct || tag */
	size_t blob_len;
	const unsigned char *pt;
	size_t pt_len;
	double seconds;
	unsigned long ops;
	int error;
};

static struct p11 mod, hsm;
static unsigned char key[32];
static EVP_CIPHER *aes_gcm;
static pthread_barrier_t start_line;

static int parse_hex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (strlen(s) != n * 2)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

static void open_sessions(struct p11 *p, CK_SLOT_ID slot)
{
	int i;
	CK_RV rv;

	for (i = 0; i < MAX_THREADS; i++) {
		rv = p->f->C_OpenSession(slot,
					 CKF_SERIAL_SESSION | CKF_RW_SESSION,
					 NULL, NULL, &p->sess[i]);
		if (rv != CKR_OK)
			bench_die("C_OpenSession", rv);
	}
}

static void setup_module(const char *path)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	char label[] = "cmek";
	CK_ATTRIBUTE tpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, label, sizeof(label) - 1},
	};
	CK_ULONG n = 0;
	CK_RV rv;

	mod.f = bench_p11_load(path, &mod.dl);
	open_sessions(&mod, bench_p11_find_slot(mod.f, NULL));
	rv = mod.f->C_FindObjectsInit(mod.sess[0], tpl, 2);
	if (rv == CKR_OK)
		rv = mod.f->C_FindObjects(mod.sess[0], &mod.key, 1, &n);
	mod.f->C_FindObjectsFinal(mod.sess[0]);
	if (rv != CKR_OK || n != 1)
		bench_die("finding the module's CMEK key", rv);
}

static void setup_softhsm(const char *path, const char *token,
			  const char *pin_file)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	    {CKA_VALUE, key, sizeof(key)},
	};
	char pin[64];
	FILE *f;
	size_t len;
	CK_RV rv;

	f = fopen(pin_file, "r");
	if (f == NULL || fgets(pin, sizeof(pin), f) == NULL) {
		fprintf(stderr, "module-decrypt: cannot read %s\n", pin_file);
		exit(1);
	}
	fclose(f);
	len = strcspn(pin, "\r\n");
	pin[len] = '\0';
	hsm.f = bench_p11_load(path, &hsm.dl);
	open_sessions(&hsm, bench_p11_find_slot(hsm.f, token));
	rv = hsm.f->C_Login(hsm.sess[0], CKU_USER, (CK_UTF8CHAR_PTR)pin, len);
	if (rv != CKR_OK)
		bench_die("SoftHSM C_Login", rv);
	/* A session object: visible to every session of this process. */
	rv = hsm.f->C_CreateObject(hsm.sess[0], tpl,
				   sizeof(tpl) / sizeof(tpl[0]), &hsm.key);
	if (rv != CKR_OK)
		bench_die("SoftHSM C_CreateObject", rv);
}

static int op_openssl(EVP_CIPHER_CTX *ctx, const struct job *j,
		      unsigned char *out, size_t *out_len)
{
	const unsigned char *iv = j->blob + 1;
	const unsigned char *ct = j->blob + 1 + IV_LEN;
	size_t ct_len = j->blob_len - 1 - IV_LEN - TAG_LEN;
	int n = 0, m = 0;

	/* The cipher is bound once per context (run()); re-keying alone
	 * avoids a shared reference count bouncing between threads. */
	if (!EVP_DecryptInit_ex2(ctx, NULL, key, iv, NULL) ||
	    !EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				 (void *)(ct + ct_len)) ||
	    !EVP_DecryptFinal_ex(ctx, out + n, &m))
		return -1;
	*out_len = (size_t)(n + m);
	return 0;
}

static int op_module_cmek(const struct job *j, unsigned char *out,
			  size_t *out_len)
{
	CK_MECHANISM mech = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_SESSION_HANDLE s = mod.sess[j->thread];
	CK_ULONG n = j->blob_len;
	CK_RV rv;

	rv = mod.f->C_DecryptInit(s, &mech, mod.key);
	if (rv == CKR_OK)
		rv = mod.f->C_Decrypt(s, (CK_BYTE_PTR)j->blob, j->blob_len, out,
				      &n);
	if (rv != CKR_OK) {
		fprintf(stderr, "module-decrypt: module C_Decrypt: 0x%lx\n",
			(unsigned long)rv);
		return -1;
	}
	*out_len = n;
	return 0;
}

/* C_Decrypt(CKM_AES_GCM) of the blob's ciphertext and tag under its IV. */
static int op_gcm(struct p11 *p, const struct job *j, unsigned char *out,
		  size_t *out_len)
{
	CK_GCM_PARAMS gcm;
	CK_MECHANISM mech = {CKM_AES_GCM, &gcm, sizeof(gcm)};
	CK_SESSION_HANDLE s = p->sess[j->thread];
	CK_ULONG n = j->blob_len;
	CK_RV rv;

	memset(&gcm, 0, sizeof(gcm));
	gcm.pIv = (CK_BYTE_PTR)(j->blob + 1);
	gcm.ulIvLen = IV_LEN;
	gcm.ulIvBits = IV_LEN * 8;
	gcm.ulTagBits = TAG_LEN * 8;
	rv = p->f->C_DecryptInit(s, &mech, p->key);
	if (rv == CKR_OK)
		rv = p->f->C_Decrypt(s, (CK_BYTE_PTR)(j->blob + 1 + IV_LEN),
				     j->blob_len - 1 - IV_LEN, out, &n);
	if (rv != CKR_OK) {
		fprintf(stderr,
			"module-decrypt: %s C_Decrypt(CKM_AES_GCM): "
			"0x%lx\n",
			p == &mod ? "module" : "SoftHSM", (unsigned long)rv);
		return -1;
	}
	*out_len = n;
	return 0;
}

static void *run(void *arg)
{
	struct job *j = arg;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned char *out = malloc(j->blob_len);
	unsigned long ops = 0; /* local: no false sharing between threads */
	double end;
	size_t n = 0;
	int r = 0;

	if (ctx == NULL || out == NULL ||
	    !EVP_DecryptInit_ex2(ctx, aes_gcm, NULL, NULL, NULL)) {
		j->error = 1;
		pthread_barrier_wait(&start_line);
		goto out;
	}
	pthread_barrier_wait(&start_line);
	end = bench_now() + j->seconds;
	do {
		switch (j->impl) {
		case IMPL_OPENSSL:
			r = op_openssl(ctx, j, out, &n);
			break;
		case IMPL_MODULE:
			r = op_module_cmek(j, out, &n);
			break;
		case IMPL_MODULE_GCM:
			r = op_gcm(&mod, j, out, &n);
			break;
		default:
			r = op_gcm(&hsm, j, out, &n);
			break;
		}
		if (r != 0 || n != j->pt_len ||
		    memcmp(out, j->pt, j->pt_len) != 0) {
			j->error = 1;
			break;
		}
		ops++;
	} while (bench_now() < end);
	j->ops = ops;
out:
	free(out);
	EVP_CIPHER_CTX_free(ctx);
	return NULL;
}

/* ops per second of impl on blob with nthreads threads. */
static double cell(enum impl impl, int nthreads, const unsigned char *blob,
		   size_t blob_len, const unsigned char *pt, size_t pt_len,
		   double seconds)
{
	pthread_t th[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	unsigned long ops = 0;
	double t0, t;
	int i;

	pthread_barrier_init(&start_line, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		jobs[i] = (struct job){impl,   i,	blob, blob_len, pt,
				       pt_len, seconds, 0,    0};
		if (pthread_create(&th[i], NULL, run, &jobs[i]) != 0) {
			fprintf(stderr, "module-decrypt: pthread_create\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&start_line);
	t0 = bench_now();
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].error) {
			fprintf(stderr,
				"module-decrypt: %s gave a wrong result\n",
				impl_name[impl]);
			exit(1);
		}
		ops += jobs[i].ops;
	}
	t = bench_now() - t0;
	pthread_barrier_destroy(&start_line);
	return (double)ops / t;
}

static int seal(const unsigned char *pt, size_t pt_len, unsigned char *blob)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	blob[0] = 0x01;
	ok = ctx != NULL && RAND_bytes(blob + 1, IV_LEN) == 1 &&
	     EVP_EncryptInit_ex2(ctx, aes_gcm, key, blob + 1, NULL) &&
	     EVP_EncryptUpdate(ctx, blob + 1 + IV_LEN, &n, pt, (int)pt_len) &&
	     EVP_EncryptFinal_ex(ctx, blob + 1 + IV_LEN + n, &m) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				 blob + 1 + IV_LEN + n + m);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int is_module(int impl)
{
	return impl == IMPL_MODULE || impl == IMPL_MODULE_GCM;
}

static const char *size_name(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu B", n);
	return buf;
}

#define N_SIZES 4

int main(int argc, char **argv)
{
	static const size_t sizes[N_SIZES] = {64, 1024, 64 * 1024, 1024 * 1024};
	static double r[N_SIZES][N_IMPL][MAX_THREADS + 1];
	unsigned char *pt[N_SIZES], *blob[N_SIZES];
	double seconds = 1.0;
	size_t s;
	int i, t, round;

	if (argc < 6 || parse_hex(argv[5], key, sizeof(key)) != 0) {
		fprintf(stderr, "usage: module-decrypt MODULE SOFTHSM_SO "
				"TOKEN_LABEL PIN_FILE KEY_HEX [SECONDS]\n");
		return 2;
	}
	if (argc > 6) {
		char *end;

		errno = 0;
		seconds = strtod(argv[6], &end);
		if (errno != 0 || *end != '\0' || seconds <= 0 || seconds > 60)
			seconds = 1.0;
	}
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (aes_gcm == NULL)
		bench_die("EVP_CIPHER_fetch", CKR_GENERAL_ERROR);
	if (strcmp(argv[1], "-") != 0)
		setup_module(argv[1]);
	setup_softhsm(argv[2], argv[3], argv[4]);
	for (s = 0; s < N_SIZES; s++) {
		pt[s] = malloc(sizes[s]);
		blob[s] = malloc(sizes[s] + 29);
		if (pt[s] == NULL || blob[s] == NULL ||
		    RAND_bytes(pt[s], (int)sizes[s]) != 1 ||
		    seal(pt[s], sizes[s], blob[s]) != 0)
			bench_die("making a blob", CKR_HOST_MEMORY);
	}

	/* The best of rounds that each run every cell: load from elsewhere
	 * on the machine hits all alike. */
	for (round = 0; round < ROUNDS; round++) {
		for (s = 0; s < N_SIZES; s++) {
			for (t = 1; t <= MAX_THREADS; t++) {
				for (i = 0; i < N_IMPL; i++) {
					double v;

					if (is_module(i) && mod.f == NULL)
						continue;
					v = cell((enum impl)i, t, blob[s],
						 sizes[s] + 29, pt[s], sizes[s],
						 seconds / ROUNDS);
					if (v > r[s][i][t])
						r[s][i][t] = v;
				}
			}
		}
	}

	printf("C_Decrypt, same blobs for all: %.1f s per cell (best of %d "
	       "interleaved rounds), one session per thread\n\n",
	       seconds, ROUNDS);
	printf("%-8s %-12s %3s %12s %10s %9s\n", "size", "impl", "thr", "ops/s",
	       "MB/s", "x openssl");
	for (s = 0; s < N_SIZES; s++) {
		char name[32];

		size_name(sizes[s], name, sizeof(name));
		for (t = 1; t <= MAX_THREADS; t++) {
			for (i = 0; i < N_IMPL; i++) {
				if (r[s][i][t] <= 0)
					continue;
				printf("%-8s %-12s %3d %12.0f %10.1f %9.2f\n",
				       name, impl_name[i], t, r[s][i][t],
				       r[s][i][t] * (double)sizes[s] / 1e6,
				       r[s][i][t] / r[s][IMPL_OPENSSL][t]);
			}
		}
		printf("%-8s 2thr/1thr:", name);
		for (i = 0; i < N_IMPL; i++)
			if (r[s][i][1] > 0)
				printf(" %s %.2f%s", impl_name[i],
				       r[s][i][2] / r[s][i][1],
				       i + 1 < N_IMPL ? "," : "");
		printf("\n\n");
		free(pt[s]);
		free(blob[s]);
	}
	printf("openssl: EVP_DecryptInit_ex2 (key and IV) + Update + SET_TAG + "
	       "Final per blob, in this process;\n"
	       "module CMEK: C_DecryptInit(CKM_ONECLAW_CMEK) + C_Decrypt of "
	       "the blob; module GCM and softhsm2:\n"
	       "C_DecryptInit(CKM_AES_GCM, the blob's IV) + C_Decrypt of its "
	       "ciphertext and tag.\n");
	if (mod.f != NULL)
		mod.f->C_Finalize(NULL);
	hsm.f->C_Finalize(NULL);
	EVP_CIPHER_free(aes_gcm);
	return 0;
}
