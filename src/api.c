/* api.c - the 1claw vault HTTP API client (wire facts: 1claw-api.md).
 *
 * Token life cycle: an agent key (ocv_) is exchanged at
 * POST /v1/auth/agent-token, a user key (1ck_) at /v1/auth/api-key-token; a
 * static token is used as is.  The token lives in locked memory with its
 * expiry (expires_in, else the JWT exp claim) and is renewed 60 s before
 * it runs out by one thread at a time; the others keep using the old token
 * meanwhile, or wait when there is none.  A 401, or a 403 that says the
 * token is out of date, makes the call drop the token it used, exchange
 * again once and retry.  A 402 is about money, not the token (the service
 * answers it before authentication on paid routes): it is returned as it
 * is.
 *
 * DPoP (oc_api_set_dpop): the token exchange sends the public JWK as
 * dpop_jwk, and every request, the exchange included, carries a DPoP proof
 * made by oc_http for each try (a retry signs anew: fresh jti and iat) for
 * the method and the URL as sent.  The bearer scheme stays "Bearer", as
 * the SDK sends it.  No server nonce is taken (the SDK takes none either):
 * a 401 with WWW-Authenticate: DPoP error="use_dpop_nonce" is a 401 like
 * any other.
 *
 * Answers are read liberally (api.h); what cannot be used is
 * OC_ERR_SERVER with the reason in the api debug log. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api.h"
#include "api-call.h"
#include "buf.h"
#include "codec.h"
#include "dpop.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "secmem.h"
#include "tokcache.h"

#define MAX_TOKEN	     16384
#define MAX_PROBLEM	     (64 * 1024)
#define DEFAULT_TOKEN_LIFE_S 3600
#define MAX_TOKEN_LIFE_S     (10LL * 365 * 24 * 3600)
#define REFRESH_EARLY_MS     60000u
#define MAX_TIMEOUT_S	     3600u
#define REQ_PATH_MAX	     (OC_WIRE_PATH_MAX * 3 + 512)
#define MAX_SMALL_BODY	     4096
/* One list entry: its metadata and the rest. */
#define MAX_ENTRY_BYTES (OC_WIRE_METADATA_MAX + 64 * 1024)
#define MAX_ENTRY_NODES 65536
/* All the entries one list keeps: a vault of 100,000 secrets with
 * ordinary metadata holds about 40 MiB. */
#define MAX_LIST_BYTES (256u * 1024 * 1024)

struct oc_api {
	struct oc_http *http;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t refreshed;
	bool refreshing;
	enum oc_cred_kind kind;
	char *cred;		 /* oc_secure_alloc */
	char *agent_id;		 /* plain heap */
	char *token;		 /* oc_secure_alloc */
	uint64_t token_exp_ms;	 /* monotonic; 0: no known expiry */
	uint64_t token_early_ms; /* renew this long before expiry */
	unsigned long token_gen;
	unsigned long cred_gen;
	/* A token refused as out of date right after it was issued: the 403
	 * is about the agent (no scopes at all), not the token, and another
	 * exchange would not help.  0: none. */
	unsigned long stale_refused_gen;
	size_t max_value;
	unsigned long serial; /* keys this client's record in struct last */
	/* Set before the first request, then only read. */
	struct oc_dpop *dpop; /* NULL: plain bearer tokens */
	struct oc_http_fresh_header dpop_header;
	char *base_url;	   /* the token cache's binding */
	char *token_cache; /* NULL: none (tokcache.h) */
};

/* A string member of a JSON object body. */
struct member {
	const char *key;
	const char *value; /* NULL: left out */
};

/* One API request, on <root>[/<vault_id>][<sub>][<name>][?prefix=
 * <prefix>] with vault_id, name and prefix percent-encoded. */
struct call {
	const char *method;
	const char *root;     /* "/v1/agents", ...; NULL: "/v1/vaults" */
	const char *vault_id; /* NULL: the root itself; else its item */
	const char *sub;      /* "/cmek", "/secrets/", ... or NULL */
	const char *name;     /* a secret path or job id after sub, or NULL */
	const char *prefix;   /* a list filter, or NULL */
	const struct member *members; /* the body: an object of these, */
	size_t n_members;
	const void *body; /* or this JSON text */
	size_t body_len;
	const struct oc_http_header *headers;
	size_t n_headers;
	bool idempotent;
	bool fresh_connection;		 /* see oc_http_req */
	const struct oc_http_sink *sink; /* reads a 2xx body as it comes */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- small validators ------------------------------------------------- */

/* Tokens and keys go into a header: visible ASCII only. */
static bool token_chars_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Ids (vault, secret, job, agent): uuids in practice. */
static bool id_ok(const char *s, size_t n)
{
	/* Bit c of the 128: c is one of a-z A-Z 0-9 - _ . : ~.  A table and
	 * no branch per character: an id is checked in every list entry. */
	static const uint64_t allowed[2] = {0x7ff600000000000ull,
					    0x47fffffe87fffffeull};
	unsigned bad = 0;
	size_t i;

	if (n == 0 || n > OC_WIRE_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		bad |= (ch >> 7) |
		       ((unsigned)(~allowed[(ch >> 6) & 1] >> (ch & 63)) & 1u);
	}
	return bad == 0;
}

/* Paths the service returned stay addressable (the liberal rule). */
static bool secret_path_ok(const char *p)
{
	return p && oc_wire_path_ok(p, strlen(p), OC_WIRE_PATH_ACCEPT);
}

static bool arg_id_ok(const char *s)
{
	return s && id_ok(s, strlen(s));
}

/* --- last status and problem detail ------------------------------------ */

/* What a thread last heard from a client.  The module shares one client
 * between its threads, so each thread keeps its own record and never reads
 * another thread's failure.  Records are keyed by the client's serial
 * number, not its address, which a later client may reuse; a thread keeps
 * them for the last few clients it used. */
#define LAST_SLOTS 4

struct last {
	unsigned long client; /* serial; 0: unused */
	long status;
	char error[256];
};

static __thread struct last last_seen[LAST_SLOTS];
static __thread unsigned last_next;
static unsigned long serials; /* __atomic */

/* This thread's record for a, or NULL; make takes the oldest slot when
 * there is none. */
static struct last *last_of(const struct oc_api *a, bool make)
{
	struct last *l;
	size_t i;

