/* module-sign.c - C_Sign of the module with keys held in the vault (RSA-2048
 * PKCS#1 v1.5 with SHA-256, ECDSA P-256 with SHA-256, Ed25519) beside raw
 * OpenSSL signing with the same keys and SoftHSM2 holding imported copies,
 * one thread, then two threads on a session each, in the same run.  Printed,
 * never asserted; a signature that does not verify is an error (exit 1), not a
 * timing.
 *
 *   module-sign MODULE SOFTHSM_SO TOKEN_LABEL PIN_FILE KEYDIR [SECONDS]
 *
 * KEYDIR holds rsa.pem, ec.pem and ed.pem (the keys as PEM).  The module is
 * configured by the environment; its first token holds them as secrets
 * bench/rsa, bench/ec and bench/ed.  SoftHSM2 (SOFTHSM2_CONF) holds them in
 * token TOKEN_LABEL with labels rsa, ec and ed; a key it lacks is n/a.
 * Each cell runs SECONDS (default 1.0) in ROUNDS rounds, each of which
 * runs every cell, and reports its best.  MODULE "-" leaves the module
 * out. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>

#include "bench-p11.h"

#define MSG_LEN	    64
#define ROUNDS	    5
#define MAX_THREADS 2

enum impl { IMPL_OPENSSL, IMPL_MODULE, IMPL_SOFTHSM, N_IMPL };
static const char *const impl_name[N_IMPL] = {"openssl", "module", "softhsm2"};

struct alg {
	const char *name; /* table row */
	const char *file; /* in KEYDIR */
	const char *mod_label;
	const char *hsm_label;
	const char *md; /* OpenSSL digest, NULL for Ed25519 */
	CK_MECHANISM_TYPE mod_mech;
	/* SoftHSM2 2.6 has no CKM_ECDSA_SHA256: the caller hashes. */
	CK_MECHANISM_TYPE hsm_mech;
	int hsm_hashes;
	int ecdsa; /* PKCS#11 gives r||s, OpenSSL wants DER */
	EVP_PKEY *key;
	CK_OBJECT_HANDLE mod_key, hsm_key;
	int have_mod, have_hsm;
};

static struct alg algs[] = {
    {"rsa2048-pkcs1", "rsa.pem", "bench/rsa", "rsa", "SHA256",
     CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS, 0, 0, NULL, 0, 0, 0, 0},
    {"ecdsa-p256", "ec.pem", "bench/ec", "ec", "SHA256", CKM_ECDSA_SHA256,
     CKM_ECDSA, 1, 1, NULL, 0, 0, 0, 0},
    {"ed25519", "ed.pem", "bench/ed", "ed", NULL, CKM_EDDSA, CKM_EDDSA, 0, 0,
     NULL, 0, 0, 0, 0},
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

struct p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE sess[MAX_THREADS];
};

static struct p11 mod, hsm;
static unsigned char msg[MSG_LEN];

static int find_key(struct p11 *p, const char *label, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ULONG n = 0;
	CK_RV rv;

	rv = p->f->C_FindObjectsInit(p->sess[0], tpl, 2);
	if (rv == CKR_OK)
		rv = p->f->C_FindObjects(p->sess[0], h, 1, &n);
	p->f->C_FindObjectsFinal(p->sess[0]);
	return rv == CKR_OK && n == 1 ? 0 : -1;
}

static void open_sessions(struct p11 *p, CK_SLOT_ID slot)
{
	CK_RV rv;

	for (int i = 0; i < MAX_THREADS; i++) {
		rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
					 &p->sess[i]);
		if (rv != CKR_OK)
			bench_die("C_OpenSession", rv);
	}
}

static void setup_module(const char *path)
{
	size_t i;

	mod.f = bench_p11_load(path, &mod.dl);
	open_sessions(&mod, bench_p11_find_slot(mod.f, NULL));
	for (i = 0; i < N_ALGS; i++) {
		if (find_key(&mod, algs[i].mod_label, &algs[i].mod_key) != 0)
			bench_die("finding a key in the module",
				  CKR_GENERAL_ERROR);
		algs[i].have_mod = 1;
	}
}

