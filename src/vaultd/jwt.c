/* jwt.c - Ed25519 JWTs through the core's OpenSSL library context. */
#include "config.h"

#include "jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yajl/yajl_gen.h>

#include "buf.h"
#include "codec.h"
#include "err.h"
#include "json.h"
#include "ossl.h"
#include "secmem.h"
#include "sigmemo.h"

#define SIG_LEN 64

struct oc_signer {
	EVP_PKEY *key;
	struct oc_sigmemo *verified; /* tokens whose signature verified */
};

static const char header_b64[] = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9";
/* = base64url('{"alg":"EdDSA","typ":"JWT"}') */

void oc_principal_clear(struct oc_principal *p)
{
	if (!p)
		return;
	oc_strlist_free(&p->vault_ids);
	oc_strlist_free(&p->scopes);
	memset(p, 0, sizeof(*p));
}

int oc_signer_new(const uint8_t seed[OC_SIGNING_SEED_LEN],
		  struct oc_signer **out)
{
	struct oc_signer *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	s->key = EVP_PKEY_new_raw_private_key_ex(
	    oc_ossl_libctx(), "ED25519", NULL, seed, OC_SIGNING_SEED_LEN);
	if (!s->key) {
		free(s);
		return OC_ERR_CRYPTO;
	}
	if (oc_sigmemo_new(&s->verified)) {
		oc_signer_free(s);
		return OC_ERR_NOMEM;
	}
	*out = s;
	return OC_OK;
}

void oc_signer_free(struct oc_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	oc_sigmemo_free(s->verified);
	free(s);
}

static int payload_json(const struct oc_principal *p, struct oc_buf *out)
{
	struct oc_jgen j;
	char sub[OC_UUID_LEN + 8];
	int rc;

	rc = oc_jgen_init(&j, out);
	if (rc)
		return rc;
	snprintf(sub, sizeof(sub), "%s:%s",
		 p->kind == OC_PRINCIPAL_AGENT ? "agent" : "user", p->id);
	yajl_gen_map_open(j.g);
	oc_jgen_kv_str(&j, "sub", sub);
	oc_jgen_kv_str(&j, "org", "local");
	oc_strlist_json(&j, "vault_ids", &p->vault_ids);
	oc_jgen_kv_int(&j, "iat", p->iat);
	oc_jgen_kv_int(&j, "exp", p->exp);
	oc_jgen_kv_str(&j, "jti", p->jti);
	oc_jgen_kv_int(&j, "gen", p->gen);
	if (p->jkt[0]) {
		oc_jgen_str(&j, "cnf");
		yajl_gen_map_open(j.g);
		oc_jgen_kv_str(&j, "jkt", p->jkt);
		yajl_gen_map_close(j.g);
	}
	yajl_gen_map_close(j.g);
	rc = oc_jgen_status(&j);
	oc_jgen_free(&j);
	return rc;
}

/* Appends "." and the base64url form of data: one JWT segment after the
 * header. enc is the caller's scratch, sized for the longest segment. */
static int append_segment(struct oc_buf *tok, const uint8_t *data, size_t len,
			  char *enc, size_t enc_size)
{
	int rc = oc_base64url_encode(data, len, enc, enc_size);

	if (!rc)
		rc = oc_buf_append_str(tok, ".");
	if (!rc)
		rc = oc_buf_append_str(tok, enc);
	return rc;
}

int oc_jwt_issue(struct oc_signer *s, struct oc_principal *p, int64_t now,
		 int64_t ttl, char **out)
{
	struct oc_buf payload, tok;
	unsigned char sig[SIG_LEN];
	size_t sig_len = sizeof(sig), enc_len;
	char enc[OC_JWT_PAYLOAD_B64_MAX + 1];
	EVP_MD_CTX *md = NULL;
	int rc;

	oc_buf_init(&payload, OC_JWT_PAYLOAD_MAX, false);
	oc_buf_init(&tok, OC_JWT_MAX, true);
	rc = oc_uuid(p->jti);
	if (rc)
		goto out;
	p->iat = now;
	p->exp = now + ttl;
	rc = payload_json(p, &payload);
	if (rc)
		goto out;
	rc = oc_buf_append_str(&tok, header_b64);
	if (!rc)
		rc = append_segment(&tok, payload.data, payload.len, enc,
				    sizeof(enc));
	if (rc)
		goto out;
	md = EVP_MD_CTX_new();
	rc = OC_ERR_CRYPTO;
	if (!md ||
	    EVP_DigestSignInit_ex(md, NULL, NULL, oc_ossl_libctx(), NULL,
				  s->key, NULL) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, tok.data, tok.len) != 1)
		goto out;
	rc = append_segment(&tok, sig, sig_len, enc, sizeof(enc));
	if (rc)
		goto out;
	*out = (char *)oc_buf_steal(&tok, &enc_len);
out:
	EVP_MD_CTX_free(md);
	oc_buf_free(&payload);
	oc_buf_free(&tok);
	return rc;
}