	for (i = 0; i < LAST_SLOTS; i++)
		if (last_seen[i].client == a->serial)
			return &last_seen[i];
	if (!make)
		return NULL;
	l = &last_seen[last_next++ % LAST_SLOTS];
	memset(l, 0, sizeof(*l));
	l->client = a->serial;
	return l;
}

static bool contains(const char *hay, size_t hn, const char *needle)
{
	size_t nn;

	if (!needle)
		return false;
	nn = strlen(needle);
	return nn > 0 && nn <= hn && memmem(hay, hn, needle, nn) != NULL;
}

/* A member of a 402 body's first "accepts" entry, string or number, into
 * dst ("" when absent).  Only short words of a price's characters are
 * taken whole: nothing as long as a key or a token can reach the log this
 * way, not even cut. */
static void accepts_member(const struct oc_json *a0, const char *key, char *dst,
			   size_t dsz)
{
	const struct oc_json *v = oc_json_get(a0, key);
	const char *s;
	int64_t i;
	size_t n, k;

	dst[0] = '\0';
	if (oc_json_int(v, &i)) {
		snprintf(dst, dsz, "%lld", (long long)i);
		return;
	}
	s = oc_json_string(v, &n);
	if (!s || n == 0 || n >= dsz || n > 24)
		return;
	for (k = 0; k < n; k++)
		if (s[k] == '\0' ||
		    (!isalnum((unsigned char)s[k]) && !strchr("$.,:_- ", s[k])))
			return;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A 402's message: the service's words, then what it asks for from its
 * PaymentRequirement body ({x402Version, accepts: [{scheme, network,
 * price | maxAmountRequired, ...}]}). */
static void payment_text(char *dst, size_t dsz, const struct oc_json *j,
			 const char *msg, size_t msg_n)
{
	const struct oc_json *acc = oc_json_get(j, "accepts");
	const struct oc_json *a0 =
	    oc_json_type(acc) == OC_JSON_ARRAY && oc_json_len(acc) > 0
		? oc_json_at(acc, 0)
		: NULL;
	char words[96] = "", price[48], scheme[32], network[32];

	if (msg)
		oc_http_printable(words, sizeof(words), msg, msg_n);
	accepts_member(a0, "price", price, sizeof(price));
	if (!price[0])
		accepts_member(a0, "maxAmountRequired", price, sizeof(price));
	accepts_member(a0, "scheme", scheme, sizeof(scheme));
	accepts_member(a0, "network", network, sizeof(network));
	if (!price[0] && !scheme[0]) {
		snprintf(dst, dsz, "%s", words[0] ? words : "HTTP 402");
		return;
	}
	snprintf(dst, dsz, "%s%sprice %s, scheme %s%s%s", words,
		 words[0] ? "; " : "", price[0] ? price : "not stated",
		 scheme[0] ? scheme : "not stated", network[0] ? " on " : "",
		 network);
}

/* Whether text holds our credential, token, the request's bearer or the
 * key it carried. */
static bool echoes(struct oc_api *a, const char *text, size_t n,
		   const char *bearer, const char *sent)
{
	bool hit = contains(text, n, bearer) || contains(text, n, sent);

	pthread_mutex_lock(&a->lock);
	hit = hit || contains(text, n, a->cred) || contains(text, n, a->token);
	pthread_mutex_unlock(&a->lock);
	return hit;
}

/* Records status and the RFC 7807 detail (then message, error, or
 * "HTTP <status>").  A detail that echoes our credential, token, the
 * request's bearer or the key it carried (sent, a PIN being tried) is
 * replaced: the last error goes to logs. */
static void record(struct oc_api *a, long status, const struct oc_buf *body,
		   const char *bearer, const char *sent)
{
	struct last *l = last_of(a, true);
	struct oc_json *j = NULL;
	const char *msg = NULL;
	size_t n = 0;

	l->status = status;
	l->error[0] = '\0';
	if (status >= 200 && status <= 299)
		return;
	if (body && body->len > 0 && body->len <= MAX_PROBLEM &&
	    oc_json_parse((const char *)body->data, body->len, &j) == OC_OK &&
	    oc_json_type(j) == OC_JSON_OBJECT) {
		msg = oc_json_get_string(j, "detail", &n);
		if (!msg || n == 0)
			msg = oc_json_get_string(j, "message", &n);
		if (!msg || n == 0)
			msg = oc_json_get_string(j, "error", &n);
		if (msg && n == 0)
			msg = NULL;
	}
	if (msg && echoes(a, msg, n, bearer, sent))
		msg = NULL;
	if (status == 402 && j)
		payment_text(l->error, sizeof(l->error), j, msg, n);
	else if (msg)
		oc_http_printable(l->error, sizeof(l->error), msg, n);
	/* The price words too: a short credential fits in one. */
	if (!l->error[0] || echoes(a, l->error, strlen(l->error), bearer, sent))
		snprintf(l->error, sizeof(l->error), "HTTP %ld", status);
	oc_json_free(j);
}

/* oc_http_do with its outcome recorded for oc_api_last_status/_error (a
 * transport failure keeps the status of the answer before).  sent: a key
 * the body carries, kept out of the recorded error; may be NULL. */
static int send_req(struct oc_api *a, const struct oc_http_req *rq,
		    struct oc_http_resp *rs, const char *sent)
{
	int rc = oc_http_do(a->http, rq, rs);

	if (rc) {
		struct last *l = last_of(a, true);
		snprintf(l->error, sizeof(l->error), "%s", oc_strerror(rc));
	} else {
		record(a, rs->status, &rs->body, rq->bearer, sent);
	}
	return rc;
}

static int status_err(long st)
{
	switch (st) {
	case 400:
		return OC_ERR_BAD_REQUEST;
	case 401:
		return OC_ERR_UNAUTHORIZED;
	case 402:
		return OC_ERR_PAYMENT;
	case 403:
		return OC_ERR_FORBIDDEN;
	case 404:
		return OC_ERR_NOT_FOUND;
	case 409:
		return OC_ERR_CONFLICT;
	case 410:
		return OC_ERR_GONE;
	case 413:
		return OC_ERR_TOO_LARGE;
	case 429:
		return OC_ERR_RATE_LIMITED;
	default:
		if (st >= 500 && st <= 599)
			return OC_ERR_SERVER;
		if (st >= 400 && st <= 499)
			return OC_ERR_BAD_REQUEST;
		return OC_ERR_SERVER; /* 1xx, 3xx (never followed), odd 2xx */
	}
}

/* --- JSON helpers ------------------------------------------------------ */

static int bad_field(const char *what, const char *key)
{
	oc_debug(OC_LOG_API, "server response: %s \"%s\"", what, key);
	return OC_ERR_SERVER;
}

static int parse_body(const struct oc_http_resp *rs, struct oc_json **out)
{
	struct oc_json *j = NULL;
	int rc;

	if (rs->body.len == 0)
		return bad_field("empty body where JSON was due", "");
	rc = oc_json_parse((const char *)rs->body.data, rs->body.len, &j);
	if (rc) {
		oc_debug(OC_LOG_API, "server response is not valid JSON (%s)",
			 oc_strerror(rc));
		return OC_ERR_SERVER;
	}
	if (oc_json_type(j) != OC_JSON_OBJECT) {
		oc_json_free(j);
		return bad_field("not an object", "");
	}
	*out = j;
	return OC_OK;
}

enum text_kind { TEXT_ID, TEXT_LINE };

/* A string member copied into dst.  Absent or null is fine unless
 * required (dst is then ""); a wrong type, a length outside [min, max] or
 * bad characters are OC_ERR_SERVER. */
static int get_text(const struct oc_json *o, const char *key, bool required,
		    size_t min, size_t max, enum text_kind kind, char *dst,
		    size_t dsz)
{
	const struct oc_json *v = oc_json_get(o, key);
	const char *s;
	size_t n;

	dst[0] = '\0';
	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return required ? bad_field("missing", key) : OC_OK;
	s = oc_json_string(v, &n);
	if (!s)
		return bad_field("not a string", key);
	if (n < min || n > max || n >= dsz)
		return bad_field("length out of bounds", key);
	if (kind == TEXT_ID ? !id_ok(s, n) : !oc_wire_text(s, n))
		return bad_field("bad characters", key);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return OC_OK;
}

static int get_int(const struct oc_json *o, const char *key, bool required,
		   int64_t min, int64_t *out)
{
	const struct oc_json *v = oc_json_get(o, key);

	*out = 0;
	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return required ? bad_field("missing", key) : OC_OK;
	if (!oc_json_int(v, out))
		return bad_field("not an integer", key);
	if (*out < min)
		return bad_field("out of range", key);
	return OC_OK;
}

/* --- liberal readers: optional members taken as they come ------------- */

static void ignored(const char *key, const char *why)
{
	oc_debug(OC_LOG_API, "server response: \"%s\" %s: ignored", key, why);
}

/* s[0..n) into dst, cut to what fits on a UTF-8 character boundary, and
 * at a NUL (JSON allows \u0000; C strings end there). */
static void clip_text(char *dst, size_t dsz, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);

	if (nul)
		n = (size_t)(nul - s);
	if (n >= dsz) {
		n = dsz - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* An optional string member into dst: absent, null or mistyped is "". */
static void take_text(const struct oc_json *o, const char *key, char *dst,
		      size_t dsz)
{
	const struct oc_json *v = oc_json_get(o, key);
	const char *s;
	size_t n;

	dst[0] = '\0';
	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return;
	s = oc_json_string(v, &n);
	if (!s) {
		ignored(key, "is not a string");
		return;
	}
	if (n >= dsz)
		oc_debug(OC_LOG_API,
			 "server response: \"%s\" of %zu bytes "
			 "clipped to %zu",
			 key, n, dsz - 1);
	clip_text(dst, dsz, s, n);
}

/* An id, usable only as sent: a string of id characters that fits. */
static bool take_id(const struct oc_json *o, const char *key,
		    char dst[OC_WIRE_ID_MAX + 1])
{
	size_t n = 0;
	const char *s = oc_json_get_string(o, key, &n);

	dst[0] = '\0';
	if (!s || !id_ok(s, n))
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* An optional boolean; *present tells whether the server said. */
static void take_bool(const struct oc_json *o, const char *key, bool *out,
		      bool *present)
{
	const struct oc_json *v = oc_json_get(o, key);
	bool ok;

	*out = false;
	ok = v && oc_json_bool(v, out);
	if (v && !ok && oc_json_type(v) != OC_JSON_NULL)
		ignored(key, "is not a boolean");
	if (present)
		*present = ok;
}

/* An optional integer of at least min; else 0. */
static void take_int(const struct oc_json *o, const char *key, int64_t min,
		     int64_t *out)
{
	const struct oc_json *v = oc_json_get(o, key);

	*out = 0;
	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return;
	if (!oc_json_int(v, out) || *out < min) {
		*out = 0;
		ignored(key, "is not a whole number in range");
	}
}

/* An optional fingerprint: 64 hex digits of either case, kept lower-case;
 * anything else is "".  False when the server named one this client
 * cannot read (a value that is there, but not 64 hex digits). */
static bool take_fpr(const struct oc_json *o, const char *key, char *dst)
{
	const struct oc_json *v = oc_json_get(o, key);
	char raw[OC_CMEK_FPR_HEX_LEN + 2];
	size_t i, n = 1;

	dst[0] = '\0';
	if (!v || oc_json_type(v) == OC_JSON_NULL ||
	    (oc_json_string(v, &n) && n == 0))
		return true; /* none */
	take_text(o, key, raw, sizeof(raw));
	for (i = 0; raw[i]; i++)
		raw[i] = (char)tolower((unsigned char)raw[i]);
	if (!oc_is_fingerprint_hex(raw, strlen(raw))) {
		ignored(key, "is not a 64 hex digit fingerprint");
		return false;
	}
	memcpy(dst, raw, OC_CMEK_FPR_HEX_LEN + 1);
	return true;
}

static int jmap(struct oc_jgen *j, bool open)
{
	yajl_gen_status st =
	    open ? yajl_gen_map_open(j->g) : yajl_gen_map_close(j->g);

	if (st != yajl_gen_status_ok)
		return j->err ? j->err : OC_ERR_INTERNAL;
	return oc_jgen_status(j);
}

/* A JSON object of string members into b, and then obj_key: obj when
 * obj_key is not NULL. */
static int json_object_with(struct oc_buf *b, const struct member *m, size_t n,
			    const char *obj_key, const struct oc_json *obj)
{
	struct oc_jgen j;
	size_t i;
	int rc;

	rc = oc_jgen_init(&j, b);
	if (!rc)
		rc = jmap(&j, true);
	for (i = 0; i < n && !rc; i++)
		if (m[i].value)
			rc = oc_jgen_kv_str(&j, m[i].key, m[i].value);
	if (!rc && obj_key) {
		rc = oc_jgen_str(&j, obj_key);
		if (!rc)
			rc = oc_jgen_node(&j, obj);
	}
	if (!rc)
		rc = jmap(&j, false);
	oc_jgen_free(&j);
	return rc;
}

static int json_object(struct oc_buf *b, const struct member *m, size_t n)
{
	return json_object_with(b, m, n, NULL, NULL);
}

/* Serialises a metadata member (object or absent/null) as text. */
static int metadata_text(const struct oc_json *o, char **out)
{
	const struct oc_json *v = oc_json_get(o, "metadata");
	struct oc_buf b;
	struct oc_jgen j;
	size_t n;
	int rc;

	if (v && oc_json_type(v) != OC_JSON_NULL &&
	    oc_json_type(v) != OC_JSON_OBJECT)
		ignored("metadata", "is not an object");
	if (oc_json_type(v) != OC_JSON_OBJECT || oc_json_len(v) == 0) {
		/* Most secrets carry none: no generator for "{}". */
		*out = strdup("{}");
		return *out ? OC_OK : OC_ERR_NOMEM;
	}
	oc_buf_init(&b, OC_WIRE_METADATA_MAX, false);
	rc = oc_jgen_init(&j, &b);
	if (!rc)
		rc = oc_jgen_node(&j, v);
	if (!rc)
		rc = oc_jgen_status(&j);
	oc_jgen_free(&j);
	if (rc) {
		oc_buf_free(&b);
		return rc == OC_ERR_RANGE ? bad_field("too large", "metadata")
					  : rc;
	}
	*out = (char *)oc_buf_steal(&b, &n);
	return *out ? OC_OK : OC_ERR_NOMEM;
}

/* --- token handling ----------------------------------------------------- */

/* The exp claim of a JWT-shaped token, seconds since the epoch. */
static bool jwt_exp(const char *tok, int64_t *exp)
{
	const char *p1, *p2;
	struct oc_json *j = NULL;
	uint8_t *pl = NULL;
	size_t n, plen = 0;
	bool ok = false;

	p1 = strchr(tok, '.');
	if (!p1)
		return false;
	p2 = strchr(p1 + 1, '.');
	if (!p2 || strchr(p2 + 1, '.'))
		return false;
	n = (size_t)(p2 - p1 - 1);
	if (n == 0 || n > MAX_TOKEN)
		return false;
	pl = oc_secure_alloc(oc_base64_decoded_max(n) + 1);
	if (!pl)
		return false;
	if (oc_base64_decode(p1 + 1, n, pl, oc_base64_decoded_max(n) + 1,
			     &plen) == OC_OK &&
	    oc_json_parse((const char *)pl, plen, &j) == OC_OK &&
	    oc_json_get_int(j, "exp", exp))
		ok = true;
	oc_json_free(j);
	oc_secure_free(pl);
	return ok;
}

/* Lifetime in ms of a fresh token from expires_in, else the exp claim. */
static uint64_t token_life_ms(const char *tok, bool have_expires_in,
			      int64_t expires_in)
{
	int64_t exp, left;

	if (have_expires_in)
		return (uint64_t)expires_in * 1000u;
	if (jwt_exp(tok, &exp)) {
		left = exp - (int64_t)time(NULL);
		if (left > 0 && left <= MAX_TOKEN_LIFE_S)
			return (uint64_t)left * 1000u;
	}
	/* Unknown (or a clock that disagrees): a 401 re-exchanges anyway. */
	return (uint64_t)DEFAULT_TOKEN_LIFE_S * 1000u;
}

static uint64_t early_ms(uint64_t life)
{
	return life / 2 < REFRESH_EARLY_MS ? life / 2 : REFRESH_EARLY_MS;
}

static int exchange_err(long st)
{
	switch (st) {
	case 400:
	case 401:
	case 403:
	case 404:
		return OC_ERR_UNAUTHORIZED; /* the key is refused */
	default:
		return status_err(st);
	}
}

/* Exchanges a key for a token.  No lock held: this is network I/O. */
static int exchange(struct oc_api *a, enum oc_cred_kind kind, const char *key,
		    const char *agent_id, char **tok_out, uint64_t *life_out)
{
	const struct member m[] = {
	    {"api_key", key},
	    {"agent_id", kind == OC_CRED_AGENT_KEY ? agent_id : NULL},
	};
	struct oc_http_req rq = {0};
	struct oc_http_resp rs;
	struct oc_buf body;
	struct oc_json *resp = NULL, *jwk = NULL;
	const struct oc_json *v;
	const char *s;
	char type[OC_WIRE_TYPE_MAX + 1], jwk_text[OC_DPOP_JWK_MAX];
	int64_t expires_in = 0;
	bool have_exp = false;
	size_t n;
	int rc;

	/* Secret buffers are page mappings: size once, do not grow. */
	oc_buf_init(&body, 2 * MAX_TOKEN + 1024, true);
	rc = oc_buf_reserve(&body, strlen(key) +
				       (agent_id ? strlen(agent_id) : 0) +
				       OC_DPOP_JWK_MAX + 64);
	if (!rc && a->dpop) {
		/* The key the token is to be bound to (RFC 9449 §5). */
		rc = oc_dpop_jwk(a->dpop, jwk_text, sizeof(jwk_text));
		if (rc)
			oc_debug(OC_LOG_API, "DPoP key: %s", oc_strerror(rc));
		else
			rc = oc_json_parse(jwk_text, strlen(jwk_text), &jwk);
	}
	if (!rc)
		rc =
		    json_object_with(&body, m, 2, jwk ? "dpop_jwk" : NULL, jwk);
	if (rc)
		goto out;

	rq.method = "POST";
	rq.path = kind == OC_CRED_AGENT_KEY ? "/v1/auth/agent-token"
					    : "/v1/auth/api-key-token";
	rq.body = body.data;
	rq.body_len = body.len;
	rq.idempotent = true; /* a second token is harmless */
	rq.fresh = a->dpop ? &a->dpop_header : NULL;
	rc = send_req(a, &rq, &rs, key);
	if (rc)
		goto out_resp;
	if (rs.status != 200 && rs.status != 201) {
		rc = exchange_err(rs.status);
		oc_debug(OC_LOG_API, "token exchange (%s): HTTP %ld",
			 kind == OC_CRED_AGENT_KEY ? "agent key" : "user key",
			 rs.status);
		goto out_resp;
	}
	rc = parse_body(&rs, &resp);
	if (rc)
		goto out_resp;
	v = oc_json_get(resp, "access_token");
	s = v ? oc_json_string(v, &n) : NULL;
	if (!s || n > MAX_TOKEN || !token_chars_ok(s, n)) {
		rc = bad_field(v ? "bad token" : "missing", "access_token");
		goto out_resp;
	}
	rc = get_text(resp, "token_type", false, 0, sizeof(type) - 1, TEXT_LINE,
		      type, sizeof(type));
	if (rc)
		goto out_resp;
	v = oc_json_get(resp, "expires_in");
	if (v && oc_json_type(v) != OC_JSON_NULL) {
		if (!oc_json_int(v, &expires_in) || expires_in <= 0 ||
		    expires_in > MAX_TOKEN_LIFE_S) {
			rc = bad_field("bad value", "expires_in");
			goto out_resp;
		}
		have_exp = true;
	}
	*tok_out = oc_secure_dup(s, n);
	if (!*tok_out) {
		rc = OC_ERR_NOMEM;
		goto out_resp;
	}
	*life_out = token_life_ms(*tok_out, have_exp, expires_in);
	oc_debug(OC_LOG_API, "token exchanged (%zu chars, valid %llu s%s)", n,
		 (unsigned long long)(*life_out / 1000u),
		 a->dpop ? ", DPoP-bound key" : "");
	rc = OC_OK;
out_resp:
	oc_json_free(resp);
	oc_http_resp_free(&rs);
out:
	oc_json_free(jwk);
	oc_buf_free(&body);
	return rc;
}

static void drop_token(struct oc_api *a)
{
	oc_secure_free(a->token); /* wipes */
	a->token = NULL;
	a->token_exp_ms = 0;
	a->token_early_ms = 0;
}

static void drop_cred(struct oc_api *a)
{
	oc_secure_free(a->cred);
	a->cred = NULL;
	a->kind = OC_CRED_NONE;
}

static bool can_exchange(enum oc_cred_kind k)
{
	return k == OC_CRED_AGENT_KEY || k == OC_CRED_USER_KEY;
}

/* The token cache's binding for this client and key. */
static int cache_binding(struct oc_api *a, enum oc_cred_kind kind,
			 const char *key, const char *agent,
			 uint8_t bind[OC_TOKCACHE_BIND])
{
	char jkt[OC_DPOP_JKT_LEN + 1] = "";

	if (a->dpop && oc_dpop_thumbprint(a->dpop, jkt) != OC_OK)
		return OC_ERR_CRYPTO;
	return oc_tokcache_binding(a->base_url, (int)kind, key, agent,
				   a->dpop ? jkt : NULL, bind);
}

/* A token for key: the cached one of another process when there is one,
 * else a fresh exchange (then kept for the next process).  No lock held. */
static int token_get(struct oc_api *a, enum oc_cred_kind kind, const char *key,
		     const char *agent, char **tok, uint64_t *life)
{
	uint8_t bind[OC_TOKCACHE_BIND];
	uint64_t left_s;
	bool cache =
	    a->token_cache && cache_binding(a, kind, key, agent, bind) == OC_OK;
	int rc;

	if (cache &&
	    oc_tokcache_load(a->token_cache, bind, REFRESH_EARLY_MS / 1000u,
			     tok, &left_s) == 0) {
		*life = left_s * 1000u;
		rc = OC_OK;
	} else {
		rc = exchange(a, kind, key, agent, tok, life);
		if (!rc && cache)
			oc_tokcache_store(a->token_cache, bind, *tok,
					  *life / 1000u);
	}
	OPENSSL_cleanse(bind, sizeof(bind)); /* a digest of the key */
	return rc;
}

/* A copy of a usable token for one request (caller frees with
 * oc_secure_free), and its generation. */
static int token_acquire(struct oc_api *a, char **tok, unsigned long *gen)
{
	enum oc_cred_kind kind;
	unsigned long cgen;
	char *key = NULL, *agent = NULL, *fresh = NULL;
	uint64_t life = 0, now;
	bool want_agent;
	int rc;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		now = now_ms();
		if (a->kind == OC_CRED_NONE) {
			pthread_mutex_unlock(&a->lock);
			oc_debug(OC_LOG_API, "no credential: login required");
			return OC_ERR_UNAUTHORIZED;
		}
		if (a->token &&
		    (a->kind == OC_CRED_TOKEN || a->token_exp_ms == 0 ||
		     now + a->token_early_ms < a->token_exp_ms ||
		     (a->refreshing && now < a->token_exp_ms))) {
			/* Fresh, static, or about to be renewed by another
			 * thread while still valid. */
			*gen = a->token_gen;
			*tok = oc_secure_strdup(a->token);
			pthread_mutex_unlock(&a->lock);
			return *tok ? OC_OK : OC_ERR_NOMEM;
		}
		if (!can_exchange(a->kind)) {
			pthread_mutex_unlock(&a->lock);
			return OC_ERR_UNAUTHORIZED;
		}
		if (!a->refreshing)
			break;
		pthread_cond_wait(&a->refreshed, &a->lock);
	}
	/* This thread renews; copies let the lock go during network I/O. */
	a->refreshing = true;
	kind = a->kind;
	cgen = a->cred_gen;
	key = oc_secure_strdup(a->cred);
	agent = a->agent_id ? strdup(a->agent_id) : NULL;
	want_agent = a->agent_id != NULL;
	pthread_mutex_unlock(&a->lock);

	if (!key || (want_agent && !agent))
		rc = OC_ERR_NOMEM;
	else
		rc = token_get(a, kind, key, agent, &fresh, &life);
	oc_secure_free(key);
	free(agent);

	pthread_mutex_lock(&a->lock);
	a->refreshing = false;
	pthread_cond_broadcast(&a->refreshed);
	if (!rc && cgen != a->cred_gen) {
		/* Logged out or in again meanwhile: not this token. */
		rc = OC_ERR_UNAUTHORIZED;
	}
	if (!rc) {
		drop_token(a);
		a->token = fresh;
		fresh = NULL;
		now = now_ms();
		a->token_exp_ms = now + life;
		a->token_early_ms = early_ms(life);
		a->token_gen++;
		*gen = a->token_gen;
		*tok = oc_secure_strdup(a->token);
		if (!*tok)
			rc = OC_ERR_NOMEM;
	}
	pthread_mutex_unlock(&a->lock);
	oc_secure_free(fresh);
	return rc;
}

/* The server refused the token of generation gen: forget it (unless
 * another thread already replaced it). */
static void token_invalidate(struct oc_api *a, unsigned long gen)
{
	char *refused = NULL;

	pthread_mutex_lock(&a->lock);
	if (a->token_gen == gen && can_exchange(a->kind)) {
		if (a->token_cache && a->token)
			refused = oc_secure_strdup(a->token);
		drop_token(a);
	}
	pthread_mutex_unlock(&a->lock);
	if (refused) {
		/* Nor may the next process use it. */
		oc_tokcache_drop(a->token_cache, refused);
		oc_secure_free(refused);
	}
}

/* --- the request path ---------------------------------------------------- */

/* An answer that never came, so that the caller's free is harmless. */
static void resp_none(struct oc_http_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->retry_after_s = -1;
}

/* A 403 that blames the token rather than the request: the service
 * revokes an agent's tokens when its policies change, and a token issued
 * before a grant lacks the scopes (the words are the ones the service's
 * own MCP client looks for). */
static bool stale_token_answer(const struct oc_api *a)
{
	static const char *const words[] = {"token has been revoked",
					    "no scopes", "scopes do not cover"};
	const struct last *l = last_of(a, false);
	size_t i;

	for (i = 0; l && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(l->error, words[i]))
			return true;
	return false;
}

/* Sends one authenticated request; OC_OK with rs->status set for any HTTP
 * answer (rs is freeable in every case: api_do clears it first).  A 401,
 * or a 403 for an out-of-date token, exchanges the credential once more
 * and tries again. */
static int api_call(struct oc_api *a, struct oc_http_req *rq,
		    struct oc_http_resp *rs)
{
	unsigned long gen = 0;
	bool again, stale;
	char *tok = NULL;
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		rc = token_acquire(a, &tok, &gen);
		if (rc)
			return rc;
		rq->bearer = tok;
		rq->fresh = a->dpop ? &a->dpop_header : NULL;
		rc = send_req(a, rq, rs, NULL);
		rq->bearer = NULL;
		oc_secure_free(tok);
		tok = NULL;
		if (rc) {
			oc_debug(OC_LOG_API, "%s %s: %s", rq->method, rq->path,
				 oc_strerror(rc));
			return rc;
		}
		oc_debug(OC_LOG_API, "%s %s: HTTP %ld", rq->method, rq->path,
			 rs->status);
		stale = rs->status == 403 && stale_token_answer(a);
		again = attempt == 0 && (rs->status == 401 || stale);
		if (stale || again) {
			pthread_mutex_lock(&a->lock);
			if (stale && attempt > 0)
				a->stale_refused_gen = gen;
			if (again)
				again = can_exchange(a->kind) &&
					!(stale && a->stale_refused_gen == gen);
			pthread_mutex_unlock(&a->lock);
		}
		if (!again)
			break;
		oc_debug(OC_LOG_API,
			 "HTTP %ld: exchanging the credential again",
			 rs->status);
		token_invalidate(a, gen);
		oc_http_resp_free(rs);
	}
	return OC_OK;
}

/* The path of cl (see struct call). */
static int build_path(struct oc_buf *b, const struct call *cl)
{
	int rc;

	rc = oc_buf_append_str(b, cl->root ? cl->root : "/v1/vaults");
	if (!rc && cl->vault_id) {
		rc = oc_buf_append_str(b, "/");
		if (!rc)
			rc = oc_http_path_escape(b, cl->vault_id);
	}
	if (!rc && cl->sub)
		rc = oc_buf_append_str(b, cl->sub);
	if (!rc && cl->name)
		rc = oc_http_path_escape(b, cl->name);
	if (!rc && cl->prefix && *cl->prefix) {
		rc = oc_buf_append_str(b, "?prefix=");
		if (!rc)
			rc = oc_http_path_escape(b, cl->prefix);
	}
	return rc;
}

/* Builds cl's path and body, sends it (api_call) and checks the status:
 * OC_OK only for want (0: any 2xx).  The answer goes to rs for the caller
 * to free, or is dropped when rs is NULL. */
static int api_do(struct oc_api *a, const struct call *cl, long want,
		  struct oc_http_resp *rs)
{
	struct oc_http_req rq = {0};
	struct oc_http_resp dropped;
	struct oc_buf path, json;
	int rc;

	if (!rs)
		rs = &dropped;
	resp_none(rs);
	oc_buf_init(&path, REQ_PATH_MAX, false);
	oc_buf_init(&json, MAX_SMALL_BODY, false);
	rc = build_path(&path, cl);
	if (!rc && cl->members) {
		rc = json_object(&json, cl->members, cl->n_members);
		if (rc == OC_ERR_PARSE)
			rc = OC_ERR_ARGS; /* the caller's text is not UTF-8 */
	}
	if (rc)
		goto out;
	rq.method = cl->method;
	rq.path = (const char *)path.data;
	rq.body = cl->members ? json.data : cl->body;
	rq.body_len = cl->members ? json.len : cl->body_len;
	rq.headers = cl->headers;
	rq.n_headers = cl->n_headers;
	rq.idempotent = cl->idempotent;
	rq.fresh_connection = cl->fresh_connection;
	rq.sink = cl->sink;
	rc = api_call(a, &rq, rs);
	if (rc || (want ? rs->status == want
			: rs->status >= 200 && rs->status <= 299))
		goto out;
	rc = status_err(rs->status);
	if (rs->status >= 200 && rs->status <= 299)
		oc_debug(OC_LOG_API, "%s %s: HTTP %ld where %ld was due",
			 rq.method, rq.path, rs->status, want);
out:
	if (rs == &dropped)
		oc_http_resp_free(rs);
	oc_buf_free(&json);
	oc_buf_free(&path);
	return rc;
}

/* A list call's entries as they stream in (see oc_json_stream): parse
 * turns one into an element of size bytes (*skip: the entry lacks what
 * the caller needs); clear (may be NULL) undoes one; held tells the heap
 * bytes an element holds besides itself.  What a list keeps in all is
 * bounded by MAX_LIST_BYTES. */
struct list_acc {
	const char *what; /* "vault", "secret": for the log */
	const char *key;  /* what a usable entry must have: "id", "path" */
	size_t size;
	int (*parse)(const struct oc_json *, void *, bool *skip);
	void (*clear)(void *);
	size_t (*held)(const void *);
	char *items;
	size_t n, cap, unusable, bytes;
	struct oc_json_stream *js;
	/* Set: each entry goes to sink->entry as it is parsed (in items[0],
	 * cleared after the call), none is kept here. */
	const struct oc_api_meta_sink *sink;
};

static void list_acc_drop(struct list_acc *l)
{
	size_t i;

	for (i = 0; l->clear && !l->sink && i < l->n; i++)
		l->clear(l->items + i * l->size);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = l->unusable = l->bytes = 0;
}

/* Room for one more element, within the list's bounds. */
static int list_acc_room(struct list_acc *l)
{
	char *grown;
	size_t cap;

	/* A sink keeps one slot: the bound is on the entries delivered. */
	if (l->sink && l->cap && l->n < OC_API_MAX_LIST)
		return OC_OK;
	if (!l->sink && l->n < l->cap)
		return OC_OK;
	if (l->n >= OC_API_MAX_LIST) {
		oc_debug(OC_LOG_API,
			 "server response: more than %d %ss in one "
			 "list",
			 OC_API_MAX_LIST, l->what);
		return OC_ERR_RANGE;
	}
	cap = l->cap ? l->cap * 2 : 16;
	if (cap > OC_API_MAX_LIST)
		cap = OC_API_MAX_LIST;
	if (cap > SIZE_MAX / l->size)
		return OC_ERR_RANGE;
	grown = realloc(l->items, cap * l->size);
	if (!grown)
		return OC_ERR_NOMEM;
	l->items = grown;
	l->cap = cap;
	return OC_OK;
}

static int list_acc_entry(void *ctx, const struct oc_json *item)
{
	struct list_acc *l = ctx;
	char *slot;
	bool skip = false;
	int rc;

	rc = list_acc_room(l);
	if (rc)
		return rc;
	slot = l->items + (l->sink ? 0 : l->n) * l->size;
	rc = l->parse(item, slot, &skip);
	if (rc)
		return rc;
	if (skip) {
		l->unusable++;
		return OC_OK;
	}
	l->n++;
	l->bytes += l->size + (l->held ? l->held(slot) : 0);
	if (l->sink) {
		rc = l->sink->entry(l->sink->ctx, (void *)slot);
		l->clear(slot);
		if (rc)
			return rc;
	}
	if (l->bytes > MAX_LIST_BYTES) {
		oc_debug(OC_LOG_API,
			 "server response: the %s list holds "
			 "more than %u MiB",
			 l->what, (unsigned)(MAX_LIST_BYTES >> 20));
		return OC_ERR_RANGE;
	}
	return OC_OK;
}

static int list_sink_write(void *ctx, const char *p, size_t n)
{
	struct list_acc *l = ctx;

	return oc_json_stream_feed(l->js, p, n);
}

/* A retried request starts over (a failed reset fails the next feed). */
static void list_sink_restart(void *ctx)
{
	struct list_acc *l = ctx;

	list_acc_drop(l);
	if (l->sink && l->sink->restart)
		l->sink->restart(l->sink->ctx);
	(void)oc_json_stream_reset(l->js);
}

/* A list call: the answer holds an array in field, read as it arrives
 * (the bound is per entry, not per answer).  *out gets the usable entries
 * (calloc'd) and *n their number; with l->sink, out is NULL and the
 * entries went there. */
static int list_do(struct oc_api *a, const struct call *cl_in,
		   const char *field, struct list_acc *l, void **out, size_t *n)
{
	const struct oc_http_sink sink = {list_sink_write, list_sink_restart,
					  l};
	struct call cl = *cl_in;
	struct oc_http_resp rs;
	size_t over = 0;
	bool found = false;
	int rc;

	rc = oc_json_stream_new(field, MAX_ENTRY_NODES, MAX_ENTRY_BYTES,
				list_acc_entry, l, &l->js);
	if (rc)
		return rc;
	cl.sink = &sink;
	rc = api_do(a, &cl, 200, &rs);
	if (!rc)
		rc = oc_json_stream_finish(l->js, &found, &over);
	if (rc == OC_ERR_PARSE || rc == OC_ERR_RANGE) {
		oc_debug(OC_LOG_API,
			 "server response: the %s list is not "
			 "usable (%s)",
			 l->what, oc_strerror(rc));
		rc = rc == OC_ERR_RANGE ? OC_ERR_TOO_LARGE : OC_ERR_SERVER;
	}
	if (!rc && !found)
		rc = bad_field("missing", field);
	if (!rc && (l->unusable || over))
		oc_debug(OC_LOG_API,
			 "server response: skipped %zu %s entries without a "
			 "usable %s and %zu over the bounds of one entry",
			 l->unusable, l->what, l->key, over);
	if (!rc && out) {
		if (l->n == 0) {
			free(l->items);
			l->items = calloc(1, l->size);
		}
		*out = l->items;
		*n = l->n;
		l->items = NULL;
		l->n = 0;
		rc = *out ? OC_OK : OC_ERR_NOMEM;
	}
	list_acc_drop(l);
	oc_json_stream_free(l->js);
	l->js = NULL;
	oc_http_resp_free(&rs);
	return rc;
}

/* --- the request path for other units (api-call.h) --------------------- */

static void call_of(const struct oc_api_call *c, struct call *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->method = c->method;
	cl->root = c->root;
	cl->vault_id = c->id;
	cl->sub = c->sub;
	cl->name = c->name;
	cl->body = c->body;
	cl->body_len = c->body_len;
	cl->idempotent = c->idempotent;
	cl->fresh_connection = c->once;
}

int oc_api_call_object(struct oc_api *a, const struct oc_api_call *c, long want,
		       struct oc_json **out)
{
	struct oc_http_resp rs;
	struct call cl;
	int rc;

	if (!a || !c || !c->method || (c->id && !arg_id_ok(c->id)) ||
	    (c->name && !arg_id_ok(c->name)))
		return OC_ERR_ARGS;
	if (out)
		*out = NULL;
	call_of(c, &cl);
	rc = api_do(a, &cl, want, &rs);
	/* An empty answer (a 204) leaves *out NULL: the caller decides. */
	if (!rc && out && rs.body.len > 0)
		rc = parse_body(&rs, out);
	oc_http_resp_free(&rs);
	return rc;
}

int oc_api_call_list(struct oc_api *a, const struct oc_api_call *c,
		     const struct oc_api_list_spec *spec, void **out, size_t *n)
{
	struct list_acc l = {0};
	struct call cl;

	if (!a || !c || !spec || !spec->parse || !out || !n ||
	    (c->id && !arg_id_ok(c->id)))
		return OC_ERR_ARGS;
	call_of(c, &cl);
	l.what = spec->what;
	l.key = spec->key;
	l.size = spec->size;
	l.parse = spec->parse;
	l.clear = spec->clear;
	l.held = spec->held;
	return list_do(a, &cl, spec->field, &l, out, n);
}

bool oc_api_id_ok(const char *s)
{
	return arg_id_ok(s);
}

bool oc_api_cred_ok(const char *s, size_t n)
{
	return token_chars_ok(s, n);
}

void oc_api_take_text(const struct oc_json *o, const char *key, char *dst,
		      size_t dsz)
{
	take_text(o, key, dst, dsz);
}

bool oc_api_take_id(const struct oc_json *o, const char *key,
		    char dst[OC_WIRE_ID_MAX + 1])
{
	return take_id(o, key, dst);
}

void oc_api_take_bool(const struct oc_json *o, const char *key, bool *out,
		      bool *present)
{
	take_bool(o, key, out, present);
}

void oc_api_take_int(const struct oc_json *o, const char *key, int64_t min,
		     int64_t *out, bool *present)
{
	const struct oc_json *v = oc_json_get(o, key);

	take_int(o, key, min, out);
	*present = v && oc_json_int(v, out) && *out >= min;
	if (!*present)
		*out = 0;
}

void oc_api_ignored(const char *key, const char *why)
{
	ignored(key, why);
}

/* --- life cycle --------------------------------------------------------- */

int oc_api_new(const struct oc_conf *c, struct oc_api **out)
{
	struct oc_http_opts o = {0};
	struct oc_api *a;
	size_t n;
	int rc;

	if (!c || !out)
		return OC_ERR_ARGS;
	if (c->cred_kind != OC_CRED_NONE) {
		if (!c->credential)
			return OC_ERR_CONFIG;
		n = strlen(c->credential);
		if (n > MAX_TOKEN || !token_chars_ok(c->credential, n)) {
			oc_log_error("the credential has bad characters or "
				     "is too long");
			return OC_ERR_CONFIG;
		}
	}
	if (c->agent_id && *c->agent_id &&
	    !id_ok(c->agent_id, strlen(c->agent_id))) {
		oc_log_error("agent_id is not a valid id");
		return OC_ERR_CONFIG;
	}
	if (c->runtime_id && !oc_conf_runtime_id_ok(c->runtime_id)) {
		oc_log_error("runtime_id must be 1 to %d visible ASCII "
			     "characters",
			     OC_CONF_MAX_RUNTIME_ID);
		return OC_ERR_CONFIG;
	}

	a = calloc(1, sizeof(*a));
	if (!a)
		return OC_ERR_NOMEM;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->refreshed, NULL);
	a->max_value =
	    c->max_value_size ? c->max_value_size : OC_WIRE_VALUE_MAX;
	a->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);