static void setup_softhsm(const char *path, const char *token,
			  const char *pin_file)
{
	char pin[64];
	FILE *f;
	size_t len, i;
	CK_RV rv;

	f = fopen(pin_file, "r");
	if (f == NULL || fgets(pin, sizeof(pin), f) == NULL) {
		fprintf(stderr, "module-sign: cannot read %s\n", pin_file);
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
	for (i = 0; i < N_ALGS; i++)
		algs[i].have_hsm =
		    find_key(&hsm, algs[i].hsm_label, &algs[i].hsm_key) == 0;
}

static EVP_PKEY *read_key(const char *dir, const char *file)
{
	char path[4096];
	EVP_PKEY *k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "module-sign: cannot open %s\n", path);
		exit(1);
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		fprintf(stderr, "module-sign: cannot read the key %s\n", path);
		exit(1);
	}
	return k;
}

static int op_openssl(EVP_MD_CTX *md, struct alg *a, unsigned char *sig,
		      size_t *sig_len)
{
	if (EVP_DigestSignInit_ex(md, NULL, a->md, NULL, NULL, a->key, NULL) !=
		1 ||
	    EVP_DigestSign(md, sig, sig_len, msg, sizeof(msg)) != 1)
		return -1;
	return 0;
}

static int op_p11(struct p11 *p, int thread, CK_MECHANISM_TYPE mt,
		  CK_OBJECT_HANDLE key, int hash, unsigned char *sig,
		  size_t *sig_len)
{
	CK_SESSION_HANDLE sess = p->sess[thread];
	CK_MECHANISM mech = {mt, NULL, 0};
	unsigned char dg[32];
	const unsigned char *in = msg;
	CK_ULONG in_len = sizeof(msg), n = *sig_len;
	CK_RV rv;

	if (hash) {
		if (EVP_Digest(msg, sizeof(msg), dg, NULL, EVP_sha256(),
			       NULL) != 1)
			return -1;
		in = dg;
		in_len = sizeof(dg);
	}
	rv = p->f->C_SignInit(sess, &mech, key);
	if (rv == CKR_OK)
		rv = p->f->C_Sign(sess, (CK_BYTE_PTR)in, in_len, sig, &n);
	if (rv != CKR_OK) {
		fprintf(stderr, "module-sign: %s C_Sign: 0x%lx\n",
			p == &mod ? "module" : "SoftHSM", (unsigned long)rv);
		return -1;
	}
	*sig_len = n;
	return 0;
}

static int op(enum impl impl, int thread, EVP_MD_CTX *md, struct alg *a,
	      unsigned char *sig, size_t *sig_len)
{
	switch (impl) {
	case IMPL_OPENSSL:
		return op_openssl(md, a, sig, sig_len);
	case IMPL_MODULE:
		return op_p11(&mod, thread, a->mod_mech, a->mod_key, 0, sig,
			      sig_len);
	default:
		return op_p11(&hsm, thread, a->hsm_mech, a->hsm_key,
			      a->hsm_hashes, sig, sig_len);
	}
}

/* r||s (PKCS#11) as the DER OpenSSL verifies. */
static int ecdsa_der(const unsigned char *rs, size_t len, unsigned char *out,
		     size_t *out_len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)(len / 2), NULL);
	BIGNUM *t = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL);
	unsigned char *p = out;
	int n = -1;

	if (s != NULL && r != NULL && t != NULL && ECDSA_SIG_set0(s, r, t)) {
		r = t = NULL;
		n = i2d_ECDSA_SIG(s, &p);
	}
	BN_free(r);
	BN_free(t);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -1;
	*out_len = (size_t)n;
	return 0;
}

