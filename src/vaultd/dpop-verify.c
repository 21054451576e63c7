/* dpop-verify.c - checking a DPoP proof against the request it came with. */
#include "config.h"

#include "dpop-verify.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "ids.h"
#include "json.h"
#include "replay.h"

/* Values a proof's header or payload may hold: the SDK's header has 7 and
 * its payload 5; room for a few members we ignore. */
#define PART_MAX_VALUES 32
/* base64url of 64 bytes, no padding. */
#define SIG_B64_LEN 86

struct proof {
	const char *part[3]; /* header, payload, signature */
	size_t len[3];
	struct oc_json *header;
	struct oc_json *claims;
	struct oc_jwk key;
};

static void proof_clear(struct proof *p)
{
	oc_json_free(p->header);
	oc_json_free(p->claims);
	oc_jwk_clear(&p->key);
}

/* Exactly three non-empty parts separated by dots. */
static bool split(const char *s, size_t n, struct proof *p)
{
	const char *end = s + n, *dot;
	int i;

	for (i = 0; i < 3; i++) {
		dot = memchr(s, '.', (size_t)(end - s));
		if ((dot == NULL) != (i == 2))
			return false;
		if (!dot)
			dot = end;
		p->part[i] = s;
		p->len[i] = (size_t)(dot - s);
		if (p->len[i] == 0)
			return false;
		s = dot + 1;
	}
	return true;
}

/* A base64url part as a JSON object. */
static int part_json(const char *s, size_t n, struct oc_json **out)
{
	uint8_t *text = malloc(n);
	size_t len = 0;
	int rc;

	if (!text)
		return OC_ERR_NOMEM;
	rc = oc_base64url_decode(s, n, text, n, &len);
	if (!rc)
		rc = oc_json_parse_limited((const char *)text, len,
					   PART_MAX_VALUES, out);
	free(text);
	if (rc == OC_ERR_NOMEM)
		return rc;
	if (!rc && oc_json_type(*out) != OC_JSON_OBJECT) {
		oc_json_free(*out);
		*out = NULL;
		rc = OC_ERR_PARSE;
	}
	return rc ? OC_ERR_PARSE : OC_OK;
}

static bool string_is(const struct oc_json *obj, const char *key,
		      const char *want)
{
	size_t len = 0;
	const char *s = oc_json_get_string(obj, key, &len);

	return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

/* The JOSE header: typ, alg, no critical extensions, the key. */
static int check_header(struct proof *p, const char **why)
{
	const struct oc_json *jwk;
	int rc;

	if (!string_is(p->header, "typ", "dpop+jwt")) {
		*why = "DPoP proof typ must be dpop+jwt";
		return OC_ERR_UNAUTHORIZED;
	}
	if (!string_is(p->header, "alg", "ES256")) {
		*why = "DPoP proof alg must be ES256";
		return OC_ERR_UNAUTHORIZED;
	}
	if (oc_json_get(p->header, "crit")) {
		*why = "DPoP proof has critical header parameters";
		return OC_ERR_UNAUTHORIZED;
	}
	jwk = oc_json_get(p->header, "jwk");
	if (!jwk) {
		*why = "DPoP proof has no jwk";
		return OC_ERR_UNAUTHORIZED;
	}
	rc = oc_jwk_parse(jwk, &p->key, why);
	return rc == OC_ERR_PARSE ? OC_ERR_UNAUTHORIZED : rc;
}

static int check_signature(const struct proof *p, const char **why)
{
	uint8_t sig[OC_ES256_SIG_LEN + 3];
	size_t len = 0;

	*why = "DPoP proof signature is invalid";
	if (p->len[2] != SIG_B64_LEN ||
	    oc_base64url_decode(p->part[2], p->len[2], sig, sizeof(sig),
				&len) ||
	    len != OC_ES256_SIG_LEN)
		return OC_ERR_UNAUTHORIZED;
	/* Signed: base64url(header) "." base64url(payload). */
	if (oc_jwk_verify_es256(&p->key, (const uint8_t *)p->part[0],
				p->len[0] + 1 + p->len[1], sig, len))
		return OC_ERR_UNAUTHORIZED;
	return OC_OK;
}

/* host[:port] or [v6]:port, port defaulted; false when it is not one. */
struct authority {
	const char *host;
	size_t host_len;
	unsigned long port;
};

static bool parse_authority(const char *s, size_t n, unsigned long default_port,
			    struct authority *a)
{
	const char *rest;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '@' || s[i] == '/')
			return false;
	if (s[0] == '[') {
		rest = memchr(s, ']', n);
		if (!rest)
			return false;
		rest++;
	} else {
		rest = memchr(s, ':', n);
		if (!rest)
			rest = s + n;
	}
	a->host = s;
	a->host_len = (size_t)(rest - s);
	a->port = default_port;
	if (rest == s + n)
		return a->host_len > 0;
	if (*rest != ':' || a->host_len == 0)
		return false;
	/* "host:" is the default port (RFC 3986 §6.2.3). */
	if (rest + 1 == s + n)
		return true;
	a->port = 0;
	for (rest++; rest < s + n; rest++) {
		if (*rest < '0' || *rest > '9' || a->port > 65535)
			return false;
		a->port = a->port * 10 + (unsigned long)(*rest - '0');
	}
	return a->port > 0 && a->port <= 65535;
}

/* Equal but for the case of the hex digits of percent-escapes. */
static bool path_equal(const char *a, size_t an, const char *b, size_t bn)
{
	unsigned escape = 0;
	size_t i;

	if (an != bn)
		return false;
	for (i = 0; i < an; i++) {
		if (escape) {
			escape--;
			if (tolower((unsigned char)a[i]) !=
			    tolower((unsigned char)b[i]))
				return false;
			continue;
		}
		if (a[i] != b[i])
			return false;
		if (a[i] == '%')
			escape = 2;
	}
	return true;
}