	o.base_url = c->api_url ? c->api_url : OC_DEFAULT_API_URL;
	o.ca_file = c->ca_file;
	o.ca_path = c->ca_path;
	o.connect_timeout_ms =
	    (c->connect_timeout_s > MAX_TIMEOUT_S ? MAX_TIMEOUT_S
						  : c->connect_timeout_s) *
	    1000u;
	o.timeout_ms =
	    (c->timeout_s > MAX_TIMEOUT_S ? MAX_TIMEOUT_S : c->timeout_s) *
	    1000u;
	o.retries = c->retries;
	o.runtime_id = c->runtime_id;
	/* The JSON parser takes no more than this anyway. */
	o.max_response = OC_JSON_MAX_TEXT;
	rc = oc_http_new(&o, &a->http);
	if (rc)
		goto fail;
	a->base_url = strdup(o.base_url);
	a->token_cache = c->token_cache ? strdup(c->token_cache) : NULL;
	if (!a->base_url || (c->token_cache && !a->token_cache)) {
		rc = OC_ERR_NOMEM;
		goto fail;
	}

	a->kind = c->cred_kind;
	if (a->kind != OC_CRED_NONE) {
		a->cred = oc_secure_strdup(c->credential);
		if (!a->cred) {
			rc = OC_ERR_NOMEM;
			goto fail;
		}
	}
	if (a->kind == OC_CRED_TOKEN) {
		/* A static token is its own credential. */
		a->token = oc_secure_strdup(a->cred);
		if (!a->token) {
			rc = OC_ERR_NOMEM;
			goto fail;
		}
	}
	if (c->agent_id && *c->agent_id) {
		a->agent_id = strdup(c->agent_id);
		if (!a->agent_id) {
			rc = OC_ERR_NOMEM;
			goto fail;
		}
	}
	*out = a;
	return OC_OK;
fail:
	oc_api_free(a);
	return rc;
}

