/* tk-module.h - the modules loaded for keys in other tokens, each loaded
 * and initialised once per (loader, path) and shared by its keys. */
#ifndef OC_TK_MODULE_H
#define OC_TK_MODULE_H

#include <stdbool.h>

#include "tk-ck.h"
#include "tokenkey.h"

struct oc_tk_module {
	struct oc_tk_module *next;
	enum oc_tk_loader loader;
	char *path;
	void *dl; /* OC_TK_DLOPEN */
	CK_FUNCTION_LIST *f;
	unsigned long gen; /* the process that initialised it (oc_tk_gen) */
	bool finalize;	   /* our C_Initialize returned CKR_OK */
	unsigned refs;
};

/* Loads and initialises the module, or takes one more reference to it.
 * refuse: a function list that must not be used (the caller's own). */
int oc_tk_module_get(enum oc_tk_loader loader, const char *path,
		     const void *refuse, struct oc_tk_module **out,
		     struct oc_tk_err *e);
/* Takes one more reference to a module already held. */
void oc_tk_module_hold(struct oc_tk_module *m);
/* Drops a reference; the last one finalises (when we initialised) and
 * unloads.  A module from a parent process is left alone. */
void oc_tk_module_put(struct oc_tk_module *m);

/* This process's generation: it changes in a child after fork, so what
 * a parent initialised is never used or finalised by a child (a pid may
 * be reused; a generation is not). */
unsigned long oc_tk_gen(void);

/* Records a failure in e (NULL-safe) and returns err. */
int oc_tk_fail(struct oc_tk_err *e, enum oc_tk_stage stage, CK_RV rv, int err,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