static bool htu_matches(const char *htu, size_t n,
			const struct oc_dpop_request *req)
{
	const char *scheme = req->tls ? "https" : "http";
	unsigned long port = req->tls ? 443 : 80;
	size_t slen = strlen(scheme), alen, plen;
	struct authority want, got;
	const char *auth, *path;

	if (!req->host ||
	    !parse_authority(req->host, strlen(req->host), port, &want))
		return false;
	if (n < slen + 3 || strncasecmp(htu, scheme, slen) != 0 ||
	    memcmp(htu + slen, "://", 3) != 0)
		return false;
	auth = htu + slen + 3;
	n -= slen + 3;
	alen = strcspn(auth, "/?#");
	if (alen > n || !parse_authority(auth, alen, port, &got) ||
	    got.port != want.port || got.host_len != want.host_len ||
	    strncasecmp(got.host, want.host, got.host_len) != 0)
		return false;
	path = auth + alen;
	plen = strcspn(path, "?#");
	if (plen > n - alen)
		return false;
	/* An empty path is "/" (RFC 3986 §6.2.3). */
	if (plen == 0)
		return strcmp(req->path, "/") == 0;
	return path_equal(path, plen, req->path, strlen(req->path));
}

/* The claims about the request: method, URL, time. */
static int check_claims(const struct proof *p,
			const struct oc_dpop_request *req, int64_t *iat_out,
			const char **why)
{
	const char *s;
	size_t len = 0;
	int64_t iat;

	s = oc_json_get_string(p->claims, "htm", &len);
	if (!s || len != strlen(req->method) ||
	    memcmp(s, req->method, len) != 0) {
		*why = "DPoP proof is for another method";
		return OC_ERR_UNAUTHORIZED;
	}
	s = oc_json_get_string(p->claims, "htu", &len);
	if (!s || memchr(s, '\0', len) || !htu_matches(s, len, req)) {
		*why = "DPoP proof is for another URL";
		return OC_ERR_UNAUTHORIZED;
	}
	if (!oc_json_get_int(p->claims, "iat", &iat)) {
		*why = "DPoP proof has no iat";
		return OC_ERR_UNAUTHORIZED;
	}
	if (iat < req->now - OC_DPOP_IAT_PAST) {
		*why = "DPoP proof is too old";
		return OC_ERR_UNAUTHORIZED;
	}
	if (iat > req->now + OC_DPOP_IAT_FUTURE) {
		*why = "DPoP proof is issued in the future";
		return OC_ERR_UNAUTHORIZED;
	}
	*iat_out = iat;
	return OC_OK;
}

/* Last, once the proof is otherwise good: its jti is used up. */
static int check_jti(struct oc_replay *seen, const struct proof *p,
		     const char *jkt, int64_t iat, int64_t now,
		     int64_t *retry_at, const char **why)
{
	const char *jti;
	size_t len = 0;
	int rc;

	jti = oc_json_get_string(p->claims, "jti", &len);
	if (!jti || len == 0 || len > OC_DPOP_JTI_MAX) {
		*why = "DPoP proof jti must be 1 to 64 bytes";
		return OC_ERR_UNAUTHORIZED;
	}
	if (!seen)
		return OC_OK;
	/* Remembered for as long as check_claims would accept the proof. */
	rc = oc_replay_add(seen, jkt, jti, len, iat + OC_DPOP_IAT_PAST + 1, now,
			   retry_at);
	if (rc == OC_ERR_CONFLICT) {
		*why = "DPoP proof replayed";
		return OC_ERR_UNAUTHORIZED;
	}
	if (rc == OC_ERR_RATE_LIMITED)
		*why = "Too many DPoP proofs in flight; retry shortly";
	return rc;
}

int oc_dpop_verify(struct oc_replay *seen, const char *proof,
		   const struct oc_dpop_request *req, const char *jkt,
		   char key_jkt[OC_JWK_THUMBPRINT_LEN + 1], int64_t *retry_at,
		   const char **why)
{
	struct proof p;
	char thumb[OC_JWK_THUMBPRINT_LEN + 1];
	size_t n = strnlen(proof, OC_DPOP_PROOF_ACCEPT_MAX + 1);
	int64_t iat = 0;
	int rc = OC_ERR_UNAUTHORIZED;

	memset(&p, 0, sizeof(p));
	*why = "DPoP proof is too large";
	if (n > OC_DPOP_PROOF_ACCEPT_MAX)
		return rc;
	*why = "DPoP proof is not a compact JWS";
	if (!split(proof, n, &p))
		return rc;
	*why = "DPoP proof is malformed";
	rc = part_json(p.part[0], p.len[0], &p.header);
	if (!rc)
		rc = part_json(p.part[1], p.len[1], &p.claims);
	if (rc == OC_ERR_PARSE)
		rc = OC_ERR_UNAUTHORIZED;
	if (!rc)
		rc = check_header(&p, why);
	if (!rc)
		rc = check_signature(&p, why);
	if (!rc)
		rc = oc_jwk_thumbprint(&p.key, thumb);
	if (!rc && jkt && strcmp(thumb, jkt) != 0) {
		*why = "DPoP proof signed by another key";
		rc = OC_ERR_UNAUTHORIZED;
	}
	if (!rc)
		rc = check_claims(&p, req, &iat, why);
	if (!rc)
		rc = check_jti(seen, &p, thumb, iat, req->now, retry_at, why);
	if (!rc)
		memcpy(key_jkt, thumb, sizeof(thumb));
	proof_clear(&p);
	return rc;
}