void oc_api_free(struct oc_api *a)
{
	if (!a)
		return;
	oc_http_free(a->http);
	drop_token(a);
	drop_cred(a);
	free(a->agent_id);
	free(a->base_url);
	free(a->token_cache);
	oc_dpop_free(a->dpop);
	pthread_cond_destroy(&a->refreshed);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Child after fork: no network I/O, and the lock is not taken (another
 * parent thread may have held it when the process forked). */
void oc_api_abandon(struct oc_api *a)
{
	if (!a)
		return;
	oc_http_abandon(a->http);
	a->http = NULL;
	drop_token(a);
	drop_cred(a);
	free(a->agent_id);
	free(a->base_url);
	free(a->token_cache);
	oc_dpop_abandon(a->dpop);
	free(a);
}

static int dpop_header_make(void *ctx, const char *method, const char *url,
			    char **value)
{
	return oc_dpop_proof(ctx, method, url, value);
}

void oc_api_set_dpop(struct oc_api *a, struct oc_dpop *d)
{
	if (!a) {
		oc_dpop_free(d);
		return;
	}
	oc_dpop_free(a->dpop);
	a->dpop = d;
	a->dpop_header = (struct oc_http_fresh_header){
	    .name = "DPoP",
	    .make = dpop_header_make,
	    .ctx = d,
	};
	oc_debug(OC_LOG_API, "requests are %s",
		 d ? "DPoP-bound (a proof on each try)" : "plain bearer");
}

int oc_api_login(struct oc_api *a, const char *key, size_t key_len)
{
	struct oc_http_req rq = {0};
	struct oc_http_resp rs;
	enum oc_cred_kind kind;
	char *k = NULL, *tok = NULL;
	uint64_t life = 0;
	int64_t exp;
	char *agent = NULL;
	int rc;

	if (!a)
		return OC_ERR_ARGS;
	if (!key || key_len == 0 || key_len > MAX_TOKEN ||
	    !token_chars_ok(key, key_len)) {
		oc_debug(OC_LOG_API,
			 "login: the key is empty, too long or "
			 "has bad characters (%zu bytes)",
			 key_len);
		return OC_ERR_UNAUTHORIZED;
	}
	k = oc_secure_dup(key, key_len);
	if (!k)
		return OC_ERR_NOMEM;
	kind = oc_conf_cred_kind(k);
	pthread_mutex_lock(&a->lock);
	if (a->agent_id)
		agent = strdup(a->agent_id);
	pthread_mutex_unlock(&a->lock);

	if (can_exchange(kind)) {
		rc = exchange(a, kind, k, agent, &tok, &life);
	} else if (kind == OC_CRED_TOKEN) {
		/* Nothing to exchange: one authenticated call proves it. */
		rq.method = "GET";
		rq.path = "/v1/vaults";
		rq.bearer = k;
		rq.idempotent = true;
		rq.fresh = a->dpop ? &a->dpop_header : NULL;
		rc = send_req(a, &rq, &rs, NULL);
		if (!rc && (rs.status < 200 || rs.status > 299))
			rc = exchange_err(rs.status);
		oc_http_resp_free(&rs);
		if (!rc) {
			tok = oc_secure_strdup(k);
			if (!tok)
				rc = OC_ERR_NOMEM;
			else if (jwt_exp(tok, &exp) &&
				 exp > (int64_t)time(NULL))
				life = (uint64_t)(exp - (int64_t)time(NULL)) *
				       1000u;
		}
	} else {
		oc_debug(OC_LOG_API,
			 "login: not a key or token this client "
			 "knows (%zu bytes)",
			 key_len);
		rc = OC_ERR_UNAUTHORIZED;
	}
	free(agent);
	if (rc) {
		oc_debug(OC_LOG_API, "login refused: %s", oc_strerror(rc));
		oc_secure_free(k);
		return rc;
	}

	pthread_mutex_lock(&a->lock);
	drop_token(a);
	drop_cred(a);
	a->cred = k;
	a->kind = kind;
	a->token = tok;
	if (life) {
		a->token_exp_ms = now_ms() + life;
		a->token_early_ms = early_ms(life);
	}
	a->cred_gen++;
	a->token_gen++;
	pthread_mutex_unlock(&a->lock);
	oc_debug(OC_LOG_API, "login accepted");
	return OC_OK;
}

void oc_api_logout(struct oc_api *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	drop_token(a);
	drop_cred(a);
	a->cred_gen++;
	a->token_gen++;
	pthread_mutex_unlock(&a->lock);
}

bool oc_api_has_credential(const struct oc_api *a)
{
	struct oc_api *m = (struct oc_api *)a;
	bool r;

	if (!a)
		return false;
	pthread_mutex_lock(&m->lock);
	r = m->kind != OC_CRED_NONE;
	pthread_mutex_unlock(&m->lock);
	return r;
}

long oc_api_last_status(const struct oc_api *a)
{
	const struct last *l = a ? last_of(a, false) : NULL;

	return l ? l->status : 0;
}

const char *oc_api_last_error(const struct oc_api *a)
{
	const struct last *l = a ? last_of(a, false) : NULL;

	return l ? l->error : "";
}

void oc_api_stats(const struct oc_api *a, struct oc_http_stats *out)
{
	oc_http_stats(a ? a->http : NULL, out);
}

/* --- vaults ----------------------------------------------------------- */

/* Whether a vault's CMEK is on, failing closed: a write into a vault
 * taken as CMEK off goes out in the clear, so anything the server says
 * but a plain false (or null) counts as on, and so does a named key. */
static bool cmek_on(const struct oc_json *o, bool key_named)
{
	const struct oc_json *v = oc_json_get(o, "cmek_enabled");
	bool b = false;

	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return key_named;
	if (!oc_json_bool(v, &b)) {
		ignored("cmek_enabled", "is not a boolean (taken as on)");
		return true;
	}
	return b || key_named;
}

/* A vault object into item, a struct oc_vault (a list_do parser): *skip
 * without a usable id. */
static int parse_vault(const struct oc_json *o, void *item, bool *skip)
{
	struct oc_vault *v = item;
	bool fpr_ok;

	memset(v, 0, sizeof(*v));
	*skip = !take_id(o, "id", v->id);
	if (*skip) {
		oc_debug(OC_LOG_API, "server response: a vault without a "
				     "usable id: skipped");
		return OC_OK;
	}
	take_text(o, "name", v->name, sizeof(v->name));
	take_text(o, "description", v->description, sizeof(v->description));
	fpr_ok = take_fpr(o, "cmek_fingerprint", v->cmek_fingerprint);
	v->cmek_key_unknown = !fpr_ok;
	v->cmek_enabled = cmek_on(o, !fpr_ok || v->cmek_fingerprint[0] != '\0');
	take_text(o, "created_at", v->created_at, sizeof(v->created_at));
	return OC_OK;
}

/* api_do for a call answered with a vault. */
static int vault_do(struct oc_api *a, const struct call *cl, long want,
		    struct oc_vault *out)
{
	struct oc_http_resp rs;
	struct oc_json *j = NULL;
	struct oc_vault v = {0};
	bool skip = false;
	int rc;

	rc = api_do(a, cl, want, &rs);
	if (!rc)
		rc = parse_body(&rs, &j);
	if (!rc)
		rc = parse_vault(j, &v, &skip);
	if (!rc && skip)
		rc = bad_field("missing or unusable", "id");
	oc_json_free(j);
	oc_http_resp_free(&rs);
	if (!rc)
		*out = v;
	return rc;
}

int oc_api_vault_list(struct oc_api *a, struct oc_vault **out, size_t *n)
{
	const struct call cl = {.method = "GET", .idempotent = true};
	struct list_acc l = {.what = "vault",
			     .key = "id",
			     .size = sizeof(**out),
			     .parse = parse_vault};
	void *v;
	int rc;

	if (!a || !out || !n)
		return OC_ERR_ARGS;
	rc = list_do(a, &cl, "vaults", &l, &v, n);
	if (!rc)
		*out = v;
	return rc;
}

int oc_api_vault_get(struct oc_api *a, const char *id, struct oc_vault *out)
{
	const struct call cl = {
	    .method = "GET", .vault_id = id, .idempotent = true};

	if (!a || !out || !arg_id_ok(id))
		return OC_ERR_ARGS;
	return vault_do(a, &cl, 200, out);
}

int oc_api_vault_create(struct oc_api *a, const char *name,
			const char *description, struct oc_vault *out)
{
	const struct member m[] = {{"name", name},
				   {"description", description}};
	const struct call cl = {.method = "POST", .members = m, .n_members = 2};
	size_t nn;

	if (!a || !out || !name)
		return OC_ERR_ARGS;
	nn = strlen(name);
	if (nn == 0 || nn > OC_WIRE_NAME_MAX || !oc_wire_text(name, nn) ||
	    (description && (strlen(description) > OC_WIRE_NAME_MAX ||
			     !oc_wire_text(description, strlen(description)))))
		return OC_ERR_ARGS;
	return vault_do(a, &cl, 0, out);
}

int oc_api_vault_delete(struct oc_api *a, const char *id)
{
	const struct call cl = {
	    .method = "DELETE", .vault_id = id, .idempotent = true};

	if (!a || !arg_id_ok(id))
		return OC_ERR_ARGS;
	return api_do(a, &cl, 0, NULL);
}

/* --- CMEK --------------------------------------------------------------- */

int oc_api_cmek_enable(struct oc_api *a, const char *vault_id,
		       const char *fingerprint_hex, struct oc_vault *out)
{
	const struct member m[] = {{"fingerprint", fingerprint_hex}};
	const struct call cl = {.method = "POST",
				.vault_id = vault_id,
				.sub = "/cmek",
				.members = m,
				.n_members = 1,
				.idempotent = true};

	if (!a || !out || !arg_id_ok(vault_id) || !fingerprint_hex ||
	    !oc_is_fingerprint_hex(fingerprint_hex, strlen(fingerprint_hex)))
		return OC_ERR_ARGS;
	return vault_do(a, &cl, 0, out);
}

int oc_api_cmek_disable(struct oc_api *a, const char *vault_id,
			struct oc_vault *out)
{
	const struct call cl = {.method = "DELETE",
				.vault_id = vault_id,
				.sub = "/cmek",
				.idempotent = true};

	if (!a || !out || !arg_id_ok(vault_id))
		return OC_ERR_ARGS;
	return vault_do(a, &cl, 0, out);
}

const char *oc_job_status_name(enum oc_job_status s)
{
	switch (s) {
	case OC_JOB_PENDING:
		return "pending";
	case OC_JOB_RUNNING:
		return "running";
	case OC_JOB_COMPLETED:
		return "completed";
	case OC_JOB_FAILED:
		return "failed";
	}
	return "unknown";
}

static int parse_job(const struct oc_json *o, struct oc_rotation_job *jb)
{
	char status[16], created[40];
	const struct oc_json *v;
	const char *s;
	size_t n;
	int rc;

	memset(jb, 0, sizeof(*jb));
	rc = get_text(o, "id", true, 1, OC_WIRE_ID_MAX, TEXT_ID, jb->id,
		      sizeof(jb->id));
	if (!rc)
		rc = get_text(o, "vault_id", true, 1, OC_WIRE_ID_MAX, TEXT_ID,
			      jb->vault_id, sizeof(jb->vault_id));
	if (!rc)
		rc = get_text(o, "status", true, 1, sizeof(status) - 1,
			      TEXT_LINE, status, sizeof(status));
	if (!rc)
		rc = get_int(o, "total_secrets", true, 0, &jb->total_secrets);
	if (!rc)
		rc = get_int(o, "processed", true, 0, &jb->processed);
	if (!rc)
		rc = get_text(o, "created_at", true, 1, sizeof(created) - 1,
			      TEXT_LINE, created, sizeof(created));
	if (rc)
		return rc;
	take_fpr(o, "old_fingerprint", jb->old_fingerprint);
	take_fpr(o, "new_fingerprint", jb->new_fingerprint);
	for (jb->status = OC_JOB_PENDING;
	     strcmp(status, oc_job_status_name(jb->status)) != 0; jb->status++)
		if (jb->status == OC_JOB_FAILED)
			return bad_field("unknown value", "status");
	/* A free-text message: kept, shortened and made printable. */
	v = oc_json_get(o, "error");
	if (v && oc_json_type(v) != OC_JSON_NULL) {
		s = oc_json_string(v, &n);
		if (!s)
			return bad_field("not a string", "error");
		oc_http_printable(jb->error, sizeof(jb->error), s, n);
	}
	return OC_OK;
}

/* A usable Location header of rs into dst ("" when none). */
static void take_location(const struct oc_http_resp *rs,
			  char dst[OC_WIRE_PATH_MAX + 1])
{
	size_t n;

	dst[0] = '\0';
	if (!rs->location)
		return;
	n = strlen(rs->location);
	if (n <= OC_WIRE_PATH_MAX && oc_wire_text(rs->location, n))
		memcpy(dst, rs->location, n + 1);
	else
		oc_debug(OC_LOG_API, "ignoring a Location header of %zu bytes",
			 n);
}

/* The job a 409 says is already running, as far as it says: a "job_id"
 * or "id" member of the problem body, else the last segment of a
 * Location of .../cmek-rotate/{id} (the shape of a 202's). */
static void running_job(const struct oc_http_resp *rs,
			struct oc_rotation_job *jb)
{
	static const char seg[] = "/cmek-rotate/";
	struct oc_json *j = NULL;
	const char *p, *end;

	memset(jb, 0, sizeof(*jb));
	take_location(rs, jb->location);
	if (rs->body.len > 0 && rs->body.len <= MAX_PROBLEM &&
	    oc_json_parse((const char *)rs->body.data, rs->body.len, &j) ==
		OC_OK &&
	    oc_json_type(j) == OC_JSON_OBJECT) {
		if (!take_id(j, "job_id", jb->id))
			take_id(j, "id", jb->id);
	}
	oc_json_free(j);
	if (jb->id[0] || !(p = strstr(jb->location, seg)))
		goto out;
	p += sizeof(seg) - 1;
	end = p + strcspn(p, "?#/");
	if (*end != '/' && id_ok(p, (size_t)(end - p))) {
		memcpy(jb->id, p, (size_t)(end - p));
		jb->id[end - p] = '\0';
	}
out:
	oc_debug(OC_LOG_API, "409: the running job is %s",
		 jb->id[0] ? jb->id : "not named");
}

/* api_do for a call answered with a rotation job (and its Location); on
 * a 409, out names the running job (see oc_api_cmek_rotate). */
static int job_do(struct oc_api *a, const struct call *cl, long want,
		  struct oc_rotation_job *out)
{
	struct oc_http_resp rs;
	struct oc_json *j = NULL;
	struct oc_rotation_job jb;
	int rc;

	rc = api_do(a, cl, want, &rs);
	if (rc == OC_ERR_CONFLICT) {
		running_job(&rs, out);
		goto out;
	}
	if (!rc)
		rc = parse_body(&rs, &j);
	if (!rc)
		rc = parse_job(j, &jb);
	if (rc)
		goto out;
	take_location(&rs, jb.location);
	*out = jb;
out:
	oc_json_free(j);
	oc_http_resp_free(&rs);
	return rc;
}

int oc_api_cmek_rotate(struct oc_api *a, const char *vault_id,
		       const uint8_t old_key[OC_CMEK_KEY_LEN],
		       const uint8_t new_key[OC_CMEK_KEY_LEN],
		       struct oc_rotation_job *out)
{
	uint8_t fpr[OC_CMEK_FPR_LEN];
	char fhex[OC_CMEK_FPR_HEX_LEN + 1];
	const struct member m[] = {{"new_fingerprint", fhex}};
	struct oc_http_header hd[2] = {{"x-cmek-old-key", NULL},
				       {"x-cmek-new-key", NULL}};
	const struct call cl = {.method = "POST",
				.vault_id = vault_id,
				.sub = "/cmek-rotate",
				.members = m,
				.n_members = 1,
				.headers = hd,
				.n_headers = 2};
	char *old_b64 = NULL, *new_b64 = NULL;
	size_t blen = oc_base64_len(OC_CMEK_KEY_LEN) + 1;
	int rc = OC_ERR_NOMEM;

	if (!a || !out || !old_key || !new_key || !arg_id_ok(vault_id))
		return OC_ERR_ARGS;
	old_b64 = oc_secure_alloc(blen);
	new_b64 = oc_secure_alloc(blen);
	if (!old_b64 || !new_b64)
		goto out;
	rc = oc_base64_encode(old_key, OC_CMEK_KEY_LEN, old_b64, blen);
	if (!rc)
		rc = oc_base64_encode(new_key, OC_CMEK_KEY_LEN, new_b64, blen);
	if (!rc)
		rc = oc_cmek_fingerprint(new_key, fpr);
	if (rc)
		goto out;
	oc_cmek_fingerprint_hex(fpr, fhex);
	hd[0].value = old_b64;
	hd[1].value = new_b64;
	rc = job_do(a, &cl, 202, out);
out:
	oc_secure_free(old_b64); /* wipes */
	oc_secure_free(new_b64);
	return rc;
}

int oc_api_cmek_job(struct oc_api *a, const char *vault_id, const char *job_id,
		    struct oc_rotation_job *out)
{
	const struct call cl = {.method = "GET",
				.vault_id = vault_id,
				.sub = "/cmek-rotate/",
				.name = job_id,
				.idempotent = true};

	if (!a || !out || !arg_id_ok(vault_id) || !arg_id_ok(job_id))
		return OC_ERR_ARGS;
	return job_do(a, &cl, 200, out);
}

/* --- secrets ------------------------------------------------------------ */

void oc_secret_meta_clear(struct oc_secret_meta *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->metadata);
	memset(m, 0, sizeof(*m));
}