static int parse_sub(const char *sub, size_t n, struct oc_principal *p)
{
	const char *id;

	if (n > 6 && memcmp(sub, "agent:", 6) == 0) {
		p->kind = OC_PRINCIPAL_AGENT;
		id = sub + 6;
	} else if (n > 5 && memcmp(sub, "user:", 5) == 0) {
		p->kind = OC_PRINCIPAL_USER;
		id = sub + 5;
	} else {
		return OC_ERR_PARSE;
	}
	if (!oc_is_uuid(id))
		return OC_ERR_PARSE;
	memcpy(p->id, id, OC_UUID_LEN + 1);
	return OC_OK;
}

/* cnf {"jkt"}: the token is DPoP-bound.  A cnf we cannot read refuses the
 * token: taking it as a bearer token would drop the binding. */
static int claim_cnf(const struct oc_json *obj, struct oc_principal *p)
{
	const struct oc_json *cnf = oc_json_get(obj, "cnf");
	const char *jkt;
	size_t len = 0;

	if (!cnf)
		return OC_OK;
	jkt = oc_json_type(cnf) == OC_JSON_OBJECT
		  ? oc_json_get_string(cnf, "jkt", &len)
		  : NULL;
	if (!jkt || len != OC_JWK_THUMBPRINT_LEN || memchr(jkt, '\0', len))
		return OC_ERR_PARSE;
	memcpy(p->jkt, jkt, len);
	p->jkt[len] = '\0';
	return OC_OK;
}

static int claim_list(const struct oc_json *obj, const char *key,
		      struct oc_strlist *out)
{
	const struct oc_json *a = oc_json_get(obj, key);
	size_t i, len;
	int rc;

	if (!a)
		return OC_OK;
	if (oc_json_type(a) != OC_JSON_ARRAY)
		return OC_ERR_PARSE;
	for (i = 0; i < oc_json_len(a); i++) {
		const char *s = oc_json_string(oc_json_at(a, i), &len);

		if (!s || memchr(s, '\0', len))
			return OC_ERR_PARSE;
		rc = oc_strlist_addn(out, s, len);
		if (rc)
			return rc;
	}
	return OC_OK;
}

int oc_jwt_verify(struct oc_signer *s, const char *tok, size_t n, int64_t now,
		  struct oc_principal *out, const char **why)
{
	struct oc_principal p;
	const char *dot1, *dot2, *str;
	uint8_t sig[SIG_LEN + 8], digest[OC_SIGMEMO_DIGEST_LEN];
	char *payload = NULL;
	size_t sig_len = 0, pl_len = 0, len;
	struct oc_json *js = NULL;
	EVP_MD_CTX *md = NULL;
	int rc = OC_ERR_UNAUTHORIZED;

	memset(&p, 0, sizeof(p));
	*why = "Invalid or expired token";
	if (n == 0 || n > OC_JWT_MAX)
		return rc;
	dot1 = memchr(tok, '.', n);
	dot2 =
	    dot1 ? memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - tok)) : NULL;
	if (!dot1 || !dot2 ||
	    memchr(dot2 + 1, '.', n - (size_t)(dot2 + 1 - tok)))
		return rc;
	/* Only our own header is ever accepted ("alg" is not negotiable). */
	if ((size_t)(dot1 - tok) != strlen(header_b64) ||
	    memcmp(tok, header_b64, strlen(header_b64)) != 0)
		return rc;
	if (oc_base64_decode(dot2 + 1, n - (size_t)(dot2 + 1 - tok), sig,
			     sizeof(sig), &sig_len) ||
	    sig_len != SIG_LEN)
		return rc;
	if (oc_sigmemo_digest(tok, n, digest))
		return rc;
	if (!oc_sigmemo_has(s->verified, digest)) {
		md = EVP_MD_CTX_new();
		if (!md ||
		    EVP_DigestVerifyInit_ex(md, NULL, NULL, oc_ossl_libctx(),
					    NULL, s->key, NULL) != 1 ||
		    EVP_DigestVerify(md, sig, sig_len,
				     (const unsigned char *)tok,
				     (size_t)(dot2 - tok)) != 1) {
			oc_ossl_clear_errors();
			goto out;
		}
		oc_sigmemo_add(s->verified, digest);
	}
	len = (size_t)(dot2 - dot1 - 1);
	payload = malloc(len + 1);
	if (!payload ||
	    oc_base64_decode(dot1 + 1, len, (uint8_t *)payload, len + 1,
			     &pl_len) ||
	    oc_json_parse(payload, pl_len, &js) ||
	    oc_json_type(js) != OC_JSON_OBJECT)
		goto out;
	str = oc_json_get_string(js, "sub", &len);
	if (!str || parse_sub(str, len, &p) ||
	    !oc_json_get_int(js, "exp", &p.exp) ||
	    !oc_json_get_int(js, "iat", &p.iat))
		goto out;
	oc_json_get_int(js, "gen", &p.gen);
	str = oc_json_get_string(js, "jti", &len);
	if (!str || len != OC_UUID_LEN)
		goto out;
	memcpy(p.jti, str, len);
	p.jti[len] = '\0';
	/* A "scopes" claim (tokens of earlier versions) is ignored. */
	if (claim_list(js, "vault_ids", &p.vault_ids) || claim_cnf(js, &p))
		goto out;
	if (now >= p.exp) {
		*why = "Token expired";
		goto out;
	}
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = OC_OK;
out:
	oc_principal_clear(&p);
	oc_json_free(js);
	free(payload);
	EVP_MD_CTX_free(md);
	return rc;
}
