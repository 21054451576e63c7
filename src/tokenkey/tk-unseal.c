/* tk-unseal.c - opening a sealed key file (src/sealkey.h) inside one of
 * its recipients' tokens: the RSA private key is found, its public half
 * must be the recipient's (SHA-256 of the SubjectPublicKeyInfo), then
 * CKM_RSA_PKCS_OAEP runs in the token and what comes out is checked
 * against the file (a CMEK key's fingerprint). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk-key.h"

#include <openssl/evp.h>

#include "err.h"
#include "log.h"
#include "sealkey.h"
#include "secmem.h"

#define URI_MAX (OC_SEALKEY_MAX_URI + 1)

/* The recipient's URI naming the private key: its type= attribute (type=
 * public, as sealing takes it) dropped, so the kind names the class. */
static int private_uri(const char *in, char *out, size_t cap)
{
	const char *p = in, *end, *q = strchr(in, '?');
	size_t n = 0, len;

	if (strlen(in) >= cap || strncmp(in, "pkcs11:", 7) != 0)
		return OC_ERR_ARGS;
	memcpy(out, "pkcs11:", 7);
	n = 7;
	p = in + 7;
	while (*p && p != q) {
		end = p + strcspn(p, ";?");
		len = (size_t)(end - p);
		if (!(len >= 5 && strncmp(p, "type=", 5) == 0)) {
			if (n > 7)
				out[n++] = ';';
			memcpy(out + n, p, len);
			n += len;
		}
		p = *end == ';' ? end + 1 : end;
	}
	if (q) {
		len = strlen(q);
		memcpy(out + n, q, len);
		n += len;
	}
	out[n] = '\0';
	return OC_OK;
}

struct attempt {
	int err;
	enum oc_tk_stage stage;
	char reasons[sizeof(((struct oc_tk_err *)0)->msg)];
};

static void note(struct attempt *t, size_t i, const char *uri, int err,
		 enum oc_tk_stage stage, const char *why)
{
	size_t used = strlen(t->reasons);

	/* The recipient that got furthest tells the error code. */
	if (!t->err || stage >= t->stage) {
		t->err = err;
		t->stage = stage;
	}
	snprintf(t->reasons + used, sizeof(t->reasons) - used,
		 "%srecipient %zu (%s): %s", used ? "; " : "", i + 1,
		 uri ? oc_tk_uri_shown(uri) : "no URI", why);
}

/* Opens s->r[i] with the key k; *secret on success. */
static int open_with(struct oc_tk_key *k, const struct oc_sealkey *s, size_t i,
		     uint8_t **secret, size_t *n, const char **why)
{
	static const enum oc_tk_hash hashes[] = {
	    [OC_SEALKEY_SHA256] = OC_TK_SHA256,
	    [OC_SEALKEY_SHA1] = OC_TK_SHA1,
	};
	const struct oc_sealkey_recipient *r = &s->r[i];
	uint8_t *buf;
	size_t len = 0;
	int err;

	buf = oc_secure_alloc(OC_SEALKEY_MAX_CT + 1);
	if (!buf)
		return OC_ERR_NOMEM;
	err = oc_tk_rsa_oaep_decrypt(k, hashes[r->hash], r->ct, r->ct_len, buf,
				     OC_SEALKEY_MAX_CT, &len);
	if (err)
		*why = err == OC_ERR_DECRYPT
			   ? "the token could not decrypt the ciphertext "
			     "(tampered, or sealed with another oaep_hash)"
			   : "the token's RSA-OAEP decryption failed";
	if (!err) {
		err = oc_sealkey_check(s, buf, len);
		if (err)
			*why = s->kind == OC_SEALKEY_CMEK
				   ? "what the token decrypted is not the key "
				     "with the file's fingerprint"
				   : "what the token decrypted is not a "
				     "credential";
	}
	if (err) {
		oc_secure_free(buf);
		return err;
	}
	buf[len] = 0;
	*secret = buf;
	*n = len;
	return OC_OK;
}

/* The key a recipient needs, or the one the user named: which recipient
 * it is tells its public half. */
static int try_key(const struct oc_tk_unseal_args *a, const char *uri,
		   const struct oc_sealkey *s, long want, size_t *which,
		   struct oc_tk_key **out, struct oc_tk_err *e)
{
	struct oc_tk_open_args o = {
	    .uri = uri,
	    .module = a->module,
	    .loader = a->loader,
	    .kind = OC_TK_RSA,
	    .flags = a->flags,
	    .pin_file = a->pin_file,
	    .pin = a->pin,
	    .refuse = a->refuse,
	    .interrupted = a->interrupted,
	};
	struct oc_tk_key *k = NULL;
	EVP_PKEY *pk = NULL;
	int err, hit;