void oc_secret_meta_list_free(struct oc_secret_meta *m, size_t n)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < n; i++)
		oc_secret_meta_clear(&m[i]);
	free(m);
}

void oc_secret_clear(struct oc_secret *s)
{
	if (!s)
		return;
	oc_secure_free(s->value); /* wipes */
	s->value = NULL;
	s->value_len = 0;
	oc_secret_meta_clear(&s->meta);
}

/* A secret's metadata into m.  The path must be usable (it names the
 * object); an answer about one secret may leave it out, and then it is
 * the path asked for (known; NULL in a list, where such an entry sets
 * *skip).  Nothing is left allocated on failure. */
static int parse_meta_of(const struct oc_json *o, const char *known,
			 struct oc_secret_meta *m, bool *skip)
{
	size_t n = 0;
	const char *path = oc_json_get_string(o, "path", &n);
	int rc;

	memset(m, 0, sizeof(*m));
	*skip = false;
	if (!path || memchr(path, '\0', n) ||
	    !oc_wire_path_ok(path, n, OC_WIRE_PATH_ACCEPT)) {
		if (!known) {
			oc_debug(OC_LOG_API, "server response: a secret "
					     "without a usable path: skipped");
			*skip = true;
			return OC_OK;
		}
		path = known;
		n = strlen(known);
	}
	if (!take_id(o, "id", m->id))
		ignored("id", "is not a usable id");
	take_text(o, "type", m->type, sizeof(m->type));
	take_int(o, "version", 0, &m->version);
	take_text(o, "created_at", m->created_at, sizeof(m->created_at));
	take_text(o, "expires_at", m->expires_at, sizeof(m->expires_at));
	take_bool(o, "cmek_encrypted", &m->cmek_encrypted, &m->cmek_known);
	take_fpr(o, "cmek_fingerprint", m->cmek_fingerprint);
	take_bool(o, "is_disabled", &m->is_disabled, NULL);
	take_int(o, "max_access_count", 0, &m->max_access_count);
	m->path = strndup(path, n);
	if (!m->path)
		return OC_ERR_NOMEM;
	rc = metadata_text(o, &m->metadata);
	if (rc) {
		oc_secret_meta_clear(m);
		return rc;
	}
	return OC_OK;
}

