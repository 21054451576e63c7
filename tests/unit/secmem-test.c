/* secmem-test.c - locked allocations and wiping. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "secmem.h"

static void test_alloc_zeroed_aligned(void **state)
{
	/* Around every slab chunk size (64 bytes to 2 KiB, 16 of them
	 * header) and the mapped sizes above them. */
	size_t sizes[] = {0,   1,    15,   16,	 47,   48,   49,   111,	  112,
			  113, 2031, 2032, 2033, 4000, 4096, 4097, 100000};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = oc_secure_alloc(sizes[i]);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xa5, sizes[i]);
		oc_secure_free(p);
	}
	oc_secure_free(NULL);
}

static void test_huge_fails(void **state)
{
	(void)state;
	assert_null(oc_secure_alloc(SIZE_MAX));
	assert_null(oc_secure_alloc(SIZE_MAX - 8));
}

static void test_dup(void **state)
{
	char *s;
	unsigned char *d;

	(void)state;
	s = oc_secure_strdup("ocv_example");
	assert_string_equal(s, "ocv_example");
	oc_secure_free(s);
	assert_null(oc_secure_strdup(NULL));
	d = oc_secure_dup("a\0b", 3);
	assert_memory_equal(d, "a\0b", 3);
	assert_int_equal(d[3], 0);
	oc_secure_free(d);
	d = oc_secure_dup(NULL, 0);
	assert_non_null(d);
	assert_int_equal(d[0], 0);
	oc_secure_free(d);
	assert_null(oc_secure_dup(NULL, 4));
}

static void test_wipe(void **state)
{
	unsigned char b[32];
	char *s;
	size_t i;

	(void)state;
	memset(b, 0x77, sizeof(b));
	oc_wipe(b, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(b[16], 0x77);
	oc_wipe(NULL, 10);
	oc_wipe(b, 0);
	s = strdup("1ck_token_value");
	oc_free_wiped_str(s);
	oc_free_wiped_str(NULL);
}

/* A freed chunk comes back zeroed, whatever it held. */
static void test_reuse_is_wiped(void **state)
{
	size_t sizes[] = {1, 40, 100, 500, 1000, 2000, 3000};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = oc_secure_alloc(sizes[i]), *q;

		assert_non_null(p);
		memset(p, 0x5a, sizes[i]);
		oc_secure_free(p);
		q = oc_secure_alloc(sizes[i]);
		assert_non_null(q);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(q[j], 0);
		oc_secure_free(q);
	}
}

/* Live allocations never overlap: many of each size at once, each filled
 * with its own byte and checked after all the others were written. */
static void test_live_chunks_apart(void **state)
{
	enum { N = 600 };
	unsigned char *p[N];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < N; i++) {
		n = 1 + (i * 37) % 2100;
		p[i] = oc_secure_alloc(n);
		assert_non_null(p[i]);
		memset(p[i], (int)(i & 0xff), n);
	}
	for (i = 0; i < N; i++) {
		n = 1 + (i * 37) % 2100;
		for (j = 0; j < n; j++)
			assert_int_equal(p[i][j], i & 0xff);
		oc_secure_free(p[i]);
	}
}

struct churn {
	unsigned seed;
	int errors;
	volatile int *stop;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned char *held[8] = {0};
	size_t len[8] = {0};
	unsigned i, k, round;
	size_t j;

	for (round = 0; round < 20000 && !(c->stop && *c->stop); round++) {
		k = (c->seed + round) % 8;
		if (held[k]) {
			for (j = 0; j < len[k]; j++)
				if (held[k][j] != (unsigned char)(c->seed + k))
					c->errors++;
			oc_secure_free(held[k]);
		}
		len[k] = 1 + (c->seed * 31 + round * 17) % 2500;
		held[k] = oc_secure_alloc(len[k]);
		if (!held[k]) {
			c->errors++;
			break;
		}
		memset(held[k], (unsigned char)(c->seed + k), len[k]);
	}
	for (i = 0; i < 8; i++)
		oc_secure_free(held[i]);
	return NULL;
}

/* Threads allocating and freeing at once never share a chunk. */
static void test_threads(void **state)
{
	pthread_t t[4];
	struct churn c[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		c[i] = (struct churn){.seed = (unsigned)i * 101u + 7u};
		assert_int_equal(
		    pthread_create(&t[i], NULL, churn_thread, &c[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(c[i].errors, 0);
	}
}

/* A fork while another thread allocates leaves the child an allocator it
 * can use (the slab lock is not inherited held). */
static void test_fork_during_use(void **state)
{
	volatile int stop = 0;
	struct churn c = {.seed = 3, .stop = &stop};
	pthread_t t;
	int i, status;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, churn_thread, &c), 0);
	for (i = 0; i < 20; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			void *p;

			alarm(10);
			p = oc_secure_alloc(100);
			oc_secure_free(p);
			_exit(p ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	stop = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.errors, 0);
}

/* Freeing twice, or freeing a pointer the allocator never returned, stops
 * the program instead of corrupting the free list. */
static void test_bad_free_aborts(void **state)
{
	int i, status;

	(void)state;
	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			unsigned char *p = oc_secure_alloc(100);

			signal(SIGABRT, SIG_DFL);
			if (i == 0) {
				oc_secure_free(p);
				oc_secure_free(p);
			} else {
				oc_secure_free(p + 32);
			}
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_zeroed_aligned),
	    cmocka_unit_test(test_huge_fails),
	    cmocka_unit_test(test_dup),
	    cmocka_unit_test(test_wipe),
	    cmocka_unit_test(test_reuse_is_wiped),
	    cmocka_unit_test(test_live_chunks_apart),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_fork_during_use),
	    cmocka_unit_test(test_bad_free_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
