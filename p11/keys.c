/* keys.c - the configured CMEK keys. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "entry.h"
#include "err.h"
#include "init.h"
#include "keys.h"
#include "keysrc.h"
#include "lock.h"
#include "log.h"
#include "rv.h"
#include "sealkey.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

struct entry {
	const struct oc_conf_key *src; /* points into oc_mod.conf */
	struct oc_cmek_key *key;
	bool sealed; /* src->file is a sealed key file: unsealed on first use */
};

static struct {
	struct entry e[OC_CONF_MAX_VAULTS + 1];
	size_t n;
	struct oc_lock *lock; /* opening delegated keys */
	/* A PIN the unseal token refused (OC_ERR_UNAUTHORIZED), kept until
	 * the next C_Initialize: each try would use up one of the token's
	 * PIN retries, and a locked PIN needs its SO.  Atomic: credential
	 * and CMEK key files are opened under different locks. */
	int unseal_refused;
} keys;

static bool has_source(const struct oc_conf_key *k)
{
	return k && (k->file || k->env || k->uri);
}

static int load_local(const struct oc_conf_key *src, struct oc_cmek_key **out,
		      char *errbuf, size_t errlen)
{
	uint8_t raw[OC_CMEK_KEY_LEN];
	int loose = 0, err;

	if (src->file) {
		err = oc_keysrc_key_from_file(src->file, out, &loose, errbuf,
					      errlen);
		/* Group-readable is a service's group (others are refused):
		 * nothing to warn every p11-kit process about. */
		if (err == OC_OK && loose)
			oc_debug(OC_LOG_CMEK,
				 "CMEK key file %s is readable by its group",
				 src->file);
		return err;
	}
	err = oc_keysrc_load_env(src->env, raw, errbuf, errlen);
	if (err == OC_OK)
		err = oc_cmek_key_from_raw(raw, out);
	oc_wipe(raw, sizeof(raw));
	return err;
}

/* A sealed key file is checked at C_Initialize (a local file: a malformed
 * one is a configuration error now), and opened in its token later. */
static int check_sealed(const char *path, enum oc_sealkey_kind kind,
			char *errbuf, size_t errlen)
{
	struct oc_sealkey *s = NULL;
	int err = oc_sealkey_load_file(path, &s, errbuf, errlen);

	if (!err && s->kind != kind) {
		snprintf(errbuf, errlen, "%s: a sealed %s, not a %s", path,
			 kind == OC_SEALKEY_CMEK ? "credential" : "CMEK key",
			 kind == OC_SEALKEY_CMEK ? "CMEK key" : "credential");
		err = OC_ERR_CONFIG;
	}
	oc_sealkey_free(s);
	if (!err)
		oc_debug(OC_LOG_CMEK, "%s is sealed: opened on first use",
			 path);
	return err ? OC_ERR_CONFIG : OC_OK;
}

static int add(const struct oc_conf_key *src, char *errbuf, size_t errlen)
{
	struct entry *e;
	char fpr[OC_CMEK_FPR_HEX_LEN + 1];
	int err;

	if (!has_source(src) || keys.n >= OC_CONF_MAX_VAULTS + 1)
		return OC_OK;
	e = &keys.e[keys.n++];
	e->src = src;
	if (src->uri)
		return OC_OK; /* delegated: opened on first use */
	err = load_local(src, &e->key, errbuf, errlen);
	if (err == OC_ERR_SEALED) {
		e->sealed = true;
		return check_sealed(src->file, OC_SEALKEY_CMEK, errbuf, errlen);
	}
	if (err)
		return OC_ERR_CONFIG;
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(e->key), fpr);
	oc_debug(OC_LOG_CMEK, "CMEK key loaded from %s %s, fingerprint %s",
		 src->file ? "file" : "variable",
		 src->file ? src->file : src->env, fpr);
	return OC_OK;
}

int oc_keys_init(const struct oc_conf *c, char *errbuf, size_t errlen)
{
	int err;

	oc_wipe(&keys, sizeof(keys));
	if (oc_lock_new(&keys.lock) != CKR_OK)
		return OC_ERR_NOMEM;
	err = add(&c->key, errbuf, errlen);
	for (size_t i = 0; !err && i < c->n_vaults; i++)
		err = add(&c->vaults[i].key, errbuf, errlen);
	if (!err && c->credential_sealed)
		err = check_sealed(c->credential_sealed, OC_SEALKEY_CREDENTIAL,
				   errbuf, errlen);
	if (err)
		oc_keys_free();
	return err;
}

void oc_keys_free(void)
{
	for (size_t i = 0; i < keys.n; i++)
		oc_cmek_key_free(keys.e[i].key);
	oc_lock_free(keys.lock);
	oc_wipe(&keys, sizeof(keys));
}

void oc_keys_abandon(void)
{
	/* A delegated key's teardown would talk to the other token from
	 * the child: leave those. */
	for (size_t i = 0; i < keys.n; i++)
		if (keys.e[i].key && !oc_cmek_key_is_delegated(keys.e[i].key))
			oc_cmek_key_free(keys.e[i].key);
	oc_wipe(&keys, sizeof(keys));
}