/* A list entry (a list_do parser). */
static int parse_meta(const struct oc_json *o, void *item, bool *skip)
{
	return parse_meta_of(o, NULL, item, skip);
}

/* The heap bytes a list entry holds. */
static size_t meta_held(const void *item)
{
	const struct oc_secret_meta *m = item;

	return strlen(m->path) + 1 + strlen(m->metadata) + 1;
}

/* The stored bytes of a GET response's value (see api.h). */
static int decode_value(struct oc_api *a, const struct oc_json *o,
			const struct oc_secret_meta *m, uint8_t **out,
			size_t *out_len)
{
	const struct oc_json *v = oc_json_get(o, "value"), *md, *enc;
	const char *s, *e;
	size_t n, en, cap, len = 0;
	uint8_t *buf;
	bool b64 = false;
	int rc;

	s = v ? oc_json_string(v, &n) : NULL;
	if (!s)
		return bad_field(v ? "not a string" : "missing", "value");
	md = oc_json_get(o, "metadata");
	enc = md ? oc_json_get(md, "encoding") : NULL;
	e = enc ? oc_json_string(enc, &en) : NULL;
	if (m->cmek_encrypted)
		b64 = true; /* always base64 of the blob */
	else if (e && en == 6 && memcmp(e, "base64", 6) == 0)
		b64 = true;
	cap = a->max_value + (m->cmek_encrypted ? OC_CMEK_OVERHEAD : 0);

	if (!b64) {
		if (n > cap)
			return bad_field("larger than max_value_size", "value");
		buf = oc_secure_dup(s, n);
		if (!buf)
			return OC_ERR_NOMEM;
		*out = buf;
		*out_len = n;
		return OC_OK;
	}
	if (oc_base64_decoded_max(n) > cap + 3)
		return bad_field("larger than max_value_size", "value");
	buf = oc_secure_alloc(oc_base64_decoded_max(n) + 1);
	if (!buf)
		return OC_ERR_NOMEM;
	rc = oc_base64_decode(s, n, buf, oc_base64_decoded_max(n) + 1, &len);
	if (rc || len > cap) {
		oc_secure_free(buf);
		return bad_field(
		    rc ? "not base64" : "larger than max_value_size", "value");
	}
	*out = buf;
	*out_len = len;
	return OC_OK;
}

