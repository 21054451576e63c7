/* backend.h - the remote vault as the front end sees it: a small ops
 * table, so the PKCS#11 logic is testable with an in-memory vault and the
 * real one is the API client (src/api.h).
 *
 * Every call records the HTTP status it ended with in a thread-local the
 * entry wrapper copies into the session's ulDeviceError. */
#ifndef OC_P11_BACKEND_H
#define OC_P11_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "conf.h"
#include "lock.h"

struct oc_backend_ops {
	int (*vault_list)(void *ctx, struct oc_vault **out, size_t *n);
	int (*vault_get)(void *ctx, const char *id, struct oc_vault *out);
	/* The secrets whose path starts with prefix (NULL: all), into sink
	 * one by one (src/api.h). */
	int (*secret_list)(void *ctx, const char *vault_id, const char *prefix,
			   const struct oc_api_meta_sink *sink);
	int (*secret_get)(void *ctx, const char *vault_id, const char *path,
			  struct oc_secret *out);
	int (*secret_put)(void *ctx, const char *vault_id, const char *path,
			  const struct oc_secret_put *in,
			  struct oc_secret_meta *out);
	int (*secret_delete)(void *ctx, const char *vault_id, const char *path);
	int (*login)(void *ctx, const char *key, size_t len);
	void (*logout)(void *ctx);
	long (*last_status)(void *ctx);
	const char *(*last_error)(void *ctx);
	void (*abandon)(void *ctx);
	void (*free)(void *ctx);
};

struct oc_backend {
	const struct oc_backend_ops *ops;
	void *ctx;
	/* credential_file is a sealed key file (points into the config):
	 * opened in its token, and logged in with, before the first
	 * request; sealed_open once that worked, under sealed_lock (made
	 * at open, so a child after fork never inherits it held). */
	const char *sealed_cred;
	struct oc_lock *sealed_lock;
	bool sealed_open;
};

typedef int (*oc_backend_factory)(const struct oc_conf *c,
				  struct oc_backend *out);

/* Tests install an in-memory vault before C_Initialize; NULL restores the
 * API client. */
void oc_backend_set_factory(oc_backend_factory f);
/* Builds the backend for a loaded config; no network I/O. */
int oc_backend_open(const struct oc_conf *c, struct oc_backend *out);
void oc_backend_close(struct oc_backend *b);
/* Child after fork: drop without closing the parent's connections. */
void oc_backend_abandon(struct oc_backend *b);

int oc_backend_vault_list(struct oc_backend *b, struct oc_vault **out,
			  size_t *n);
int oc_backend_vault_get(struct oc_backend *b, const char *id,
			 struct oc_vault *out);
int oc_backend_secret_list(struct oc_backend *b, const char *vault_id,
			   const char *prefix,
			   const struct oc_api_meta_sink *sink);
int oc_backend_secret_get(struct oc_backend *b, const char *vault_id,
			  const char *path, struct oc_secret *out);
int oc_backend_secret_put(struct oc_backend *b, const char *vault_id,
			  const char *path, const struct oc_secret_put *in,
			  struct oc_secret_meta *out);
int oc_backend_secret_delete(struct oc_backend *b, const char *vault_id,
			     const char *path);
int oc_backend_login(struct oc_backend *b, const char *key, size_t len);
void oc_backend_logout(struct oc_backend *b);

/* The HTTP status of this thread's last backend call (0: none). */
long oc_backend_thread_status(void);
void oc_backend_thread_status_clear(void);

#endif