/* A key in another token (cmek_key_uri): the module named by
 * cmek_key_module or the URI, a login with cmek_key_pin_file or the URI's
 * pin-value; the AES-GCM work is forwarded there. */
static int open_delegated(const struct oc_conf_key *src,
			  struct oc_cmek_key **out)
{
	struct oc_tk_open_args a = {
	    .uri = src->uri,
	    .module = src->module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_AES,
	    .flags = OC_TK_URI_PIN_VALUE,
	    .pin_file = src->pin_file,
	    /* This module as its own key's token would call itself. */
	    .refuse = oc_entry_function_list(),
	};
	struct oc_tk_err e;
	int err;

	err = oc_tk_cmek_open(&a, src->fingerprint, out, &e);
	if (err && e.stage == OC_TK_AT_NO_MODULE)
		oc_log_error("oneclaw-pkcs11: cmek_key_uri needs "
			     "cmek_key_module (the PKCS#11 module holding the "
			     "key)");
	else if (err)
		oc_log_error("oneclaw-pkcs11: delegated key: %s",
			     e.msg[0] ? e.msg : oc_strerror(err));
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int oc_keys_unseal(const char *path, int kind, uint8_t **secret, size_t *n)
{
	const struct oc_conf *c = &oc_mod.conf;
	struct oc_tk_unseal_args a = {
	    .key_uri = c->unseal.key_uri,
	    .module = c->unseal.module,
	    .loader = OC_TK_DLOPEN,
	    .flags = OC_TK_LOGIN_IF_REQUIRED | OC_TK_URI_PIN_SOURCE,
	    .pin_file = c->unseal.pin_file,
	    .refuse = oc_entry_function_list(),
	};
	struct oc_tk_err e;
	double t0 = now_ms();
	int err;

	err = __atomic_load_n(&keys.unseal_refused, __ATOMIC_ACQUIRE);
	if (err) {
		oc_rv_cause("sealed key file %s: the token refused the PIN "
			    "earlier; not tried again until C_Initialize",
			    path);
		return err;
	}
	err = oc_tk_unseal_file(path, &a, kind, secret, n, &e);
	if (err) {
		oc_log_error(
		    "oneclaw-pkcs11: sealed key file %s: %s%s", path,
		    e.msg[0] ? e.msg : oc_strerror(err),
		    e.stage == OC_TK_AT_NEED_PIN    ? " (set unseal_pin_file)"
		    : e.stage == OC_TK_AT_NO_MODULE ? " (set unseal_module)"
						    : "");
		if (err == OC_ERR_UNAUTHORIZED && e.stage == OC_TK_AT_LOGIN)
			__atomic_store_n(&keys.unseal_refused, err,
					 __ATOMIC_RELEASE);
		return err;
	}
	if (e.pin_file_loose)
		oc_log_error("oneclaw-pkcs11: the unseal PIN file %s is "
			     "readable by group or others (chmod go-r)",
			     a.pin_file ? a.pin_file : "of the URI");
	oc_debug(OC_LOG_CMEK, "sealed key file %s opened by %s in %.1f ms",
		 path, e.msg, now_ms() - t0);
	return OC_OK;
}

/* A sealed cmek_key_file: its key, held in this process from now on. */
static int open_sealed(const struct oc_conf_key *src, struct oc_cmek_key **out)
{
	uint8_t *key = NULL;
	size_t n = 0;
	int err;

	err = oc_keys_unseal(src->file, OC_SEALKEY_CMEK, &key, &n);
	if (!err)
		err = oc_cmek_key_from_raw(key, out);
	oc_secure_free(key);
	return err;
}

CK_RV oc_keys_get(const char *vault_id, struct oc_cmek_key **out)
{
	const struct oc_conf_key *src = oc_conf_key_for(&oc_mod.conf, vault_id);
	struct entry *e = NULL;
	CK_RV rv = CKR_OK;
	int err;

	*out = NULL;
	if (!has_source(src))
		return CKR_OK;
	for (size_t i = 0; i < keys.n; i++)
		if (keys.e[i].src == src)
			e = &keys.e[i];
	if (!e)
		return CKR_OK;
	oc_lock_take(keys.lock);
	if (!e->key && src->uri) {
		err = open_delegated(src, &e->key);
		if (err) {
			e->key = NULL;
			oc_rv_cause("delegated CMEK key: %s", oc_strerror(err));
			rv = CKR_DEVICE_ERROR;
		}
	} else if (!e->key && e->sealed) {
		/* No fallback: a sealed key that does not open is no key. */
		err = open_sealed(src, &e->key);
		if (err) {
			e->key = NULL;
			oc_rv_cause("sealed CMEK key file: %s",
				    oc_strerror(err));
			rv = CKR_DEVICE_ERROR;
		}
	}
	*out = e->key;
	oc_lock_release(keys.lock);
	return rv;
}