static void meta_clear(void *item)
{
	oc_secret_meta_clear(item);
}

/* A vault's secrets, kept whole (sink NULL: *out, *n) or handed to sink
 * entry by entry. */
static int secret_list(struct oc_api *a, const char *vault_id,
		       const char *prefix, const struct oc_api_meta_sink *sink,
		       void **out, size_t *n)
{
	const struct call cl = {.method = "GET",
				.vault_id = vault_id,
				.sub = "/secrets",
				.prefix = prefix,
				.idempotent = true};
	struct list_acc l = {.what = "secret",
			     .key = "path",
			     .held = meta_held,
			     .size = sizeof(struct oc_secret_meta),
			     .parse = parse_meta,
			     .clear = meta_clear,
			     .sink = sink};

	if (!arg_id_ok(vault_id))
		return OC_ERR_ARGS;
	if (prefix && (strlen(prefix) > OC_WIRE_PATH_MAX ||
		       !oc_wire_text(prefix, strlen(prefix))))
		return OC_ERR_ARGS;
	return list_do(a, &cl, "secrets", &l, out, n);
}

int oc_api_secret_list(struct oc_api *a, const char *vault_id,
		       const char *prefix, struct oc_secret_meta **out,
		       size_t *n)
{
	void *m;
	int rc;

	if (!a || !out || !n)
		return OC_ERR_ARGS;
	rc = secret_list(a, vault_id, prefix, NULL, &m, n);
	if (!rc)
		*out = m;
	return rc;
}

int oc_api_secret_list_each(struct oc_api *a, const char *vault_id,
			    const char *prefix,
			    const struct oc_api_meta_sink *sink)
{
	if (!a || !sink || !sink->entry)
		return OC_ERR_ARGS;
	return secret_list(a, vault_id, prefix, sink, NULL, NULL);
}

int oc_api_secret_get(struct oc_api *a, const char *vault_id, const char *path,
		      struct oc_secret *out)
{
	const struct call cl = {.method = "GET",
				.vault_id = vault_id,
				.sub = "/secrets/",
				.name = path,
				.idempotent = true};
	struct oc_http_resp rs;
	struct oc_json *j = NULL;
	struct oc_secret s;
	bool skip;
	int rc;

