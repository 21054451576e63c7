/* backend.c - the ops table over the API client, and the thread-local
 * status of the last call. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "backend.h"
#include "dpop.h"
#include "entry.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "rv.h"
#include "sealkey.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

static oc_backend_factory factory;
static __thread long thread_status;

static int api_vault_list(void *ctx, struct oc_vault **out, size_t *n)
{
	return oc_api_vault_list(ctx, out, n);
}

static int api_vault_get(void *ctx, const char *id, struct oc_vault *out)
{
	return oc_api_vault_get(ctx, id, out);
}

static int api_secret_list(void *ctx, const char *vault_id, const char *prefix,
			   const struct oc_api_meta_sink *sink)
{
	return oc_api_secret_list_each(ctx, vault_id, prefix, sink);
}

static int api_secret_get(void *ctx, const char *vault_id, const char *path,
			  struct oc_secret *out)
{
	return oc_api_secret_get(ctx, vault_id, path, out);
}

static int api_secret_put(void *ctx, const char *vault_id, const char *path,
			  const struct oc_secret_put *in,
			  struct oc_secret_meta *out)
{
	return oc_api_secret_put(ctx, vault_id, path, in, out);
}

static int api_secret_delete(void *ctx, const char *vault_id, const char *path)
{
	return oc_api_secret_delete(ctx, vault_id, path);
}

static int api_login(void *ctx, const char *key, size_t len)
{
	return oc_api_login(ctx, key, len);
}

static void api_logout(void *ctx)
{
	oc_api_logout(ctx);
}

static long api_last_status(void *ctx)
{
	return oc_api_last_status(ctx);
}

static const char *api_last_error(void *ctx)
{
	return oc_api_last_error(ctx);
}

static void api_abandon(void *ctx)
{
	oc_api_abandon(ctx);
}

static void api_free(void *ctx)
{
	oc_api_free(ctx);
}

static const struct oc_backend_ops api_ops = {
    .vault_list = api_vault_list,
    .vault_get = api_vault_get,
    .secret_list = api_secret_list,
    .secret_get = api_secret_get,
    .secret_put = api_secret_put,
    .secret_delete = api_secret_delete,
    .login = api_login,
    .logout = api_logout,
    .last_status = api_last_status,
    .last_error = api_last_error,
    .abandon = api_abandon,
    .free = api_free,
};

/* dpop_key_uri: the client's tokens are bound to that key.  It is opened
 * at the first exchange (C_Initialize stays quick), with the login as for
 * a delegated CMEK key: dpop_key_pin_file or the URI's pin-value. */
static int dpop_install(const struct oc_conf *c, struct oc_api *a)
{
	struct oc_tk_open_args ta = {
	    .uri = c->dpop_key_uri,
	    .module = c->dpop_key_module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_EC,
	    .flags = OC_TK_URI_PIN_VALUE,
	    .pin_file = c->dpop_key_pin_file,
	    /* This module as the key's token would call itself. */
	    .refuse = oc_entry_function_list(),
	};
	struct oc_dpop_signer s;
	struct oc_dpop *d = NULL;
	struct oc_tk_err e;
	int err;

	if (!c->dpop_key_uri)
		return OC_OK;
	err = oc_tk_dpop_signer(&ta, false, &s, &e);
	if (!err)
		err = oc_dpop_new(&s, &d);
	if (err) {
		oc_log_error("oneclaw-pkcs11: dpop_key_uri: %s",
			     e.msg[0] ? e.msg : oc_strerror(err));
		return err;
	}
	oc_api_set_dpop(a, d);
	return OC_OK;
}

void oc_backend_set_factory(oc_backend_factory f)
{
	factory = f;
}

int oc_backend_open(const struct oc_conf *c, struct oc_backend *out)
{
	struct oc_api *a = NULL;
	int err;

	out->sealed_cred = c->credential_sealed;
	out->sealed_open = false;
	out->sealed_lock = NULL;
	if (out->sealed_cred && oc_lock_new(&out->sealed_lock) != CKR_OK)
		return OC_ERR_NOMEM;
	if (factory)
		return factory(c, out);
	err = oc_api_new(c, &a);
	if (!err)
		err = dpop_install(c, a);
	if (err) {
		oc_api_free(a);
		return err;
	}
	out->ops = &api_ops;
	out->ctx = a;
	return OC_OK;
}

