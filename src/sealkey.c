/* sealkey.c - the sealed key file format: parse, write, seal with
 * RSA-OAEP to public keys, check what a token opened. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "sealkey.h"

#include "codec.h"
#include "conf.h"
#include "err.h"
#include "json.h"
#include "ossl.h"
#include "secmem.h"

#define FORMAT_VERSION 1
#define MAGIC	       "oneclaw_sealed_key"
#define MAX_NODE       256 /* values in a file of 16 recipients */

static const char *const kind_names[] = {
    [OC_SEALKEY_CMEK] = "cmek",
    [OC_SEALKEY_CREDENTIAL] = "credential",
};
static const char *const hash_names[] = {
    [OC_SEALKEY_SHA256] = "sha256",
    [OC_SEALKEY_SHA1] = "sha1",
};

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

bool oc_sealkey_looks(const uint8_t *p, size_t n)
{
	static const char magic[] = "\"" MAGIC "\"";
	size_t i = 0;

	while (i < n &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '{' &&
	       memmem(p + i, n - i, magic, sizeof(magic) - 1) != NULL;
}

void oc_sealkey_free(struct oc_sealkey *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->r[i].uri);
		free(s->r[i].ct);
	}
	oc_wipe(s, sizeof(*s));
	free(s);
}

/* A URI fit to record: pkcs11:, bounded, visible ASCII, no PIN. */
static bool uri_ok(const char *u, size_t n)
{
	if (n < 7 || n > OC_SEALKEY_MAX_URI || strncmp(u, "pkcs11:", 7) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (u[i] <= 0x20 || u[i] >= 0x7f)
			return false;
	return !memmem(u, n, "pin-value", 9);
}

/* A URI read from a file names a token and a key, nothing more: a file
 * that is passed around must not choose the library a host loads
 * (module-path, module-name) nor the file read as a PIN (pin-source).
 * RFC 7512 has those in the query only; they come from the configuration
 * or the command line. */
static bool recorded_uri_ok(const char *u, size_t n)
{
	return uri_ok(u, n) && !memchr(u, '?', n);
}

/* What is recorded of a URI: its path (token, object, id, type), not its
 * query (module-path, pin-source: this machine's, not the reader's). */
static size_t recorded_len(const char *u)
{
	const char *q = strchr(u, '?');

	return q ? (size_t)(q - u) : strlen(u);
}

static int hash_by_name(const char *s, size_t n, enum oc_sealkey_hash *out)
{
	for (size_t i = 0; i < 2; i++)
		if (strlen(hash_names[i]) == n &&
		    memcmp(s, hash_names[i], n) == 0) {
			*out = (enum oc_sealkey_hash)i;
			return OC_OK;
		}
	return OC_ERR_PARSE;
}

static int hex32(const char *s, size_t n, uint8_t out[32])
{
	size_t len = 0;

	if (!s || !oc_is_fingerprint_hex(s, n) ||
	    oc_hex_decode(s, n, out, 32, &len) != OC_OK || len != 32)
		return OC_ERR_PARSE;
	return OC_OK;
}

/* Every member of obj must be one of names (NULL-ended). */
static const char *unknown_member(const struct oc_json *obj,
				  const char *const *names)
{
	for (size_t i = 0; i < oc_json_len(obj); i++) {
		const char *k = oc_json_key_at(obj, i);
		size_t j;

		for (j = 0; names[j] && strcmp(names[j], k) != 0; j++)
			;
		if (!names[j])
			return k;
	}
	return NULL;
}

static int parse_recipient(const struct oc_json *j, size_t i,
			   struct oc_sealkey_recipient *r, char *errbuf,
			   size_t errlen)
{
	static const char *const names[] = {"uri", "spki_sha256", "oaep_hash",
					    "ciphertext", NULL};
	const char *s, *bad;
	size_t n = 0, len = 0;

	if (oc_json_type(j) != OC_JSON_OBJECT) {
		set_err(errbuf, errlen, "recipient %zu is not an object",
			i + 1);
		return OC_ERR_PARSE;
	}
	bad = unknown_member(j, names);
	if (bad) {
		set_err(errbuf, errlen, "recipient %zu: unknown member '%.40s'",
			i + 1, bad);
		return OC_ERR_PARSE;
	}
	if (oc_json_get(j, "uri")) {
		s = oc_json_get_string(j, "uri", &n);
		if (!s || !recorded_uri_ok(s, n)) {
			set_err(errbuf, errlen,
				"recipient %zu: uri is not a pkcs11: URI "
				"of at most %d characters naming a token and "
				"a key only (no PIN, module or query)",
				i + 1, OC_SEALKEY_MAX_URI);
			return OC_ERR_PARSE;
		}
		r->uri = strndup(s, n);
		if (!r->uri)
			return OC_ERR_NOMEM;
	}
	s = oc_json_get_string(j, "spki_sha256", &n);
	if (hex32(s, n, r->spki_sha256) != OC_OK) {
		set_err(errbuf, errlen,
			"recipient %zu: spki_sha256 is not 64 lowercase hex",
			i + 1);
		return OC_ERR_PARSE;
	}
	s = oc_json_get_string(j, "oaep_hash", &n);
	if (!s || hash_by_name(s, n, &r->hash) != OC_OK) {
		set_err(errbuf, errlen,
			"recipient %zu: oaep_hash is not sha256 or sha1",
			i + 1);
		return OC_ERR_PARSE;
	}
	s = oc_json_get_string(j, "ciphertext", &n);
	r->ct = malloc(OC_SEALKEY_MAX_CT);
	if (!r->ct)
		return OC_ERR_NOMEM;
	if (!s ||
	    oc_base64_decode_strict(s, n, r->ct, OC_SEALKEY_MAX_CT, &len) !=
		OC_OK ||
	    len < OC_SEALKEY_MIN_CT) {
		set_err(errbuf, errlen,
			"recipient %zu: ciphertext is not base64 of %d to %d "
			"bytes (RSA-2048 to RSA-8192)",
			i + 1, OC_SEALKEY_MIN_CT, OC_SEALKEY_MAX_CT);
		return OC_ERR_PARSE;
	}
	r->ct_len = len;
	return OC_OK;
}

static int parse_tree(const struct oc_json *j, struct oc_sealkey *s,
		      char *errbuf, size_t errlen)
{
	static const char *const names[] = {MAGIC, "kind", "fingerprint",
					    "recipients", NULL};
	const struct oc_json *list;
	const char *v, *bad;
	int64_t version = 0;
	size_t n = 0, i;
	int err;

	if (oc_json_type(j) != OC_JSON_OBJECT ||
	    !oc_json_get_int(j, MAGIC, &version)) {
		set_err(errbuf, errlen, "not a sealed key file (no %s member)",
			MAGIC);
		return OC_ERR_PARSE;
	}
	if (version != FORMAT_VERSION) {
		set_err(errbuf, errlen,
			"sealed key file version %lld is not supported (this "
			"build reads version %d)",
			(long long)version, FORMAT_VERSION);
		return OC_ERR_VERSION;
	}
	bad = unknown_member(j, names);
	if (bad) {
		set_err(errbuf, errlen, "unknown member '%.40s'", bad);
		return OC_ERR_PARSE;
	}
	v = oc_json_get_string(j, "kind", &n);
	if (v && n == 4 && memcmp(v, "cmek", 4) == 0)
		s->kind = OC_SEALKEY_CMEK;
	else if (v && n == 10 && memcmp(v, "credential", 10) == 0)
		s->kind = OC_SEALKEY_CREDENTIAL;
	else {
		set_err(errbuf, errlen, "kind is not cmek or credential");
		return OC_ERR_PARSE;
	}
	v = oc_json_get_string(j, "fingerprint", &n);
	if (s->kind == OC_SEALKEY_CMEK && hex32(v, n, s->fpr) != OC_OK) {
		set_err(errbuf, errlen,
			"fingerprint (64 lowercase hex) is missing or "
			"malformed");
		return OC_ERR_PARSE;
	}
	if (s->kind == OC_SEALKEY_CREDENTIAL && oc_json_get(j, "fingerprint")) {
		set_err(errbuf, errlen,
			"a sealed credential has no fingerprint");
		return OC_ERR_PARSE;
	}
	list = oc_json_get(j, "recipients");
	if (!list || oc_json_type(list) != OC_JSON_ARRAY ||
	    oc_json_len(list) == 0 ||
	    oc_json_len(list) > OC_SEALKEY_MAX_RECIPIENTS) {
		set_err(errbuf, errlen, "recipients is not a list of 1 to %d",
			OC_SEALKEY_MAX_RECIPIENTS);
		return OC_ERR_PARSE;
	}
	for (i = 0; i < oc_json_len(list); i++) {
		s->n = i + 1;
		err = parse_recipient(oc_json_at(list, i), i, &s->r[i], errbuf,
				      errlen);
		if (err)
			return err;
	}
	return OC_OK;
}

int oc_sealkey_parse(const char *text, size_t n, struct oc_sealkey **out,
		     char *errbuf, size_t errlen)
{
	struct oc_json *j = NULL;
	struct oc_sealkey *s = NULL;
	int err;

	if (!text || !out)
		return OC_ERR_ARGS;
	if (n > OC_SEALKEY_MAX_FILE) {
		set_err(errbuf, errlen, "over %u bytes: not a sealed key file",
			OC_SEALKEY_MAX_FILE);
		return OC_ERR_RANGE;
	}
	err = oc_json_parse_limited(text, n, MAX_NODE, &j);
	if (err) {
		set_err(errbuf, errlen, "not valid JSON (or over %d values)",
			MAX_NODE);
		return err == OC_ERR_NOMEM ? err : OC_ERR_PARSE;
	}
	s = calloc(1, sizeof(*s));
	err = s ? parse_tree(j, s, errbuf, errlen) : OC_ERR_NOMEM;
	oc_json_free(j);
	if (err) {
		oc_sealkey_free(s);
		return err;
	}
	*out = s;
	return OC_OK;
}

int oc_sealkey_load_file(const char *path, struct oc_sealkey **out,
			 char *errbuf, size_t errlen)
{
	char *text = NULL, why[400] = "";
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd, err = OC_ERR_IO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		set_err(errbuf, errlen, "%s: cannot read: %s", path,
			strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(errbuf, errlen, "%s: not a regular file", path);
		goto out;
	}
	err = oc_conf_check_file(path, &st, false, errbuf, errlen);
	if (err)
		goto out;
	err = OC_ERR_NOMEM;
	text = malloc(OC_SEALKEY_MAX_FILE + 1);
	if (!text)
		goto out;
	while (len <= OC_SEALKEY_MAX_FILE) {
		r = read(fd, text + len, OC_SEALKEY_MAX_FILE + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = OC_ERR_IO;
			set_err(errbuf, errlen, "%s: cannot read: %s", path,
				strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	err = oc_sealkey_parse(text, len, out, why, sizeof(why));
	if (err)
		set_err(errbuf, errlen, "%s: sealed key file: %s", path, why);
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return err;
}

int oc_sealkey_spki_sha256(EVP_PKEY *pk, uint8_t out[32])
{
	unsigned char *der = NULL;
	unsigned int md_len = 0;
	int n, ok;

	n = i2d_PUBKEY(pk, &der);
	if (n <= 0)
		return OC_ERR_CRYPTO;
	ok = EVP_Digest(der, (size_t)n, out, &md_len, oc_ossl_sha256(), NULL);
	OPENSSL_free(der);
	return ok == 1 && md_len == 32 ? OC_OK : OC_ERR_CRYPTO;
}

int oc_sealkey_find(const struct oc_sealkey *s, EVP_PKEY *pk)
{
	uint8_t h[32];

	if (oc_sealkey_spki_sha256(pk, h) != OC_OK)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (CRYPTO_memcmp(h, s->r[i].spki_sha256, 32) == 0)
			return (int)i;
	return -1;
}

int oc_sealkey_check(const struct oc_sealkey *s, const uint8_t *secret,
		     size_t n)
{
	uint8_t fpr[OC_CMEK_FPR_LEN];
	int err;

	if (s->kind == OC_SEALKEY_CREDENTIAL) {
		if (n == 0 || n > OC_SEALKEY_MAX_SECRET)
			return OC_ERR_PARSE;
		for (size_t i = 0; i < n; i++)
			if (secret[i] <= 0x20 || secret[i] >= 0x7f)
				return OC_ERR_PARSE;
		return OC_OK;
	}
	if (n != OC_CMEK_KEY_LEN)
		return OC_ERR_KEY_MISMATCH;
	err = oc_cmek_fingerprint(secret, fpr);
	if (!err && CRYPTO_memcmp(fpr, s->fpr, sizeof(fpr)) != 0)
		err = OC_ERR_KEY_MISMATCH;
	return err;
}

static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *pk, enum oc_sealkey_hash h, bool enc)
{
	const char *md = h == OC_SEALKEY_SHA1 ? "SHA1" : "SHA256";
	EVP_PKEY_CTX *c =
	    EVP_PKEY_CTX_new_from_pkey(oc_ossl_libctx(), pk, NULL);

	if (!c ||
	    (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(c, md, NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, md, NULL) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

static int seal_one(struct oc_sealkey_recipient *r,
		    const struct oc_sealkey_to *to, const uint8_t *secret,
		    size_t n, char *errbuf, size_t errlen)
{
	EVP_PKEY_CTX *c = NULL;
	size_t len = OC_SEALKEY_MAX_CT;
	int err = OC_ERR_ARGS;

	if (!EVP_PKEY_is_a(to->pub, "RSA") ||
	    EVP_PKEY_get_bits(to->pub) < 2048 ||
	    EVP_PKEY_get_size(to->pub) > OC_SEALKEY_MAX_CT) {
		set_err(errbuf, errlen,
			"not an RSA public key of 2048 to 8192 bits");
		goto out;
	}
	if (to->uri && !uri_ok(to->uri, strlen(to->uri))) {
		set_err(errbuf, errlen,
			"the URI to record is not a pkcs11: URI without a PIN");
		goto out;
	}
	err = OC_ERR_NOMEM;
	r->hash = to->hash;
	r->uri = to->uri ? strndup(to->uri, recorded_len(to->uri)) : NULL;
	r->ct = malloc(OC_SEALKEY_MAX_CT);
	if ((to->uri && !r->uri) || !r->ct)
		goto out;
	err = oc_sealkey_spki_sha256(to->pub, r->spki_sha256);
	if (err)
		goto out;
	err = OC_ERR_CRYPTO;
	c = oaep_ctx(to->pub, to->hash, true);
	if (!c || EVP_PKEY_encrypt(c, r->ct, &len, secret, n) != 1) {
		set_err(errbuf, errlen, "RSA-OAEP encryption failed");
		goto out;
	}
	r->ct_len = len;
	err = OC_OK;
out:
	EVP_PKEY_CTX_free(c);
	return err;
}

int oc_sealkey_seal(enum oc_sealkey_kind kind, const uint8_t *secret, size_t n,
		    const struct oc_sealkey_to *to, size_t n_to,
		    struct oc_sealkey **out, char *errbuf, size_t errlen)
{
	struct oc_sealkey *s;
	char why[256] = "";
	int err;

	if (!secret || !to || !out || n_to == 0 ||
	    n_to > OC_SEALKEY_MAX_RECIPIENTS ||
	    (kind != OC_SEALKEY_CMEK && kind != OC_SEALKEY_CREDENTIAL)) {
		set_err(errbuf, errlen, "give 1 to %d recipients",
			OC_SEALKEY_MAX_RECIPIENTS);
		return OC_ERR_ARGS;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	s->kind = kind;
	err = kind == OC_SEALKEY_CMEK && n == OC_CMEK_KEY_LEN
		  ? oc_cmek_fingerprint(secret, s->fpr)
		  : OC_OK;
	if (!err &&
	    (kind == OC_SEALKEY_CMEK ? n != OC_CMEK_KEY_LEN
				     : oc_sealkey_check(s, secret, n))) {
		set_err(errbuf, errlen, "not a %s to seal",
			kind == OC_SEALKEY_CMEK ? "32-byte CMEK key"
						: "credential");
		err = OC_ERR_ARGS;
	}
	for (size_t i = 0; !err && i < n_to; i++) {
		s->n = i + 1;
		err = seal_one(&s->r[i], &to[i], secret, n, why, sizeof(why));
		if (err)
			set_err(errbuf, errlen, "recipient %zu: %s", i + 1,
				why[0] ? why : oc_strerror(err));
	}
	if (err) {
		oc_sealkey_free(s);
		return err;
	}
	*out = s;
	return OC_OK;
}

int oc_sealkey_write(const struct oc_sealkey *s, struct oc_buf *out)
{
	char hex[65], *b64 = NULL;
	size_t b64_size = oc_base64_len(OC_SEALKEY_MAX_CT) + 1;
	struct oc_jgen j;
	int err;

	err = oc_jgen_init(&j, out);
	if (err)
		return err;
	b64 = malloc(b64_size);
	if (!b64) {
		oc_jgen_free(&j);
		return OC_ERR_NOMEM;
	}
	yajl_gen_map_open(j.g);
	oc_jgen_kv_int(&j, MAGIC, FORMAT_VERSION);
	oc_jgen_kv_str(&j, "kind", kind_names[s->kind]);
	if (s->kind == OC_SEALKEY_CMEK) {
		oc_cmek_fingerprint_hex(s->fpr, hex);
		oc_jgen_kv_str(&j, "fingerprint", hex);
	}
	oc_jgen_str(&j, "recipients");
	yajl_gen_array_open(j.g);
	for (size_t i = 0; i < s->n; i++) {
		const struct oc_sealkey_recipient *r = &s->r[i];

		yajl_gen_map_open(j.g);
		if (r->uri)
			oc_jgen_kv_str(&j, "uri", r->uri);
		oc_hex_encode(r->spki_sha256, 32, hex, sizeof(hex));
		oc_jgen_kv_str(&j, "spki_sha256", hex);
		oc_jgen_kv_str(&j, "oaep_hash", hash_names[r->hash]);
		if (oc_base64_encode(r->ct, r->ct_len, b64, b64_size) != OC_OK)
			j.err = OC_ERR_INTERNAL;
		oc_jgen_kv_str(&j, "ciphertext", b64);
		yajl_gen_map_close(j.g);
	}
	yajl_gen_array_close(j.g);
	yajl_gen_map_close(j.g);
	err = oc_jgen_status(&j);
	oc_jgen_free(&j);
	free(b64);
	if (!err)
		err = oc_buf_append(out, "\n", 1);
	return err;
}

int oc_sealkey_open_pkey(const struct oc_sealkey *s, size_t i, EVP_PKEY *priv,
			 uint8_t **secret, size_t *n)
{
	EVP_PKEY_CTX *c = NULL;
	uint8_t *buf = NULL;
	size_t len = OC_SEALKEY_MAX_CT;
	int err = OC_ERR_ARGS;

	if (!s || i >= s->n || !priv || !secret || !n)
		return err;
	err = OC_ERR_NOMEM;
	buf = oc_secure_alloc(OC_SEALKEY_MAX_CT + 1);
	if (!buf)
		goto out;
	err = OC_ERR_CRYPTO;
	c = oaep_ctx(priv, s->r[i].hash, false);
	if (!c)
		goto out;
	err = OC_ERR_DECRYPT;
	if (EVP_PKEY_decrypt(c, buf, &len, s->r[i].ct, s->r[i].ct_len) != 1)
		goto out;
	err = oc_sealkey_check(s, buf, len);
	if (err)
		goto out;
	buf[len] = 0;
	*secret = buf;
	*n = len;
	buf = NULL;
out:
	oc_ossl_clear_errors();
	EVP_PKEY_CTX_free(c);
	oc_secure_free(buf);
	return err;
}