	if (!a || !out || !arg_id_ok(vault_id) || !secret_path_ok(path))
		return OC_ERR_ARGS;
	memset(&s, 0, sizeof(s));
	rc = api_do(a, &cl, 200, &rs);
	if (!rc)
		rc = parse_body(&rs, &j);
	if (!rc)
		rc = parse_meta_of(j, path, &s.meta, &skip);
	if (!rc)
		rc = decode_value(a, j, &s.meta, &s.value, &s.value_len);
	if (!rc) {
		*out = s;
		memset(&s, 0, sizeof(s));
		oc_debug(OC_LOG_API, "secret v%lld: %zu bytes%s",
			 (long long)out->meta.version, out->value_len,
			 out->meta.cmek_encrypted ? " (CMEK blob)" : "");
	}
	oc_secret_clear(&s);
	oc_json_free(j); /* wipes the value strings */
	oc_http_resp_free(&rs);
	return rc;
}

/* The metadata object of a PUT: the caller's members, without "encoding"
 * when the value goes out as base64, plus "encoding":"base64" for bytes
 * that are not text. */
static int gen_metadata(struct oc_jgen *j, const struct oc_json *md,
			bool strip_encoding, bool add_encoding)
{
	size_t i, n = md ? oc_json_len(md) : 0;
	int rc;

	rc = oc_jgen_str(j, "metadata");
	if (!rc)
		rc = jmap(j, true);
	for (i = 0; i < n && !rc; i++) {
		const char *k = oc_json_key_at(md, i);
		if (strip_encoding && strcmp(k, "encoding") == 0)
			continue;
		rc = oc_jgen_str(j, k);
		if (!rc)
			rc = oc_jgen_node(j, oc_json_at(md, i));
	}
	if (!rc && add_encoding)
		rc = oc_jgen_kv_str(j, "encoding", "base64");
	if (!rc)
		rc = jmap(j, false);
	return rc;
}

/* The list's word on path (m->path is NULL when it shows no such
 * secret).  Reads no value: no access count used, no paid read. */
static int listed(struct oc_api *a, const char *vault_id, const char *path,
		  struct oc_secret_meta *m)
{
	struct oc_secret_meta *list = NULL;
	size_t n = 0, i;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = oc_api_secret_list(a, vault_id, path, &list, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].path, path) == 0) {
			*m = list[i];
			memset(&list[i], 0, sizeof(list[i]));
			break;
		}
	}
	oc_secret_meta_list_free(list, n);
	return OC_OK;
}

/* Did a PUT land, by the list's word before and after it?  Landed: the
 * path is there now, and was not before or had a lower version.  Lost:
 * the same version before and after, both read.  Anything else (a path
 * the list does not show, as for an agent that may write but not read
 * it; a version the server did not state) proves neither. */
enum put_fate { PUT_LANDED, PUT_LOST, PUT_UNKNOWN };

static enum put_fate put_fate(bool was_there, int64_t was_version,
			      const struct oc_secret_meta *after)
{
	if (after->path && (!was_there || after->version > was_version))
		return PUT_LANDED;
	if (was_there && after->path && was_version > 0 &&
	    after->version == was_version)
		return PUT_LOST;
	return PUT_UNKNOWN;
}

/* Sends a PUT once (api.h): after a 5xx or a broken connection the list
 * tells whether it landed; a 5xx shown lost is sent once more.  The
 * version before is known_version when the caller has just read it, else
 * the list's.  *landed gets the list's metadata when the answer was lost
 * but the PUT landed. */
static int put_once(struct oc_api *a, const struct call *cl, const char *path,
		    int64_t known_version, struct oc_http_resp *rs,
		    struct oc_secret_meta *landed)
{
	struct oc_secret_meta before, after;
	struct last answer;
	enum put_fate fate;
	unsigned attempt;
	bool know, was_there;
	int rc;

	memset(landed, 0, sizeof(*landed));
	memset(&before, 0, sizeof(before));
	if (known_version > 0) {
		know = was_there = true;
	} else {
		know = listed(a, cl->vault_id, path, &before) == OC_OK;
		was_there = before.path != NULL;
		known_version = before.version;
	}
	for (attempt = 0;; attempt++) {
		rc = api_do(a, cl, 0, rs);
		if ((rc != OC_ERR_SERVER && rc != OC_ERR_NET) || !know)
			break;
		answer = *last_of(a, true);
		if (listed(a, cl->vault_id, path, &after) != OC_OK) {
			*last_of(a, true) = answer;
			break;
		}
		fate = put_fate(was_there, known_version, &after);
		if (fate == PUT_LANDED) {
			oc_debug(OC_LOG_API,
				 "put: %s, but version %lld is "
				 "stored: it landed",
				 oc_strerror(rc), (long long)after.version);
			*landed = after;
			rc = OC_OK;
			break;
		}
		oc_secret_meta_clear(&after);
		*last_of(a, true) = answer;
		/* A broken connection may still land: never a second try. */
		if (fate != PUT_LOST || rc == OC_ERR_NET || attempt > 0)
			break;
		oc_debug(OC_LOG_API, "put: %s and nothing stored: once more",
			 oc_strerror(rc));
		oc_http_resp_free(rs);
	}
	oc_secret_meta_clear(&before);
	return rc;
}

int oc_api_secret_put(struct oc_api *a, const char *vault_id, const char *path,
		      const struct oc_secret_put *in,
		      struct oc_secret_meta *out)
{
	/* Not idempotent: each PUT makes a version (put_once). */
	struct call cl = {.method = "PUT",
			  .vault_id = vault_id,
			  .sub = "/secrets/",
			  .name = path};
	struct oc_http_resp rs = {0};
	struct oc_json *md = NULL, *resp = NULL;
	struct oc_secret_meta m;
	struct oc_buf body;
	struct oc_jgen j = {0};
	const char *type;
	const struct oc_json *enc;
	char *b64 = NULL;
	size_t b64_size = 0, cap, max_body;
	bool binary, marked = false, skip;
	int rc;

	if (!a || !out || !in || !arg_id_ok(vault_id) ||
	    !secret_path_ok(path) || (in->value_len && !in->value) ||
	    in->max_access_count < 0 || in->known_version < 0)
		return OC_ERR_ARGS;
	type = in->type ? in->type : "generic";
	if (strlen(type) == 0 || strlen(type) >= sizeof(m.type) ||
	    !oc_wire_text(type, strlen(type)))
		return OC_ERR_ARGS;
	if (in->expires_at &&
	    (strlen(in->expires_at) >= sizeof(m.expires_at) ||
	     !oc_wire_text(in->expires_at, strlen(in->expires_at))))
		return OC_ERR_ARGS;
	cap = a->max_value + (in->value_is_blob ? OC_CMEK_OVERHEAD : 0);
	if (in->value_len > cap || in->value_len > SIZE_MAX / 8)
		return OC_ERR_TOO_LARGE;
	if (in->metadata) {
		if (strlen(in->metadata) > OC_WIRE_METADATA_MAX ||
		    oc_json_parse(in->metadata, strlen(in->metadata), &md) ||
		    oc_json_type(md) != OC_JSON_OBJECT) {
			oc_json_free(md);
			oc_debug(OC_LOG_API, "put: metadata is not a JSON "
					     "object");
			return OC_ERR_ARGS;
		}
		enc = oc_json_get(md, "encoding");
		if (enc) {
			size_t en;
			const char *e = oc_json_string(enc, &en);
			marked = e && en == 6 && memcmp(e, "base64", 6) == 0;
		}
	}
	/* Text goes as is; anything else (or text whose metadata already says
	 * base64, which a reader would decode) as base64. */
	binary =
	    !in->value_is_blob &&
	    (marked || !oc_wire_utf8(in->value, in->value_len, OC_WIRE_NO_NUL));

	/* Worst case JSON escaping is 6 bytes per input byte. */
	max_body = in->value_len * 6 +
		   (in->metadata ? strlen(in->metadata) * 2 : 0) + 4096;
	oc_buf_init(&body, max_body, true);
	if (in->value_is_blob || binary) {
		b64_size = oc_base64_len(in->value_len) + 1;
		b64 = oc_secure_alloc(b64_size);
		if (!b64) {
			rc = OC_ERR_NOMEM;
			goto out;
		}
		rc = oc_base64_encode(in->value, in->value_len, b64, b64_size);
		if (rc)
			goto out;
	}
	rc = oc_buf_reserve(
	    &body, (b64 ? b64_size : in->value_len) +
		       (in->metadata ? strlen(in->metadata) : 0) + 256);
	if (!rc)
		rc = oc_jgen_init(&j, &body);
	if (!rc)
		rc = jmap(&j, true);
	if (!rc)
		rc = b64 ? oc_jgen_kv_str(&j, "value", b64)
			 : oc_jgen_kv_strn(&j, "value", (const char *)in->value,
					   in->value_len);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "type", type);
	if (!rc && (md || binary))
		rc = gen_metadata(&j, md, b64 != NULL, binary);
	if (!rc && in->expires_at)
		rc = oc_jgen_kv_str(&j, "expires_at", in->expires_at);
	if (!rc && in->max_access_count > 0)
		rc = oc_jgen_kv_int(&j, "max_access_count",
				    in->max_access_count);
	if (!rc)
		rc = jmap(&j, false);
	if (!rc)
		rc = oc_jgen_status(&j);
	oc_jgen_free(&j);
	if (rc)
		goto out;

	cl.body = body.data;
	cl.body_len = body.len;
	oc_debug(OC_LOG_API, "put: %zu bytes as %s", in->value_len,
		 in->value_is_blob ? "CMEK blob (base64)"
		 : binary	   ? "base64 (binary)"
				   : "text");
	rc = put_once(a, &cl, path, in->known_version, &rs, &m);
	if (rc)
		goto out;
	if (m.path) {
		*out = m; /* the answer was lost; the list's word */
		goto out;
	}
	rc = parse_body(&rs, &resp);
	if (!rc)
		rc = parse_meta_of(resp, path, &m, &skip);
	if (!rc)
		*out = m;
out:
	oc_json_free(resp);
	oc_http_resp_free(&rs);
	if (b64)
		oc_secure_free(b64); /* wipes */
	oc_json_free(md);
	oc_buf_free(&body); /* wipes: secret buffer */
	return rc;
}

int oc_api_secret_delete(struct oc_api *a, const char *vault_id,
			 const char *path)
{
	const struct call cl = {.method = "DELETE",
				.vault_id = vault_id,
				.sub = "/secrets/",
				.name = path,
				.idempotent = true};

	if (!a || !arg_id_ok(vault_id) || !secret_path_ok(path))
		return OC_ERR_ARGS;
	return api_do(a, &cl, 0, NULL);
}