	err = oc_tk_key_open(&o, &k, e);
	if (!err)
		err = oc_tk_public_key(k, &pk, e);
	if (!err) {
		hit = oc_sealkey_find(s, pk);
		if (hit < 0 || (want >= 0 && hit != want))
			err =
			    oc_tk_fail(e, OC_TK_AT_KEY, 0, OC_ERR_KEY_MISMATCH,
				       "the token's key is %s",
				       hit < 0 ? "none of the file's recipients"
					       : "another recipient");
		else
			*which = (size_t)hit;
	}
	EVP_PKEY_free(pk);
	if (err) {
		oc_tk_key_free(k);
		return err;
	}
	*out = k;
	return OC_OK;
}

int oc_tk_unseal(const struct oc_sealkey *s, const struct oc_tk_unseal_args *a,
		 uint8_t **secret, size_t *n, struct oc_tk_err *e)
{
	struct attempt *t = calloc(1, sizeof(*t));
	char uri[URI_MAX];
	struct oc_tk_key *k = NULL;
	const char *why = NULL;
	size_t i, which = 0;
	int err = OC_ERR_NOMEM;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!t)
		goto out;
	for (i = 0; i < s->n; i++) {
		const char *shown = a->key_uri ? a->key_uri : s->r[i].uri;

		if (a->key_uri && i > 0)
			break; /* the one key named: tried once */
		if (!a->key_uri && !s->r[i].uri) {
			note(t, i, NULL, OC_ERR_NOT_FOUND, OC_TK_AT_URI,
			     "names no token: give the private key's URI");
			continue;
		}
		if (!a->key_uri &&
		    private_uri(s->r[i].uri, uri, sizeof(uri)) != OC_OK) {
			note(t, i, shown, OC_ERR_PARSE, OC_TK_AT_URI,
			     "bad URI");
			continue;
		}
		err = try_key(a, a->key_uri ? a->key_uri : uri, s,
			      a->key_uri ? -1 : (long)i, &which, &k, e);
		if (err) {
			note(t, a->key_uri ? 0 : i, shown, err,
			     e ? e->stage : OC_TK_AT_OP,
			     e && e->msg[0] ? e->msg : oc_strerror(err));
			continue;
		}
		err = open_with(k, s, which, secret, n, &why);
		oc_tk_key_free(k);
		k = NULL;
		if (!err) {
			oc_debug(OC_LOG_CMEK,
				 "sealed key opened by recipient %zu (%s)",
				 which + 1, oc_tk_uri_shown(shown));
			if (e)
				snprintf(e->msg, sizeof(e->msg),
					 "recipient %zu (%s)", which + 1,
					 oc_tk_uri_shown(shown));
			goto out;
		}
		note(t, which, shown, err, OC_TK_AT_OP, why);
	}
	err = t->err ? t->err : OC_ERR_NOT_FOUND;
	if (e) {
		e->stage = t->stage;
		/* Cut short past its size: the first reasons tell most. */
		if (snprintf(e->msg, sizeof(e->msg),
			     "no recipient's token opened the sealed key: %s",
			     t->reasons) < 0)
			e->msg[0] = '\0';
	}
out:
	free(t);
	return err;
}

int oc_tk_unseal_file(const char *path, const struct oc_tk_unseal_args *a,
		      int kind, uint8_t **secret, size_t *n,
		      struct oc_tk_err *e)
{
	struct oc_sealkey *s = NULL;
	char why[sizeof(e->msg)] = "";
	int err;

	if (e)
		memset(e, 0, sizeof(*e));
	err = oc_sealkey_load_file(path, &s, why, sizeof(why));
	if (!err && (int)s->kind != kind) {
		err = OC_ERR_PARSE;
		snprintf(why, sizeof(why), "%s: a sealed %s, not a %s", path,
			 s->kind == OC_SEALKEY_CMEK ? "CMEK key" : "credential",
			 kind == OC_SEALKEY_CMEK ? "CMEK key" : "credential");
	}
	if (err) {
		oc_sealkey_free(s);
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, err, "%s", why);
	}
	err = oc_tk_unseal(s, a, secret, n, e);
	oc_sealkey_free(s);
	return err;
}