static int verify(struct alg *a, enum impl impl, const unsigned char *sig,
		  size_t sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[160];
	size_t der_len = sizeof(der);
	int ok = 0;

	if (a->ecdsa && impl != IMPL_OPENSSL) {
		if (ecdsa_der(sig, sig_len, der, &der_len) != 0) {
			EVP_MD_CTX_free(md);
			return -1;
		}
		sig = der;
		sig_len = der_len;
	}
	if (md != NULL && EVP_DigestVerifyInit_ex(md, NULL, a->md, NULL, NULL,
						  a->key, NULL) == 1)
		ok = EVP_DigestVerify(md, sig, sig_len, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

struct job {
	enum impl impl;
	int thread;
	struct alg *a;
	double seconds;
	unsigned long ops;
	int error; /* 1: a failure, 2: a bad first signature */
};

static pthread_barrier_t start_line;

/* One thread of a cell; its first signature is checked. */
static void *run(void *arg)
{
	struct job *j = arg;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[1024];
	unsigned long ops = 0; /* local: no false sharing between threads */
	size_t n = sizeof(sig);
	double end;

	if (md == NULL)
		j->error = 1;
	else if (op(j->impl, j->thread, md, j->a, sig, &n) != 0 ||
		 verify(j->a, j->impl, sig, n) != 0)
		j->error = 2;
	pthread_barrier_wait(&start_line);
	end = bench_now() + j->seconds;
	while (!j->error) {
		n = sizeof(sig);
		if (op(j->impl, j->thread, md, j->a, sig, &n) != 0) {
			j->error = 1;
			break;
		}
		ops++;
		if (bench_now() >= end)
			break;
	}
	j->ops = ops;
	EVP_MD_CTX_free(md);
	return NULL;
}

/* ops per second of impl with alg on nthreads threads, a session each. */
static double cell(enum impl impl, struct alg *a, int nthreads, double seconds)
{
	pthread_t th[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	unsigned long ops = 0;
	double t0, t;
	int i;

	pthread_barrier_init(&start_line, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		jobs[i] = (struct job){impl, i, a, seconds, 0, 0};
		if (pthread_create(&th[i], NULL, run, &jobs[i]) != 0) {
			fprintf(stderr, "module-sign: pthread_create\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&start_line);
	t0 = bench_now();
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].error) {
			fprintf(stderr, "module-sign: %s %s: %s\n",
				impl_name[impl], a->name,
				jobs[i].error == 2 ? "a bad signature"
						   : "failed");
			exit(1);
		}
		ops += jobs[i].ops;
	}
	t = bench_now() - t0;
	pthread_barrier_destroy(&start_line);
	return (double)ops / t;
}

static const char *mech_name(const struct alg *a)
{
	return a->mod_mech == CKM_SHA256_RSA_PKCS ? "CKM_SHA256_RSA_PKCS"
	       : a->mod_mech == CKM_ECDSA_SHA256  ? "CKM_ECDSA_SHA256"
						  : "CKM_EDDSA";
}

static void ratio(char *buf, size_t len, double a, double b)
{
	if (a > 0 && b > 0)
		snprintf(buf, len, "%.2f", a / b);
	else
		snprintf(buf, len, "n/a");
}

static void rate(char *buf, size_t len, double r)
{
	if (r > 0)
		snprintf(buf, len, "%.0f", r);
	else
		snprintf(buf, len, "n/a");
}

int main(int argc, char **argv)
{
	double r[N_ALGS][N_IMPL][MAX_THREADS + 1];
	double seconds = 1.0;
	size_t i;
	int k, t, round;

	if (argc < 6) {
		fprintf(stderr, "usage: module-sign MODULE SOFTHSM_SO "
				"TOKEN_LABEL PIN_FILE KEYDIR [SECONDS]\n");
		return 2;
	}
	if (argc > 6) {
		char *end;

		errno = 0;
		seconds = strtod(argv[6], &end);
		if (errno != 0 || *end != '\0' || seconds <= 0 || seconds > 60)
			seconds = 1.0;
	}
	if (RAND_bytes(msg, sizeof(msg)) != 1)
		bench_die("RAND_bytes", CKR_GENERAL_ERROR);
	for (i = 0; i < N_ALGS; i++)
		algs[i].key = read_key(argv[5], algs[i].file);
	if (strcmp(argv[1], "-") != 0)
		setup_module(argv[1]);
	setup_softhsm(argv[2], argv[3], argv[4]);

	printf("C_Sign of a %d-byte message, %.1f s per cell (best of %d "
	       "interleaved rounds), the same keys in all three\n\n",
	       MSG_LEN, seconds, ROUNDS);
	memset(r, 0, sizeof(r));
	/* The best of rounds that each run every cell: load from elsewhere
	 * on the machine hits all alike. */
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < N_ALGS; i++) {
			struct alg *a = &algs[i];

			for (t = 1; t <= MAX_THREADS; t++) {
				for (k = 0; k < N_IMPL; k++) {
					double v;

					if ((k == IMPL_MODULE &&
					     !a->have_mod) ||
					    (k == IMPL_SOFTHSM && !a->have_hsm))
						continue;
					v = cell((enum impl)k, a, t,
						 seconds / ROUNDS);
					if (v > r[i][k][t])
						r[i][k][t] = v;
				}
			}
		}
	}
	printf("one thread\n");
	printf("%-14s %-20s %10s %10s %10s %9s %9s\n", "key",
	       "module mechanism", "openssl/s", "module/s", "softhsm2/s",
	       "mod/ossl", "mod/hsm");
	for (i = 0; i < N_ALGS; i++) {
		struct alg *a = &algs[i];
		char c[N_IMPL][24], q1[16], q2[16];

		for (k = 0; k < N_IMPL; k++)
			rate(c[k], sizeof(c[k]), r[i][k][1]);
		ratio(q1, sizeof(q1), r[i][IMPL_MODULE][1],
		      r[i][IMPL_OPENSSL][1]);
		ratio(q2, sizeof(q2), r[i][IMPL_MODULE][1],
		      r[i][IMPL_SOFTHSM][1]);
		printf("%-14s %-20s %10s %10s %10s %9s %9s\n", a->name,
		       mech_name(a), c[IMPL_OPENSSL], c[IMPL_MODULE],
		       c[IMPL_SOFTHSM], q1, q2);
	}
	printf("\ntwo threads, a session each (2thr/1thr: against the same "
	       "implementation on one thread)\n");
	printf("%-14s %10s %10s %10s %9s %9s %9s %9s\n", "key", "openssl/s",
	       "module/s", "softhsm2/s", "mod/ossl", "ossl 2/1", "mod 2/1",
	       "hsm 2/1");
	for (i = 0; i < N_ALGS; i++) {
		char c[N_IMPL][24], q[N_IMPL][16], q1[16];

		for (k = 0; k < N_IMPL; k++) {
			rate(c[k], sizeof(c[k]), r[i][k][2]);
			ratio(q[k], sizeof(q[k]), r[i][k][2], r[i][k][1]);
		}
		ratio(q1, sizeof(q1), r[i][IMPL_MODULE][2],
		      r[i][IMPL_OPENSSL][2]);
		printf("%-14s %10s %10s %10s %9s %9s %9s %9s\n", algs[i].name,
		       c[IMPL_OPENSSL], c[IMPL_MODULE], c[IMPL_SOFTHSM], q1,
		       q[IMPL_OPENSSL], q[IMPL_MODULE], q[IMPL_SOFTHSM]);
	}
	fflush(stdout);
	printf("\nopenssl: EVP_DigestSign in this process (threads share the "
	       "key); module: C_SignInit + C_Sign\n(key fetched once, then "
	       "held); softhsm2: C_SignInit + C_Sign (ECDSA: CKM_ECDSA over a "
	       "SHA-256\nmade by the caller, as SoftHSM2 2.6 has no "
	       "CKM_ECDSA_SHA256).\n");
	for (i = 0; i < N_ALGS; i++)
		EVP_PKEY_free(algs[i].key);
	if (mod.f != NULL)
		mod.f->C_Finalize(NULL);
	hsm.f->C_Finalize(NULL);
	return 0;
}
