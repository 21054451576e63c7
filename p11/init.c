/* init.c - C_Initialize, C_Finalize, fork detection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "backend.h"
#include "err.h"
#include "init.h"
#include "keys.h"
#include "lock.h"
#include "log.h"
#include "login.h"
#include "ossl.h"
#include "rv.h"
#include "session.h"
#include "slot.h"

struct oc_module oc_mod;

static atomic_bool initialized;
/* Bumped by the atfork child handler, and nothing else happens there. */
static atomic_ulong fork_count;
/* fork_count when this process initialised. */
static unsigned long init_gen;
/* The init lock: 0 when free, else 1 + the fork_count of the holder, so a
 * child can tell a lock left held by a thread of its parent. */
static atomic_ulong init_owner;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void in_child(void)
{
	atomic_fetch_add(&fork_count, 1);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, in_child);
}

static void init_lock(void)
{
	for (;;) {
		unsigned long mine = atomic_load(&fork_count) + 1;
		unsigned long cur = atomic_load(&init_owner);

		/* Free, or held by a thread that is not in this process. */
		if (cur != mine) {
			if (atomic_compare_exchange_weak(&init_owner, &cur,
							 mine))
				return;
			continue;
		}
		sched_yield();
	}
}

static void init_unlock(void)
{
	atomic_store(&init_owner, 0);
}

long oc_init_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

/* Child after fork, under the init lock: the parent's connections and
 * locks are not ours to close or take.  Memory is freed (secrets wiped);
 * locks a parent thread may hold are left. */
static void abandon_locked(void)
{
	oc_session_abandon_all();
	oc_slot_abandon_all();
	oc_keys_abandon();
	oc_backend_abandon(&oc_mod.be);
	oc_login_abandon();
	oc_audit_abandon();
	oc_conf_free(&oc_mod.conf);
	oc_lock_reset();
	memset(&oc_mod, 0, sizeof(oc_mod));
	atomic_store(&initialized, false);
	oc_debug(OC_LOG_P11, "fork detected: the parent's state was abandoned; "
			     "C_Initialize again");
}

static void teardown(void)
{
	oc_session_free_all();
	oc_slot_free_all();
	oc_keys_free();
	oc_backend_close(&oc_mod.be);
	oc_login_free();
	oc_audit_close();
	oc_lock_free(oc_mod.lock);
	oc_conf_free(&oc_mod.conf);
	oc_lock_reset();
	memset(&oc_mod, 0, sizeof(oc_mod));
}

