/* tk-module.c - loading the modules of keys in other tokens. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tk-module.h"

#include <p11-kit/p11-kit.h>

#include "err.h"
#include "log.h"

static struct oc_tk_module *modules;
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static unsigned long generation;

/* The lock is held across loading and finalising: a fork meanwhile must
 * not leave it taken in the child, whose first key would wait forever. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&modules_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&modules_lock);
}

static void fork_child(void)
{
	generation++;
	pthread_mutex_unlock(&modules_lock);
}

static void fork_setup(void)
{
	if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
		oc_debug(OC_LOG_CMEK, "pthread_atfork failed; a fork while a "
				      "token module loads may hang the child");
}

unsigned long oc_tk_gen(void)
{
	unsigned long g;

	pthread_once(&fork_once, fork_setup);
	pthread_mutex_lock(&modules_lock);
	g = generation;
	pthread_mutex_unlock(&modules_lock);
	return g;
}

int oc_tk_fail(struct oc_tk_err *e, enum oc_tk_stage stage, CK_RV rv, int err,
	       const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	e->stage = stage;
	e->ckr = rv;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

static void unload(struct oc_tk_module *m)
{
	if (m->loader == OC_TK_P11KIT) {
		if (m->f)
			p11_kit_module_release(m->f);
	} else if (m->dl) {
		dlclose(m->dl);
	}
	free(m->path);
	free(m);
}

static int load(struct oc_tk_module *m, const void *refuse, struct oc_tk_err *e)
{
	CK_C_INITIALIZE_ARGS ia = {.flags = CKF_OS_LOCKING_OK};
	CK_C_GetFunctionList getf;
	const char *why;
	CK_RV rv;

	if (m->loader == OC_TK_P11KIT) {
		m->f = p11_kit_module_load(m->path, 0);
		if (!m->f) {
			why = p11_kit_message();
			return oc_tk_fail(e, OC_TK_AT_MODULE, 0, OC_ERR_CONFIG,
					  "cannot load PKCS#11 module %s: %s",
					  m->path, why ? why : "?");
		}
		rv = p11_kit_module_initialize(m->f);
	} else {
		m->dl = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
		if (!m->dl)
			return oc_tk_fail(e, OC_TK_AT_MODULE, 0, OC_ERR_CONFIG,
					  "cannot load PKCS#11 module %s: %s",
					  m->path, dlerror());
		*(void **)&getf = dlsym(m->dl, "C_GetFunctionList");
		if (!getf || getf(&m->f) != CKR_OK || !m->f) {
			m->f = NULL;
			return oc_tk_fail(e, OC_TK_AT_MODULE, 0, OC_ERR_CONFIG,
					  "%s is not a PKCS#11 module",
					  m->path);
		}
		if ((const void *)m->f == refuse) {
			m->f = NULL;
			return oc_tk_fail(e, OC_TK_AT_MODULE, 0, OC_ERR_CONFIG,
					  "%s is this module itself", m->path);
		}
		rv = m->f->C_Initialize(&ia);
	}
	/* Already initialised: another user of the module in this process
	 * owns it, and finalises it. */
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return oc_tk_fail(e, OC_TK_AT_MODULE, rv, OC_ERR_CRYPTO,
				  "PKCS#11 module %s: C_Initialize: 0x%lx",
				  m->path, (unsigned long)rv);
	m->finalize = rv == CKR_OK;
	return OC_OK;
}

static struct oc_tk_module *lookup(enum oc_tk_loader loader, const char *path)
{
	struct oc_tk_module *m;

	/* A parent's module is initialised for the parent only. */
	for (m = modules; m; m = m->next)
		if (m->gen == generation && m->loader == loader &&
		    strcmp(m->path, path) == 0)
			return m;
	return NULL;
}

/* The same library reached by another path (a symlink): dlopen gave the
 * same function list, which one entry must own, or its last key would
 * finalise it under the other's. */
static struct oc_tk_module *same_library(const struct oc_tk_module *m)
{
	struct oc_tk_module *o;

	for (o = modules; o; o = o->next)
		if (o->gen == generation && o->loader == OC_TK_DLOPEN &&
		    o->f == m->f)
			return o;
	return NULL;
}

int oc_tk_module_get(enum oc_tk_loader loader, const char *path,
		     const void *refuse, struct oc_tk_module **out,
		     struct oc_tk_err *e)
{
	struct oc_tk_module *m;
	int err = OC_OK;

	pthread_once(&fork_once, fork_setup);
	pthread_mutex_lock(&modules_lock);
	m = lookup(loader, path);
	if (m) {
		if ((const void *)m->f == refuse)
			err = oc_tk_fail(e, OC_TK_AT_MODULE, 0, OC_ERR_CONFIG,
					 "%s is this module itself", path);
		else
			m->refs++;
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = OC_ERR_NOMEM;
		goto out;
	}
	m->loader = loader;
	m->gen = generation;
	m->refs = 1;
	m->path = strdup(path);
	err = m->path ? load(m, refuse, e) : OC_ERR_NOMEM;
	if (err) {
		unload(m);
		goto out;
	}
	if (loader == OC_TK_DLOPEN && same_library(m)) {
		struct oc_tk_module *o = same_library(m);

		o->refs++;
		unload(m); /* dlclose: the library stays, held by o */
		m = o;
		goto out;
	}
	m->next = modules;
	modules = m;
	oc_debug(OC_LOG_CMEK, "PKCS#11 module %s loaded%s", path,
		 m->finalize ? "" : " (initialised already)");
out:
	pthread_mutex_unlock(&modules_lock);
	if (!err)
		*out = m;
	return err;
}

void oc_tk_module_hold(struct oc_tk_module *m)
{
	pthread_mutex_lock(&modules_lock);
	m->refs++;
	pthread_mutex_unlock(&modules_lock);
}

void oc_tk_module_put(struct oc_tk_module *m)
{
	struct oc_tk_module **p;

	if (!m)
		return;
	pthread_mutex_lock(&modules_lock);
	if (m->gen != generation || --m->refs > 0) {
		pthread_mutex_unlock(&modules_lock);
		return;
	}
	for (p = &modules; *p && *p != m; p = &(*p)->next)
		;
	if (*p)
		*p = m->next;
	if (m->finalize) {
		if (m->loader == OC_TK_P11KIT)
			p11_kit_module_finalize(m->f);
		else
			m->f->C_Finalize(NULL);
	}
	oc_debug(OC_LOG_CMEK, "PKCS#11 module %s released", m->path);
	unload(m);
	pthread_mutex_unlock(&modules_lock);
}