void oc_backend_close(struct oc_backend *b)
{
	if (b->ops)
		b->ops->free(b->ctx);
	b->ops = NULL;
	b->ctx = NULL;
	oc_lock_free(b->sealed_lock);
	b->sealed_lock = NULL;
}

void oc_backend_abandon(struct oc_backend *b)
{
	if (b->ops)
		b->ops->abandon(b->ctx);
	b->ops = NULL;
	b->ctx = NULL;
	/* The parent's lock may be held by a thread the child does not
	 * have: forgotten, never taken or freed here. */
	b->sealed_lock = NULL;
}

static const char *last_error(struct oc_backend *b)
{
	const char *e = b->ops->last_error(b->ctx);

	return e ? e : "";
}

/* Keeps the status of the call just made for ulDeviceError. */
static int note(struct oc_backend *b, int err)
{
	thread_status = b->ops->last_status(b->ctx);
	if (err)
		oc_debug(OC_LOG_P11, "backend: %s (HTTP %ld)%s%s",
			 oc_strerror(err), thread_status,
			 *last_error(b) ? ": " : "", last_error(b));
	return err;
}

/* A sealed credential: unsealed in its token at the first request, used
 * as a login would, and wiped; a failure is retried at the next request
 * (but for a PIN the token refused: oc_keys_unseal) and is never a
 * fallback to no credential. */
static int sealed_cred(struct oc_backend *b)
{
	uint8_t *cred = NULL;
	size_t n = 0;
	int err = OC_OK;

	if (!b->sealed_cred)
		return OC_OK;
	oc_lock_take(b->sealed_lock);
	if (!b->sealed_open) {
		err = oc_keys_unseal(b->sealed_cred, OC_SEALKEY_CREDENTIAL,
				     &cred, &n);
		if (!err)
			err = b->ops->login(b->ctx, (const char *)cred, n);
		if (err)
			oc_rv_cause("sealed credential_file: %s",
				    oc_strerror(err));
		b->sealed_open = !err;
	}
	oc_lock_release(b->sealed_lock);
	oc_secure_free(cred);
	/* The token could not open it: the vault cannot be reached. */
	return err == OC_ERR_UNAUTHORIZED ? err : err ? OC_ERR_IO : OC_OK;
}

#define GATE(b)                                                                \
	do {                                                                   \
		int gate_err_ = sealed_cred(b);                                \
		if (gate_err_)                                                 \
			return gate_err_;                                      \
	} while (0)

int oc_backend_vault_list(struct oc_backend *b, struct oc_vault **out,
			  size_t *n)
{
	GATE(b);
	return note(b, b->ops->vault_list(b->ctx, out, n));
}

int oc_backend_vault_get(struct oc_backend *b, const char *id,
			 struct oc_vault *out)
{
	GATE(b);
	return note(b, b->ops->vault_get(b->ctx, id, out));
}

int oc_backend_secret_list(struct oc_backend *b, const char *vault_id,
			   const char *prefix,
			   const struct oc_api_meta_sink *sink)
{
	GATE(b);
	return note(b, b->ops->secret_list(b->ctx, vault_id, prefix, sink));
}

int oc_backend_secret_get(struct oc_backend *b, const char *vault_id,
			  const char *path, struct oc_secret *out)
{
	GATE(b);
	return note(b, b->ops->secret_get(b->ctx, vault_id, path, out));
}

int oc_backend_secret_put(struct oc_backend *b, const char *vault_id,
			  const char *path, const struct oc_secret_put *in,
			  struct oc_secret_meta *out)
{
	GATE(b);
	return note(b, b->ops->secret_put(b->ctx, vault_id, path, in, out));
}

int oc_backend_secret_delete(struct oc_backend *b, const char *vault_id,
			     const char *path)
{
	GATE(b);
	return note(b, b->ops->secret_delete(b->ctx, vault_id, path));
}

int oc_backend_login(struct oc_backend *b, const char *key, size_t len)
{
	return note(b, b->ops->login(b->ctx, key, len));
}

void oc_backend_logout(struct oc_backend *b)
{
	b->ops->logout(b->ctx);
}

long oc_backend_thread_status(void)
{
	return thread_status;
}

void oc_backend_thread_status_clear(void)
{
	thread_status = 0;
}