CK_RV oc_init_check(void)
{
	if (!atomic_load(&initialized))
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (atomic_load(&fork_count) != init_gen) {
		init_lock();
		if (atomic_load(&initialized) &&
		    atomic_load(&fork_count) != init_gen)
			abandon_locked();
		init_unlock();
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	return CKR_OK;
}

static CK_RV setup(const char *reserved)
{
	char errbuf[512] = "";
	CK_RV rv;
	int err;

	err = oc_conf_load(&oc_mod.conf, reserved, errbuf, sizeof(errbuf));
	if (err) {
		oc_log_error("oneclaw-pkcs11: %s",
			     errbuf[0] ? errbuf : oc_strerror(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	if (oc_mod.conf.debug || oc_mod.conf.debug_file)
		oc_log_configure(oc_mod.conf.debug, oc_mod.conf.debug_file);
	err = oc_audit_open(&oc_mod.conf, errbuf, sizeof(errbuf));
	if (err) {
		oc_log_error("oneclaw-pkcs11: %s",
			     errbuf[0] ? errbuf : oc_strerror(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	rv = oc_lock_new(&oc_mod.lock);
	if (rv == CKR_OK)
		rv = oc_login_init();
	if (rv == CKR_OK)
		rv = oc_slot_init();
	if (rv == CKR_OK)
		rv = oc_session_init();
	if (rv != CKR_OK)
		return rv;
	err = oc_keys_init(&oc_mod.conf, errbuf, sizeof(errbuf));
	if (err) {
		oc_log_error("oneclaw-pkcs11: %s",
			     errbuf[0] ? errbuf : oc_strerror(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	err = oc_backend_open(&oc_mod.conf, &oc_mod.be);
	if (err) {
		oc_log_error("oneclaw-pkcs11: cannot set up the API client: %s",
			     oc_strerror(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	/* A sealed credential is opened at the first request (backend.c). */
	oc_mod.pin_mode = oc_mod.conf.cred_kind == OC_CRED_NONE &&
			  !oc_mod.conf.credential_sealed;
	atomic_init(&oc_mod.logged_in, false);
	return CKR_OK;
}

/* Is the byte at p readable?  The kernel copies it and answers EFAULT
 * where a load would fault: process_vm_readv on this very process, or,
 * where a seccomp filter refuses that call, a write to a pipe.  1 yes,
 * 0 no, -1 cannot tell (no pipe). */
static int readable(const void *p)
{
	char c;
	struct iovec local = {&c, 1}, remote = {(void *)p, 1};
	int fd[2], ok;

	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1)
		return 1;
	if (errno == EFAULT)
		return 0;
	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	ok = write(fd[1], p, 1) == 1;
	close(fd[0]);
	close(fd[1]);
	return ok;
}

/* PKCS#11 wants pReserved NULL; p11-kit passes its x-init-reserved string
 * there.  Copies that string into out (n bytes, NUL included) without
 * trusting the pointer: each page is probed before strnlen reads within
 * it (protections are per page), so an application's bad pointer, as
 * pkcs11test's (void *)1, is CKR_ARGUMENTS_BAD and never a crash. */
static CK_RV copy_reserved(const char *p, char *out, size_t n)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	size_t off = 0, room, len;
	const char *cur;
	int r;

	while (off < n) {
		cur = (const char *)((uintptr_t)p + off);
		room = (size_t)(pg - (uintptr_t)cur % pg);
		if (room > n - off)
			room = n - off;
		r = readable(cur);
		if (r < 0) {
			oc_log_error(
			    "oneclaw-pkcs11: cannot check the reserved "
			    "init string: %s",
			    strerror(errno));
			return CKR_HOST_MEMORY;
		}
		if (r == 0) {
			oc_log_error("oneclaw-pkcs11: pReserved of "
				     "C_Initialize is not a readable string "
				     "(it must be NULL, or p11-kit's "
				     "x-init-reserved)");
			return CKR_ARGUMENTS_BAD;
		}
		len = strnlen(cur, room);
		memcpy(out + off, cur, len);
		off += len;
		if (len < room)
			break;
	}
	if (off >= n) {
		oc_log_error("oneclaw-pkcs11: the reserved init string is "
			     "longer than %zu bytes",
			     n - 1);
		return CKR_ARGUMENTS_BAD;
	}
	out[off] = '\0';
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)out[i];

		if ((c < 0x20 && !(c >= '\t' && c <= '\r')) || c == 0x7f) {
			oc_log_error("oneclaw-pkcs11: the reserved init string "
				     "holds control characters");
			return CKR_ARGUMENTS_BAD;
		}
	}
	return CKR_OK;
}

CK_RV oc_init_initialize(CK_VOID_PTR pargs)
{
	const CK_C_INITIALIZE_ARGS *args = pargs;
	char reserved_buf[OC_CONF_MAX_LINE + 1];
	const char *reserved = NULL;
	CK_RV rv;

	init_lock();
	if (atomic_load(&initialized) && atomic_load(&fork_count) != init_gen)
		abandon_locked();
	if (atomic_load(&initialized)) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	oc_log_init();
	oc_ossl_clear_errors();
	if (args) {
		rv = oc_lock_setup(args);
		if (rv != CKR_OK)
			goto out;
		/* p11-kit passes the module file's x-init-reserved here. */
		if (args->pReserved) {
			rv = copy_reserved(args->pReserved, reserved_buf,
					   sizeof(reserved_buf));
			if (rv != CKR_OK)
				goto out;
			reserved = reserved_buf;
		}
	}
	pthread_once(&atfork_once, register_atfork);
	memset(&oc_mod, 0, sizeof(oc_mod));
	rv = setup(reserved);
	if (rv != CKR_OK) {
		teardown();
		goto out;
	}
	init_gen = atomic_load(&fork_count);
	atomic_store(&initialized, true);
	oc_debug(OC_LOG_P11,
		 "initialised: %s mode, %zu vault(s) configured, cache %us, "
		 "%s%s",
		 oc_mod.pin_mode ? "PIN" : "credential", oc_mod.conf.n_vaults,
		 oc_mod.conf.cache_ttl_s,
		 oc_mod.conf.read_only ? "read-only" : "read-write",
		 oc_mod.conf.source ? "" : ", no config file");
out:
	init_unlock();
	return rv;
}

CK_RV oc_init_finalize(CK_VOID_PTR reserved)
{
	CK_RV rv = CKR_OK;

	init_lock();
	if (atomic_load(&initialized) && atomic_load(&fork_count) != init_gen) {
		abandon_locked();
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else if (!atomic_load(&initialized)) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else if (reserved) {
		rv = CKR_ARGUMENTS_BAD;
	} else {
		teardown();
		atomic_store(&initialized, false);
		oc_debug(OC_LOG_P11, "finalised: caches and credential wiped");
	}
	init_unlock();
	return rv;
}
