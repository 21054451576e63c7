/* api-test.c - src/api.c against a fake vault inside the test (net-mock):
 * token exchange and renewal, one re-exchange on 401/402, status mapping,
 * problem details, response validation, value encodings, paths, CMEK
 * calls, PIN mode, threads, fork, and no secret in the debug log.
 *
 * With OC_TEST_URL and OC_TEST_ADMIN_KEY set (tests/integration/
 * api-client.sh does that), a second group runs the client against a real
 * oneclaw-vaultd. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "api.h"
#include "codec.h"
#include "conf.h"
#include "dpop.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "net-mock.h"

#define USER_KEY     "1ck_unit-SECRET-user-key-5f0c2b"
#define AGENT_KEY    "ocv_unit-SECRET-agent-key-a81d"
#define AGENT_ID     "0b7c9a51-6f0e-4d3c-9b7a-2f1e8d6c5b4a"
#define TOKEN_PREFIX "tok-SECRET-"
#define STATIC_TOKEN "eyJzdGF0aWMiOjF9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZw"
#define V1	     "11111111-2222-3333-4444-555555555555"
#define V2	     "22222222-2222-3333-4444-555555555555"
#define V_GONE	     "99999999-2222-3333-4444-555555555555"
#define TEXT_SECRET  "text-SECRET-value-\xc3\xa9-42"
#define FPR_V1                                                                 \
	"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
#define FPR_V3                                                                 \
	"af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051"
/* V1 blob of 1claw-api.md 5.7, URL-safe and unpadded as Node accepts. */
#define BLOB_V1_URL                                                            \
	"AQABAgMEBQYHCAkKCyp7-2ighrB--Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU"
#define BLOB_V1_HEX                                                            \
	"01000102030405060708090a0b2a7bfb68a086b07ef96ce1eadd9c1d2ddee74a58"   \
	"f20c5f745173117c445ab5"
#define KEY_V1_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_V3_B64 "//////////////////////////////////////////8="

#define VAULT_JSON(id, name)                                                   \
	"{\"id\":\"" id "\",\"name\":\"" name "\",\"description\":null,"       \
	"\"cmek_enabled\":false,\"cmek_fingerprint\":null,"                    \
	"\"created_at\":\"2026-01-01T00:00:00Z\"}"

static char log_path[256];

/* --- the fake vault --------------------------------------------------- */

struct fake {
	pthread_mutex_t lock;
	const char *api_key;  /* accepted key */
	const char *agent_id; /* required agent_id, or NULL */
	const char *static_token;
	int seq;	      /* tokens issued */
	char token[512];      /* the newest token */
	char issued[64][512]; /* every token issued: all stay valid */
	int expires_in;	      /* 0: left out */
	long jwt_exp_in;      /* != 0: JWT-shaped tokens with exp = now+this */
	int reject_n;	      /* answer 401 to the next n authorised calls */
	int pay_n;	      /* answer 402 to the next n */
	int force_status;     /* != 0: every authorised call gets this */
	const char *force_body;
	bool echo_key; /* a refused exchange names the key it was sent */
	const char *force_headers;
	char *stored; /* body of the last PUT */
	bool cmek;    /* GET answers cmek_encrypted */
	int stale_n;  /* answer 403 with stale_detail to the next n */
	const char *stale_detail;
	int version;	 /* of secret "p": each stored PUT adds one */
	int put_fail_n;	 /* answer the next n PUTs 503, */
	bool put_stores; /* after storing them (or not) */
	size_t list_n;	 /* != 0: the secret list has this many entries */
	int unavail_n;	 /* answer 503 to the next n authorised calls */
};

static struct fake F;

/* Test threads change the fake under its lock, as the server threads
 * read it (helgrind cannot see the ordering through the socket). */
#define FSET(stmt)                                                             \
	do {                                                                   \
		pthread_mutex_lock(&F.lock);                                   \
		stmt;                                                          \
		pthread_mutex_unlock(&F.lock);                                 \
	} while (0)

static void fake_reset(void)
{
	free(F.stored);
	memset(&F, 0, sizeof(F));
	pthread_mutex_init(&F.lock, NULL);
	F.api_key = USER_KEY;
	F.expires_in = 3600;
}

static void b64url(const char *in, char *out, size_t outsz)
{
	char *p;

	assert_int_equal(
	    oc_base64_encode((const uint8_t *)in, strlen(in), out, outsz),
	    OC_OK);
	for (p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
}

static void issue_token(struct mock_reply *rp)
{
	char body[1024], payload[128], pl64[256];

	F.seq++;
	if (F.jwt_exp_in) {
		snprintf(payload, sizeof(payload),
			 "{\"sub\":\"agent:x\",\"exp\":%lld}",
			 (long long)time(NULL) + F.jwt_exp_in);
		b64url(payload, pl64, sizeof(pl64));
		snprintf(F.token, sizeof(F.token),
			 "eyJhbGciOiJFZERTQSJ9.%s." TOKEN_PREFIX "%d", pl64,
			 F.seq);
	} else {
		snprintf(F.token, sizeof(F.token), TOKEN_PREFIX "%d-x", F.seq);
	}
	if (F.seq <= 64)
		memcpy(F.issued[F.seq - 1], F.token, sizeof(F.token));
	if (F.expires_in)
		snprintf(body, sizeof(body),
			 "{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
			 "\"expires_in\":%d}",
			 F.token, F.expires_in);
	else
		snprintf(body, sizeof(body),
			 "{\"access_token\":\"%s\",\"token_type\":\"Bearer\"}",
			 F.token);
	mock_reply_set(rp, 200, NULL, body);
}

static void exchange_reply(const struct mock_req *rq, struct mock_reply *rp)
{
	struct oc_json *j = NULL;
	const char *k, *ag;
	size_t n, an;

	if (oc_json_parse(rq->body, rq->body_len, &j) != OC_OK) {
		mock_reply_set(rp, 400, NULL, "{\"detail\":\"bad json\"}");
		return;
	}
	k = oc_json_get_string(j, "api_key", &n);
	ag = oc_json_get_string(j, "agent_id", &an);
	if (!k || n != strlen(F.api_key) || memcmp(k, F.api_key, n) != 0 ||
	    (F.agent_id && (!ag || strcmp(ag, F.agent_id) != 0))) {
		char echo[512];

		snprintf(echo, sizeof(echo),
			 "{\"detail\":\"Invalid API key %.*s\"}",
			 k ? (int)n : 0, k ? k : "");
		if (F.echo_key)
			mock_reply_set(rp, 401, NULL, echo);
		else
			mock_reply_set(
			    rp, 401, NULL,
			    "{\"type\":\"about:blank\",\"title\":"
			    "\"Unauthorized\",\"status\":401,\"detail\":"
			    "\"Invalid API key\"}");
	} else {
		issue_token(rp);
	}
	oc_json_free(j);
}

/* GET of the stored secret: value and metadata as the PUT sent them. */
static void secret_reply(const char *path, struct mock_reply *rp)
{
	struct oc_json *j = NULL;
	struct oc_buf out;
	struct oc_jgen g;
	const char *v;
	size_t n;

	if (!F.stored ||
	    oc_json_parse(F.stored, strlen(F.stored), &j) != OC_OK) {
		mock_reply_set(rp, 404, NULL,
			       "{\"detail\":\"no such secret\"}");
		return;
	}
	v = oc_json_get_string(j, "value", &n);
	oc_buf_init(&out, 16u << 20, false);
	assert_int_equal(oc_jgen_init(&g, &out), OC_OK);
	yajl_gen_map_open(g.g);
	oc_jgen_kv_str(&g, "id", "sec-1");
	oc_jgen_kv_str(&g, "path", path);
	oc_jgen_kv_str(&g, "type", "generic");
	oc_jgen_kv_strn(&g, "value", v, n);
	if (oc_json_get(j, "metadata")) {
		oc_jgen_str(&g, "metadata");
		oc_jgen_node(&g, oc_json_get(j, "metadata"));
	}
	oc_jgen_kv_int(&g, "version", 1);
	oc_jgen_kv_str(&g, "created_at", "2026-01-01T00:00:00Z");
	oc_jgen_kv_bool(&g, "cmek_encrypted", F.cmek);
	yajl_gen_map_close(g.g);
	assert_int_equal(oc_jgen_status(&g), OC_OK);
	oc_jgen_free(&g);
	mock_reply_set(rp, 200, NULL, (const char *)out.data);
	oc_buf_free(&out);
	oc_json_free(j);
}

static void problem_reply(struct mock_reply *rp, int status, const char *detail)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"type\":\"about:blank\",\"status\":%d,\"detail\":\"%s\"}",
		 status, detail);
	mock_reply_set(rp, status, NULL, body);
}

/* The secret list: "p" at F.version (none at 0), or F.list_n entries of
 * about 270 bytes each, as the service writes them. */
static void list_reply(struct mock_reply *rp)
{
	size_t i, cap = 512 + F.list_n * 300, len = 0;
	char *b = malloc(cap);

	assert_non_null(b);
	len += (size_t)snprintf(b, cap, "{\"secrets\":[");
	if (!F.list_n && F.version)
		len += (size_t)snprintf(
		    b + len, cap - len,
		    "{\"id\":\"sec-1\",\"path\":\"p\",\"type\":\"generic\","
		    "\"version\":%d,\"created_at\":\"2026-01-01T00:00:00Z\"}",
		    F.version);
	for (i = 0; i < F.list_n; i++)
		len += (size_t)snprintf(
		    b + len, cap - len,
		    "%s{\"id\":\"0b7f6a52-1c7e-4f7e-9a55-%012zu\",\"path\":"
		    "\"svc/app-%06zu/db-password\",\"type\":\"password\","
		    "\"version\":3,\"metadata\":{\"owner\":\"team-a\","
		    "\"tags\":[\"db\",\"prod\"]},\"created_at\":\"2026-02-18T"
		    "12:00:00.123456+00:00\",\"expires_at\":null,\"is_"
		    "disabled\""
		    ":false}",
		    i ? "," : "", i, i);
	snprintf(b + len, cap - len, "]}");
	free(rp->body);
	rp->status = 200;
	rp->body = b;
	rp->body_len = strlen(b);
}

static void fake_handler(struct mock *m, const struct mock_req *rq,
			 struct mock_reply *rp, void *ctx)
{
	char auth[1024];
	const char *t = rq->target;
	static const char sec[] = "/v1/vaults/" V1 "/secrets/";
	static const char list[] = "/v1/vaults/" V1 "/secrets?";
	char body[512];
	bool known = false;
	int i;

	(void)m;
	(void)ctx;
	pthread_mutex_lock(&F.lock);
	if (strcmp(rq->method, "POST") == 0 &&
	    (strcmp(t, "/v1/auth/api-key-token") == 0 ||
	     strcmp(t, "/v1/auth/agent-token") == 0)) {
		exchange_reply(rq, rp);
		goto out;
	}
	if (mock_req_header(rq, "Authorization", auth, sizeof(auth)) &&
	    strncmp(auth, "Bearer ", 7) == 0) {
		if (F.static_token && strcmp(auth + 7, F.static_token) == 0)
			known = true;
		for (i = 0; i < F.seq && i < 64 && !known; i++)
			known = strcmp(auth + 7, F.issued[i]) == 0;
	}
	if (!known || F.reject_n > 0) {
		if (F.reject_n > 0)
			F.reject_n--;
		mock_reply_set(rp, 401, NULL,
			       "{\"type\":\"about:blank\",\"title\":"
			       "\"Unauthorized\",\"status\":401,\"detail\":"
			       "\"Invalid or expired token\"}");
		goto out;
	}
	if (F.pay_n > 0) {
		F.pay_n--;
		mock_reply_set(rp, 402, NULL,
			       "{\"x402Version\":1,\"error\":\"Payment "
			       "required\",\"accepts\":[{\"scheme\":\"exact\","
			       "\"network\":\"base\",\"price\":\"$0.0015\","
			       "\"payTo\":\"0x0\"}]}");
		goto out;
	}
	if (F.stale_n > 0) {
		F.stale_n--;
		problem_reply(rp, 403, F.stale_detail);
		goto out;
	}
	if (F.unavail_n > 0) {
		F.unavail_n--;
		problem_reply(rp, 503, "busy");
		goto out;
	}
	if (F.force_status) {
		mock_reply_set(rp, F.force_status, F.force_headers,
			       F.force_body);
		goto out;
	}
	if (strcmp(rq->method, "GET") == 0 && strcmp(t, "/v1/vaults") == 0) {
		mock_reply_set(
		    rp, 200, NULL,
		    "{\"vaults\":[" VAULT_JSON(V1, "default") "," VAULT_JSON(
			"22222222-2222-3333-4444-555555555555", "second") "]}");
	} else if (strcmp(rq->method, "GET") == 0 &&
		   strcmp(t, "/v1/vaults/" V1) == 0) {
		mock_reply_set(rp, 200, NULL, VAULT_JSON(V1, "default"));
	} else if (strcmp(rq->method, "GET") == 0 &&
		   strcmp(t, "/v1/vaults/" V_GONE) == 0) {
		mock_reply_set(rp, 410, NULL, "{\"detail\":\"vault deleted\"}");
	} else if (strcmp(rq->method, "GET") == 0 &&
		   (strncmp(t, list, strlen(list)) == 0 ||
		    strcmp(t, "/v1/vaults/" V1 "/secrets") == 0)) {
		list_reply(rp);
	} else if (strcmp(rq->method, "PUT") == 0 &&
		   strncmp(t, sec, strlen(sec)) == 0) {
		if (F.put_fail_n == 0 || F.put_stores) {
			free(F.stored);
			F.stored = strdup(rq->body);
			F.version++;
		}
		if (F.put_fail_n > 0) {
			F.put_fail_n--;
			problem_reply(rp, 503, "try later");
			goto out;
		}
		snprintf(body, sizeof(body),
			 "{\"id\":\"sec-1\",\"path\":\"p\",\"type\":"
			 "\"generic\",\"version\":%d,\"created_at\":"
			 "\"2026-01-01T00:00:00Z\"}",
			 F.version);
		mock_reply_set(rp, 201, NULL, body);
	} else if (strcmp(rq->method, "GET") == 0 &&
		   strncmp(t, sec, strlen(sec)) == 0) {
		secret_reply(t + strlen(sec), rp);
	} else {
		mock_reply_set(rp, 404, NULL, "{\"detail\":\"no route\"}");
	}
out:
	pthread_mutex_unlock(&F.lock);
}

/* --- helpers ----------------------------------------------------------- */

static struct oc_api *mkapi_full(const char *url, enum oc_cred_kind kind,
				 const char *cred, const char *agent_id,
				 unsigned retries, size_t max_value)
{
	struct oc_conf c;
	struct oc_api *a = NULL;

	memset(&c, 0, sizeof(c));
	c.api_url = (char *)url;
	c.cred_kind = kind;
	c.credential = (char *)cred;
	c.agent_id = (char *)agent_id;
	c.connect_timeout_s = 5;
	c.timeout_s = 10;
	c.retries = retries;
	c.max_value_size = max_value;
	assert_int_equal(oc_api_new(&c, &a), OC_OK);
	assert_non_null(a);
	return a;
}

static struct oc_api *mkapi(struct mock *m, enum oc_cred_kind kind,
			    const char *cred)
{
	return mkapi_full(mock_url(m), kind, cred, NULL, 0, 0);
}

static int count_prefix(struct mock *m, const char *prefix)
{
	struct mock_req r;
	int i, n = 0;

	for (i = 0; i < mock_nreq(m); i++) {
		if (!mock_req_get(m, i, &r))
			continue;
		if (strncmp(r.target, prefix, strlen(prefix)) == 0)
			n++;
		mock_req_free(&r);
	}
	return n;
}

static int exchanges(struct mock *m)
{
	return count_prefix(m, "/v1/auth/");
}

static void last_req(struct mock *m, struct mock_req *r)
{
	assert_true(mock_req_get(m, mock_nreq(m) - 1, r));
}

static int setup(void **state)
{
	fake_reset();
	*state = mock_start(fake_handler, NULL);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	mock_stop(*state);
	free(F.stored);
	F.stored = NULL;
	pthread_mutex_destroy(&F.lock);
	return 0;
}

/* --- tests: credentials and tokens --------------------------------------- */

static void test_user_key_exchange(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault *v = NULL;
	struct mock_req r;
	char h[256];
	size_t n = 0;
	struct oc_json *j;

	assert_true(oc_api_has_credential(a));
	assert_int_equal(oc_api_last_status(a), 0);
	/* Nothing on the wire until needed. */
	assert_int_equal(mock_nreq(m), 0);
	assert_int_equal(oc_api_vault_list(a, &v, &n), OC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, V1);
	assert_string_equal(v[0].name, "default");
	assert_string_equal(v[0].description, "");
	assert_false(v[0].cmek_enabled);
	assert_string_equal(v[0].cmek_fingerprint, "");
	assert_string_equal(v[0].created_at, "2026-01-01T00:00:00Z");
	assert_string_equal(v[1].name, "second");
	free(v);
	assert_int_equal(oc_api_vault_list(a, &v, &n), OC_OK);
	free(v);
	assert_int_equal(oc_api_last_status(a), 200);
	assert_string_equal(oc_api_last_error(a), "");

	/* One exchange, then the token on both calls. */
	assert_int_equal(mock_nreq(m), 3);
	assert_int_equal(exchanges(m), 1);
	assert_true(mock_req_get(m, 0, &r));
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v1/auth/api-key-token");
	assert_int_equal(oc_json_parse(r.body, r.body_len, &j), OC_OK);
	assert_string_equal(oc_json_get_string(j, "api_key", NULL), USER_KEY);
	assert_null(oc_json_get(j, "agent_id"));
	assert_false(mock_req_header(&r, "Authorization", h, sizeof(h)));
	oc_json_free(j);
	mock_req_free(&r);
	assert_true(mock_req_get(m, 2, &r));
	assert_string_equal(r.target, "/v1/vaults");
	assert_true(mock_req_header(&r, "Authorization", h, sizeof(h)));
	assert_string_equal(h, "Bearer " TOKEN_PREFIX "1-x");
	mock_req_free(&r);
	oc_api_free(a);
}

static void test_agent_key_exchange(void **state)
{
	struct mock *m = *state;
	struct oc_api *a;
	struct oc_vault v;
	struct mock_req r;
	struct oc_json *j;

	FSET(F.api_key = AGENT_KEY);
	FSET(F.agent_id = AGENT_ID);
	a = mkapi_full(mock_url(m), OC_CRED_AGENT_KEY, AGENT_KEY, AGENT_ID, 0,
		       0);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_string_equal(v.id, V1);
	assert_true(mock_req_get(m, 0, &r));
	assert_string_equal(r.target, "/v1/auth/agent-token");
	assert_int_equal(oc_json_parse(r.body, r.body_len, &j), OC_OK);
	assert_string_equal(oc_json_get_string(j, "api_key", NULL), AGENT_KEY);
	assert_string_equal(oc_json_get_string(j, "agent_id", NULL), AGENT_ID);
	oc_json_free(j);
	mock_req_free(&r);
	oc_api_free(a);
}

static void test_static_token(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_TOKEN, STATIC_TOKEN);
	struct oc_vault v;
	struct mock_req r;
	char h[256];

	FSET(F.static_token = STATIC_TOKEN);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	last_req(m, &r);
	assert_true(mock_req_header(&r, "Authorization", h, sizeof(h)));
	assert_string_equal(h, "Bearer " STATIC_TOKEN);
	mock_req_free(&r);
	/* Refused: nothing to exchange, so no second try. */
	FSET(F.reject_n = 5);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_api_last_status(a), 401);
	assert_int_equal(mock_nreq(m), 2);
	assert_int_equal(exchanges(m), 0);
	oc_api_free(a);
}

static void test_401_reexchange_once(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	struct mock_req r;
	char h[256];

	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	/* Revoked mid-session: one 401, one re-exchange, success. */
	FSET(F.reject_n = 1);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 2);
	assert_int_equal(mock_nreq(m), 5);
	last_req(m, &r);
	assert_true(mock_req_header(&r, "Authorization", h, sizeof(h)));
	assert_string_equal(h, "Bearer " TOKEN_PREFIX "2-x");
	mock_req_free(&r);

	/* Refused every time: exactly one re-exchange, then 401. */
	mock_reset_counts(m);
	FSET(F.reject_n = 100);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_UNAUTHORIZED);
	assert_int_equal(exchanges(m), 1);
	assert_int_equal(mock_nreq(m), 3);
	assert_int_equal(oc_api_last_status(a), 401);
	assert_string_equal(oc_api_last_error(a), "Invalid or expired token");
	oc_api_free(a);
}

/* token_cache: a second client of the same key takes the first one's
 * token; another key does not; a token the server refuses leaves the
 * file, and the fresh one takes its place. */
static void test_token_cache(void **state)
{
	struct mock *m = *state;
	char dir[] = "/tmp/api-test-cache.XXXXXX", path[64], text[1024];
	struct oc_api *a[4];
	struct oc_conf c;
	struct oc_vault v;
	FILE *f;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	memset(&c, 0, sizeof(c));
	c.api_url = (char *)mock_url(m);
	c.cred_kind = OC_CRED_USER_KEY;
	c.credential = (char *)USER_KEY;
	c.connect_timeout_s = 5;
	c.timeout_s = 10;
	c.token_cache = path;
	assert_int_equal(oc_api_new(&c, &a[0]), OC_OK);
	assert_int_equal(oc_api_new(&c, &a[1]), OC_OK);
	assert_int_equal(oc_api_new(&c, &a[3]), OC_OK);
	c.cred_kind = OC_CRED_AGENT_KEY;
	c.credential = (char *)AGENT_KEY;
	c.agent_id = (char *)AGENT_ID;
	assert_int_equal(oc_api_new(&c, &a[2]), OC_OK);

	assert_int_equal(oc_api_vault_get(a[0], V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 1);
	assert_int_equal(oc_api_vault_get(a[1], V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 1); /* the cached token */
	FSET(F.api_key = AGENT_KEY);
	FSET(F.agent_id = AGENT_ID);
	assert_int_equal(oc_api_vault_get(a[2], V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 2); /* another key's: not used */
	FSET(F.api_key = USER_KEY);
	FSET(F.agent_id = NULL);

	/* The file now holds the agent key's token: the user key exchanges
	 * again.  The server then refuses that token once: dropped,
	 * exchanged, replaced. */
	assert_int_equal(oc_api_vault_get(a[3], V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 3);
	FSET(F.reject_n = 1);
	assert_int_equal(oc_api_vault_get(a[3], V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 4);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, TOKEN_PREFIX "4-x"));
	for (int i = 0; i < 4; i++)
		oc_api_free(a[i]);
	unlink(path);
	rmdir(dir);
}

static void test_402(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;

	/* 402 is about the quota, not the token (the service answers it
	 * before authentication): no new token, a message with the price. */
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	FSET(F.pay_n = 1);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_PAYMENT);
	assert_int_equal(exchanges(m), 1);
	assert_int_equal(oc_api_last_status(a), 402);
	assert_string_equal(oc_api_last_error(a),
			    "Payment required; price $0.0015, scheme exact on "
			    "base");
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 1);
	oc_api_free(a);

	/* A price or scheme that echoes a short credential never reaches
	 * the recorded error. */
	FSET(F.static_token = "tok.short.1"; F.force_status = 402;
	     F.force_body = "{\"accepts\":[{\"price\":\"tok.short.1\","
			    "\"scheme\":\"exact\"}]}");
	a = mkapi(m, OC_CRED_TOKEN, "tok.short.1");
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_PAYMENT);
	assert_string_equal(oc_api_last_error(a), "HTTP 402");
	FSET(F.static_token = NULL; F.force_status = 0; F.force_body = NULL);
	oc_api_free(a);
}

/* A 403 that blames the token (the service revokes an agent's tokens when
 * its policies change) gets one new token; any other 403 gets none. */
static void test_403_stale_token(void **state)
{
	static const char *const stale[] = {
	    "token has been revoked", "Token has no scopes for this vault",
	    "Scopes do not cover this path"};
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	size_t i;

	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	for (i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		mock_reset_counts(m);
		FSET(F.stale_n = 1; F.stale_detail = stale[i]);
		assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
		assert_int_equal(exchanges(m), 1);
	}
	mock_reset_counts(m);
	FSET(F.stale_n = 1; F.stale_detail = "policy denies read on p");
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_FORBIDDEN);
	assert_int_equal(exchanges(m), 0);
	/* Still refused with the new token: one exchange, then the 403. */
	mock_reset_counts(m);
	FSET(F.stale_n = 5; F.stale_detail = stale[0]);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_FORBIDDEN);
	assert_int_equal(exchanges(m), 1);
	assert_string_equal(oc_api_last_error(a), stale[0]);
	/* That token was fresh: no more exchanges for it. */
	mock_reset_counts(m);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_FORBIDDEN);
	assert_int_equal(exchanges(m), 0);
	FSET(F.stale_n = 0);
	oc_api_free(a);
}

static int count_method(struct mock *m, const char *method)
{
	struct mock_req r;
	int i, n = 0;

	for (i = 0; i < mock_nreq(m); i++) {
		assert_true(mock_req_get(m, i, &r));
		n += strcmp(r.method, method) == 0;
		mock_req_free(&r);
	}
	return n;
}

/* Each PUT makes a version: it is never sent twice when the first one
 * landed, whatever the answer. */
static void test_put_answer_lost(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 2, 0);
	const struct oc_secret_put in = {.value = (const uint8_t *)"v",
					 .value_len = 1};
	struct oc_secret_meta out;

	assert_int_equal(oc_api_secret_put(a, V1, "p", &in, &out), OC_OK);
	assert_int_equal(out.version, 1);
	oc_secret_meta_clear(&out);
	/* Stored, then 503: the list shows it landed. */
	mock_reset_counts(m);
	FSET(F.put_fail_n = 1; F.put_stores = true);
	assert_int_equal(oc_api_secret_put(a, V1, "p", &in, &out), OC_OK);
	assert_int_equal(out.version, 2);
	assert_string_equal(out.path, "p");
	assert_int_equal(count_method(m, "PUT"), 1);
	oc_secret_meta_clear(&out);
	/* 503 and nothing stored: sent once more. */
	mock_reset_counts(m);
	FSET(F.put_fail_n = 1; F.put_stores = false);
	assert_int_equal(oc_api_secret_put(a, V1, "p", &in, &out), OC_OK);
	assert_int_equal(out.version, 3);
	assert_int_equal(count_method(m, "PUT"), 2);
	oc_secret_meta_clear(&out);
	/* 503 every time: two PUTs, the 503 reported, nothing stored. */
	mock_reset_counts(m);
	FSET(F.put_fail_n = 5; F.put_stores = false);
	assert_int_equal(oc_api_secret_put(a, V1, "p", &in, &out),
			 OC_ERR_SERVER);
	assert_int_equal(count_method(m, "PUT"), 2);
	assert_int_equal(oc_api_last_status(a), 503);
	assert_string_equal(oc_api_last_error(a), "try later");
	FSET(assert_int_equal(F.version, 3); F.put_fail_n = 0);
	oc_api_free(a);
}

/* A list larger than any answer the client would hold whole is read as
 * it arrives. */
static void test_big_list(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_secret_meta *ml = NULL;
	size_t n = 0;

	FSET(F.list_n = 70000); /* about 20 MB */
	assert_int_equal(oc_api_secret_list(a, V1, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 70000);
	assert_string_equal(ml[69999].path, "svc/app-069999/db-password");
	assert_string_equal(
	    ml[69999].metadata,
	    "{\"owner\":\"team-a\",\"tags\":[\"db\",\"prod\"]}");
	oc_secret_meta_list_free(ml, n);
	FSET(F.list_n = 0);
	oc_api_free(a);
}

/* A list into a sink: each entry as it arrives, its strings the
 * sink's to take; a retried request starts the list over. */
struct each_sink {
	size_t n, restarts;
	char *last_path; /* taken from the entry */
};

static int each_entry(void *ctx, struct oc_secret_meta *m)
{
	struct each_sink *e = ctx;

	e->n++;
	free(e->last_path);
	e->last_path = m->path;
	m->path = NULL;
	return OC_OK;
}

static void each_restart(void *ctx)
{
	struct each_sink *e = ctx;

	e->n = 0;
	e->restarts++;
}

static void test_list_each(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 2, 0);
	struct each_sink e = {0};
	const struct oc_api_meta_sink sink = {each_entry, each_restart, &e};

	FSET(F.list_n = 3000);
	assert_int_equal(oc_api_secret_list_each(a, V1, NULL, &sink), OC_OK);
	assert_int_equal(e.n, 3000);
	assert_string_equal(e.last_path, "svc/app-002999/db-password");
	/* Retried after a 503: counted once. */
	e.n = 0;
	FSET(F.unavail_n = 1);
	assert_int_equal(oc_api_secret_list_each(a, V1, NULL, &sink), OC_OK);
	assert_int_equal(e.n, 3000);
	assert_int_equal(oc_api_secret_list_each(a, V1, NULL, NULL),
			 OC_ERR_ARGS);
	FSET(F.list_n = 0);
	free(e.last_path);
	oc_api_free(a);
}

/* X-1Claw-Runtime-Id on every request, the token exchange included. */
static void test_runtime_id(void **state)
{
	struct mock *m = *state;
	struct oc_conf c;
	struct oc_api *a = NULL;
	struct oc_vault v;
	struct mock_req r;
	char h[300];
	int i;

	memset(&c, 0, sizeof(c));
	c.api_url = (char *)mock_url(m);
	c.cred_kind = OC_CRED_USER_KEY;
	c.credential = (char *)USER_KEY;
	c.runtime_id = (char *)"rt-test-1";
	assert_int_equal(oc_api_new(&c, &a), OC_OK);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nreq(m), 2);
	for (i = 0; i < mock_nreq(m); i++) {
		assert_true(mock_req_get(m, i, &r));
		assert_true(
		    mock_req_header(&r, "X-1Claw-Runtime-Id", h, sizeof(h)));
		assert_string_equal(h, "rt-test-1");
		mock_req_free(&r);
	}
	oc_api_free(a);
	c.runtime_id = (char *)"rt with space";
	assert_int_equal(oc_api_new(&c, &a), OC_ERR_CONFIG);
}

/* --- tests: DPoP --------------------------------------------------------- */

struct proof {
	char jti[64], htm[16], htu[512];
};

/* The payload of request i's DPoP header (which must be there). */
static void proof_of(struct mock *m, int i, struct proof *p)
{
	struct mock_req r;
	char h[2048], pl[1024];
	const char *d1, *d2, *v;
	struct oc_json *j = NULL;
	size_t n, len;

	memset(p, 0, sizeof(*p));
	assert_true(mock_req_get(m, i, &r));
	assert_true(mock_req_header(&r, "DPoP", h, sizeof(h)));
	d1 = strchr(h, '.');
	assert_non_null(d1);
	d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	assert_int_equal(oc_base64_decode(d1 + 1, (size_t)(d2 - d1 - 1),
					  (uint8_t *)pl, sizeof(pl) - 1, &len),
			 OC_OK);
	assert_int_equal(oc_json_parse(pl, len, &j), OC_OK);
	v = oc_json_get_string(j, "jti", &n);
	assert_non_null(v);
	snprintf(p->jti, sizeof(p->jti), "%s", v);
	v = oc_json_get_string(j, "htm", &n);
	assert_non_null(v);
	snprintf(p->htm, sizeof(p->htm), "%s", v);
	v = oc_json_get_string(j, "htu", &n);
	assert_non_null(v);
	snprintf(p->htu, sizeof(p->htu), "%s", v);
	oc_json_free(j);
	mock_req_free(&r);
}

static void expect_proof(struct mock *m, int i, const char *method,
			 const char *path, struct proof *p)
{
	char url[512];

	proof_of(m, i, p);
	snprintf(url, sizeof(url), "%s%s", mock_url(m), path);
	assert_string_equal(p->htm, method);
	assert_string_equal(p->htu, url);
}

static struct oc_dpop *soft_dpop(EVP_PKEY **key)
{
	struct oc_dpop_signer s;
	struct oc_dpop *d = NULL;

	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(*key);
	assert_int_equal(EVP_PKEY_up_ref(*key), 1);
	assert_int_equal(oc_dpop_signer_pkey(*key, &s), OC_OK);
	assert_int_equal(oc_dpop_new(&s, &d), OC_OK);
	return d;
}

static void test_dpop_requests(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 2, 0);
	struct oc_secret_meta *list = NULL;
	struct oc_dpop *d;
	struct oc_vault v;
	struct proof p[6];
	struct mock_req r;
	struct oc_json *body = NULL;
	const struct oc_json *jwk;
	char want[OC_DPOP_JWK_MAX], h[2048];
	EVP_PKEY *key;
	size_t n = 0;
	int k;

	d = soft_dpop(&key);
	assert_int_equal(oc_dpop_jwk(d, want, sizeof(want)), OC_OK);
	oc_api_set_dpop(a, d);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nreq(m), 2);

	/* The exchange: dpop_jwk in the body, a proof for its URL. */
	assert_true(mock_req_get(m, 0, &r));
	assert_string_equal(r.target, "/v1/auth/api-key-token");
	assert_int_equal(oc_json_parse(r.body, r.body_len, &body), OC_OK);
	jwk = oc_json_get(body, "dpop_jwk");
	assert_non_null(jwk);
	assert_int_equal(oc_json_type(jwk), OC_JSON_OBJECT);
	assert_int_equal(oc_json_len(jwk), 4);
	assert_non_null(strstr(want, oc_json_get_string(jwk, "x", &n)));
	assert_non_null(strstr(want, oc_json_get_string(jwk, "y", &n)));
	assert_string_equal(oc_json_get_string(jwk, "kty", &n), "EC");
	assert_string_equal(oc_json_get_string(jwk, "crv", &n), "P-256");
	oc_json_free(body);
	mock_req_free(&r);
	expect_proof(m, 0, "POST", "/v1/auth/api-key-token", &p[0]);

	/* A request: Bearer stays, plus its own proof. */
	assert_true(mock_req_get(m, 1, &r));
	assert_true(mock_req_header(&r, "Authorization", h, sizeof(h)));
	assert_true(strncmp(h, "Bearer " TOKEN_PREFIX, 7 + 11) == 0);
	mock_req_free(&r);
	expect_proof(m, 1, "GET", "/v1/vaults/" V1, &p[1]);

	/* htu leaves the query out. */
	assert_int_equal(oc_api_secret_list(a, V1, "pre", &list, &n), OC_OK);
	oc_secret_meta_list_free(list, n);
	assert_true(mock_req_get(m, 2, &r));
	assert_non_null(strchr(r.target, '?'));
	mock_req_free(&r);
	expect_proof(m, 2, "GET", "/v1/vaults/" V1 "/secrets", &p[2]);

	/* Retries inside oc_http: each try signs anew. */
	FSET(F.unavail_n = 2);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nreq(m), 6);
	for (k = 3; k < 6; k++)
		expect_proof(m, k, "GET", "/v1/vaults/" V1, &p[k]);

	/* A 401: the re-exchange and the retried call are proven too. */
	FSET(F.reject_n = 1);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nreq(m), 9);
	expect_proof(m, 7, "POST", "/v1/auth/api-key-token", &p[0]);
	expect_proof(m, 8, "GET", "/v1/vaults/" V1, &p[0]);

	/* Every jti differs. */
	for (k = 0; k < 9; k++) {
		struct proof a1, b1;
		int l;

		proof_of(m, k, &a1);
		for (l = k + 1; l < 9; l++) {
			proof_of(m, l, &b1);
			assert_string_not_equal(a1.jti, b1.jti);
		}
	}
	oc_api_free(a);
	EVP_PKEY_free(key);
}

static int failing_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
	(void)ctx;
	(void)digest;
	(void)sig;
	return OC_ERR_CRYPTO;
}

static int soft_public(void *ctx, EVP_PKEY **out)
{
	assert_int_equal(EVP_PKEY_up_ref(ctx), 1);
	*out = ctx;
	return OC_OK;
}

static void test_dpop_signer_fails(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct oc_dpop_signer s = {
	    .public_key = soft_public, .sign = failing_sign, .ctx = key};
	struct oc_dpop *d = NULL;
	struct oc_vault v;

	assert_non_null(key);
	assert_int_equal(oc_dpop_new(&s, &d), OC_OK);
	oc_api_set_dpop(a, d);
	/* The exchange cannot be proven: nothing leaves. */
	assert_int_not_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nreq(m), 0);
	oc_api_free(a);

	/* A static token: the request itself is not sent either. */
	a = mkapi(m, OC_CRED_TOKEN, STATIC_TOKEN);
	assert_int_equal(oc_dpop_new(&s, &d), OC_OK);
	oc_api_set_dpop(a, d);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_CRYPTO);
	assert_int_equal(mock_nreq(m), 0);
	oc_api_free(a);
	EVP_PKEY_free(key);
}

static void test_bad_key(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, "1ck_wrong-key");
	struct oc_vault v;

	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_api_last_status(a), 401);
	assert_string_equal(oc_api_last_error(a), "Invalid API key");
	assert_int_equal(mock_nreq(m), 1);
	oc_api_free(a);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void test_refresh_before_expiry(void **state)
{
	struct mock *m = *state;
	struct oc_api *a;
	struct oc_vault v;

	/* expires_in 1 s: renewed early (half the life when under 2 min). */
	FSET(F.expires_in = 1);
	a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 1);
	sleep_ms(700);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 2);
	oc_api_free(a);

	/* No expires_in: the JWT exp claim counts. */
	mock_reset_counts(m);
	FSET(F.expires_in = 0);
	FSET(F.jwt_exp_in = 2);
	a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	sleep_ms(1100);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 2);
	oc_api_free(a);

	mock_reset_counts(m);
	FSET(F.jwt_exp_in = 7200);
	a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	sleep_ms(200);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 1);
	oc_api_free(a);
}

static void test_pin_mode(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_NONE, NULL);
	struct oc_vault v;

	assert_false(oc_api_has_credential(a));
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_UNAUTHORIZED);
	assert_int_equal(mock_nreq(m), 0);
	/* Malformed keys are refused without a request. */
	assert_int_equal(oc_api_login(a, "", 0), OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_api_login(a, "1ck_a b", 7), OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_api_login(a, "1ck_a\nb", 7), OC_ERR_UNAUTHORIZED);
	assert_int_equal(mock_nreq(m), 0);
	/* A wrong key: one exchange, refused, nothing changes. */
	assert_int_equal(oc_api_login(a, "1ck_wrong", 9), OC_ERR_UNAUTHORIZED);
	assert_false(oc_api_has_credential(a));
	assert_int_equal(mock_nreq(m), 1);
	assert_string_equal(oc_api_last_error(a), "Invalid API key");
	/* A server that echoes the refused key: the PIN never reaches the
	 * last error (which goes to logs). */
	FSET(F.echo_key = true);
	assert_int_equal(oc_api_login(a, "1ck_wrong_echoed", 16),
			 OC_ERR_UNAUTHORIZED);
	assert_string_equal(oc_api_last_error(a), "HTTP 401");
	FSET(F.echo_key = false);
	/* The right one (not NUL-terminated on purpose). */
	{
		char pin[64];
		memcpy(pin, USER_KEY "garbage", sizeof(USER_KEY "garbage"));
		assert_int_equal(oc_api_login(a, pin, strlen(USER_KEY)), OC_OK);
	}
	assert_true(oc_api_has_credential(a));
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 3);
	assert_int_equal(mock_nreq(m), 4);
	oc_api_logout(a);
	assert_false(oc_api_has_credential(a));
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_UNAUTHORIZED);
	assert_int_equal(mock_nreq(m), 4);

	/* A token as PIN: checked with one authenticated call. */
	FSET(F.static_token = STATIC_TOKEN);
	assert_int_equal(oc_api_login(a, STATIC_TOKEN, strlen(STATIC_TOKEN)),
			 OC_OK);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(exchanges(m), 3);
	oc_api_free(a);
}

/* --- tests: status and errors -------------------------------------------- */

static void test_status_mapping(void **state)
{
	static const struct {
		int status;
		int err;
	} map[] = {
	    {400, OC_ERR_BAD_REQUEST},	{403, OC_ERR_FORBIDDEN},
	    {404, OC_ERR_NOT_FOUND},	{409, OC_ERR_CONFLICT},
	    {410, OC_ERR_GONE},		{413, OC_ERR_TOO_LARGE},
	    {429, OC_ERR_RATE_LIMITED}, {500, OC_ERR_SERVER},
	    {503, OC_ERR_SERVER},	{418, OC_ERR_BAD_REQUEST},
	    {302, OC_ERR_SERVER},	{201, OC_ERR_SERVER},
	};
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	char detail[64];
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		static char body[128];
		snprintf(body, sizeof(body),
			 "{\"title\":\"t\",\"detail\":\"detail %d\"}",
			 map[i].status);
		FSET(F.force_status = map[i].status);
		FSET(F.force_body = body);
		FSET(F.force_headers =
			 map[i].status == 302 ? "Location: /x\r\n" : NULL);
		assert_int_equal(oc_api_vault_get(a, V1, &v), map[i].err);
		assert_int_equal(oc_api_last_status(a), map[i].status);
		if (map[i].status >= 400) {
			snprintf(detail, sizeof(detail), "detail %d",
				 map[i].status);
			assert_string_equal(oc_api_last_error(a), detail);
		}
	}
	oc_api_free(a);
}

static void test_problem_detail(void **state)
{
	static const struct {
		const char *body;
		const char *want;
	} cases[] = {
	    {"{\"detail\":\"d\",\"message\":\"m\",\"error\":\"e\"}", "d"},
	    {"{\"message\":\"m\",\"error\":\"e\"}", "m"},
	    {"{\"error\":\"e\"}", "e"},
	    {"{\"detail\":7}", "HTTP 403"},
	    {"<html>oops</html>", "HTTP 403"},
	    {"", "HTTP 403"},
	    {"{\"detail\":\"line\\nbreak\"}", "line?break"},
	    /* A detail that echoes our key never reaches last_error. */
	    {"{\"detail\":\"bad key " USER_KEY "\"}", "HTTP 403"},
	};
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FSET(F.force_status = 403);
		FSET(F.force_body = cases[i].body);
		assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_FORBIDDEN);
		assert_string_equal(oc_api_last_error(a), cases[i].want);
	}
	oc_api_free(a);
}

static void test_net_error(void **state)
{
	char url[64];
	struct oc_api *a;
	struct oc_vault v;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", mock_closed_port());
	a = mkapi_full(url, OC_CRED_USER_KEY, USER_KEY, NULL, 1, 0);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_NET);
	assert_string_not_equal(oc_api_last_error(a), "");
	oc_api_free(a);
}

static void test_retry_429_via_api(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 0, 0);
	struct oc_vault v;

	/* No retries left: 429 is OC_ERR_RATE_LIMITED. */
	FSET(F.force_status = 429);
	FSET(F.force_headers = "Retry-After: 0\r\n");
	FSET(F.force_body = "{\"detail\":\"slow down\"}");
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_ERR_RATE_LIMITED);
	assert_string_equal(oc_api_last_error(a), "slow down");
	oc_api_free(a);
}

/* --- tests: response validation ------------------------------------------ */

static void expect_server(struct oc_api *a, int status, const char *body,
			  int which)
{
	struct oc_vault v, *vl = NULL;
	struct oc_secret s;
	struct oc_secret_meta *ml = NULL;
	struct oc_rotation_job jb;
	size_t n = 0;
	int rc = OC_OK;

	FSET(F.force_status = status);
	FSET(F.force_body = body);
	switch (which) {
	case 0:
		rc = oc_api_vault_get(a, V1, &v);
		break;
	case 1:
		rc = oc_api_vault_list(a, &vl, &n);
		break;
	case 2:
		memset(&s, 0, sizeof(s));
		rc = oc_api_secret_get(a, V1, "p", &s);
		break;
	case 3:
		rc = oc_api_secret_list(a, V1, NULL, &ml, &n);
		break;
	case 4:
		rc = oc_api_cmek_job(a, V1, "job-1", &jb);
		break;
	}
	if (rc != OC_ERR_SERVER)
		fail_msg("body %s: got %d, want OC_ERR_SERVER", body, rc);
}

#define SEC(extra)                                                             \
	"{\"id\":\"s1\",\"path\":\"p\",\"type\":\"generic\",\"version\":1,"    \
	"\"created_at\":\"2026-01-01T00:00:00Z\"" extra "}"
#define JOB(extra)                                                             \
	"{\"id\":\"job-1\",\"vault_id\":\"" V1 "\",\"total_secrets\":3,"       \
	"\"processed\":1,\"created_at\":\"2026-01-01T00:00:00Z\"" extra "}"

/* What cannot be used is still refused: a body that is not JSON, a vault
 * without a usable id, a secret without a usable value, a list that is not
 * one, a job that breaks the spec. */
static void test_validation(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 0, 64);
	char longid[200], body[512];

	memset(longid, 'a', 65);
	longid[65] = '\0';
	/* Vaults. */
	expect_server(a, 200, "garbage", 0);
	expect_server(a, 200, "[1,2]", 0);
	expect_server(a, 200, "{\"id\":7,\"name\":\"n\",\"created_at\":\"x\"}",
		      0);
	expect_server(a, 200,
		      "{\"id\":\"v/../w\",\"name\":\"n\",\"created_at\":\"x\"}",
		      0);
	snprintf(body, sizeof(body),
		 "{\"id\":\"%s\",\"name\":\"n\",\"created_at\":\"x\"}", longid);
	expect_server(a, 200, body, 0);
	expect_server(a, 200, "{\"vaults\":{}}", 1);
	expect_server(a, 200, "{\"vaults\":7}", 1);
	expect_server(a, 200, "{}", 1);
	expect_server(a, 200, "[]", 1);
	expect_server(a, 200, "{\"vaults\":[" VAULT_JSON(V1, "ok"), 1);
	/* Secrets. */
	expect_server(a, 200, SEC(""), 2); /* no value */
	expect_server(a, 200, SEC(",\"value\":5"), 2);
	expect_server(a, 200, SEC(",\"value\":null"), 2);
	expect_server(a, 200, SEC(",\"value\":\"!!\",\"cmek_encrypted\":true"),
		      2);
	expect_server(
	    a, 200,
	    SEC(",\"value\":\"@@\",\"metadata\":{\"encoding\":\"base64\"}"), 2);
	/* Over max_value_size (64 here), plain and as a CMEK blob. */
	expect_server(a, 200,
		      SEC(",\"value\":\""
			  "0123456789012345678901234567890123456789012345678901"
			  "2345678901234"
			  "\""),
		      2);
	expect_server(a, 200, "{\"secrets\":{}}", 3);
	/* Rotation jobs. */
	expect_server(a, 200, JOB(",\"status\":\"exploded\""), 4);
	expect_server(a, 200, JOB(""), 4);
	expect_server(a, 200, JOB(",\"status\":\"running\",\"error\":5"), 4);
	expect_server(a, 200,
		      "{\"id\":\"job-1\",\"status\":\"running\",\"total_"
		      "secrets\":3,\"processed\":1,\"created_at\":\"x\"}",
		      4);
	expect_server(a, 200,
		      "{\"id\":\"job-1\",\"vault_id\":\"" V1
		      "\",\"status\":\"running\",\"total_secrets\":\"3\","
		      "\"processed\":1,\"created_at\":\"x\"}",
		      4);
	oc_api_free(a);
}

static void vault_from(struct oc_api *a, const char *body, struct oc_vault *v)
{
	FSET(F.force_status = 200);
	FSET(F.force_body = body);
	if (oc_api_vault_get(a, V1, v) != OC_OK)
		fail_msg("vault %s: refused", body);
}

static void secret_from(struct oc_api *a, const char *body, struct oc_secret *s)
{
	FSET(F.force_status = 200);
	FSET(F.force_body = body);
	memset(s, 0, sizeof(*s));
	if (oc_api_secret_get(a, V1, "p", s) != OC_OK)
		fail_msg("secret %s: refused", body);
}

/* Everything else the service may send is taken as it comes: unknown
 * members, nulls, mistyped optional members (left empty), long text
 * (clipped on a character boundary), upper-case fingerprints; a list
 * entry without a usable id or path is skipped, not fatal. */
static void test_liberal(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v, *vl = NULL;
	struct oc_secret s;
	struct oc_secret_meta *ml = NULL;
	char *big = malloc(8192);
	size_t n = 0;

	assert_non_null(big);
	vault_from(a, "{\"id\":\"v\"}", &v);
	assert_string_equal(v.name, "");
	assert_false(v.cmek_enabled);
	vault_from(a,
		   "{\"id\":\"v\",\"name\":\"n\",\"description\":\"a\\nb\\tc\","
		   "\"cmek_enabled\":false,\"cmek_fingerprint\":null,"
		   "\"unknown\":{\"x\":[1,{\"y\":null}]},\"created_by\":null}",
		   &v);
	assert_string_equal(v.description, "a\nb\tc");
	assert_false(v.cmek_enabled);
	/* CMEK fails closed: whatever is not a plain false is on, and a key
	 * this client cannot read forbids writes. */
	vault_from(a, "{\"id\":\"v\",\"cmek_enabled\":\"yes\"}", &v);
	assert_true(v.cmek_enabled);
	assert_false(v.cmek_key_unknown);
	vault_from(a, "{\"id\":\"v\",\"cmek_enabled\":1}", &v);
	assert_true(v.cmek_enabled);
	vault_from(a,
		   "{\"id\":\"v\",\"cmek_enabled\":false,\"cmek_fingerprint\":"
		   "\"sha256:abc\"}",
		   &v);
	assert_true(v.cmek_enabled);
	assert_true(v.cmek_key_unknown);
	assert_string_equal(v.cmek_fingerprint, "");
	vault_from(a, "{\"id\":\"v\",\"cmek_fingerprint\":\"\"}", &v);
	assert_false(v.cmek_enabled);
	assert_false(v.cmek_key_unknown);
	vault_from(a,
		   "{\"id\":\"v\",\"name\":\"n\",\"cmek_fingerprint\":\""
		   "630DCD2966C4336691125448BBB25B4FF412A49C732DB2C8ABC1B8581B"
		   "D710DD\",\"description\":5}",
		   &v);
	/* A key named and no word on CMEK: taken as on. */
	assert_true(v.cmek_enabled);
	assert_string_equal(v.cmek_fingerprint,
			    "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8ab"
			    "c1b8581bd710dd");
	assert_string_equal(v.description, "");
	/* 2,000 "é": clipped to the field on a character boundary. */
	size_t off = (size_t)snprintf(big, 8192, "{\"id\":\"v\",\"name\":\"");
	for (int i = 0; i < 2000; i++)
		off += (size_t)snprintf(big + off, 8192 - off, "\xc3\xa9");
	snprintf(big + off, 8192 - off, "\"}");
	vault_from(a, big, &v);
	assert_int_equal(strlen(v.name), OC_WIRE_NAME_MAX);

	/* Lists: entries without a usable id are skipped. */
	FSET(F.force_status = 200);
	FSET(F.force_body = "{\"extra\":[1,2],\"vaults\":[" VAULT_JSON(
		 V1, "ok") ",{\"id\":1},{\"name\":\"x\"},7,null,"
			   "{\"id\":null}," VAULT_JSON(
			       V2, "b") "],\"more\":{\"vaults\":5}}");
	assert_int_equal(oc_api_vault_list(a, &vl, &n), OC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(vl[1].id, V2);
	free(vl);

	/* Secrets. */
	secret_from(
	    a,
	    SEC(",\"value\":\"v\",\"metadata\":\"x\",\"cmek_encrypted\":1,"
		"\"is_disabled\":\"no\",\"expires_at\":12,\"x\":[]"),
	    &s);
	assert_string_equal(s.meta.metadata, "{}");
	assert_false(s.meta.cmek_known);
	assert_string_equal(s.meta.expires_at, "");
	oc_secret_clear(&s);
	secret_from(a,
		    "{\"id\":\"s1\",\"type\":\"a-type-name-that-is-far-too-"
		    "long-to-fit\",\"version\":\"1\",\"value\":\"v\","
		    "\"max_access_count\":3,"
		    "\"created_at\":\"2026-02-18T12:00:00.123456+00:00\"}",
		    &s);
	assert_string_equal(s.meta.path, "p"); /* the path asked for */
	assert_int_equal(s.meta.version, 0);
	assert_int_equal(strlen(s.meta.type), sizeof(s.meta.type) - 1);
	assert_int_equal(s.meta.max_access_count, 3);
	assert_string_equal(s.meta.created_at,
			    "2026-02-18T12:00:00.123456+00:00");
	oc_secret_clear(&s);

	FSET(F.force_body = "{\"secrets\":null}");
	assert_int_equal(oc_api_secret_list(a, V1, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 0);
	oc_secret_meta_list_free(ml, n);
	FSET(F.force_body =
		 "{\"secrets\":[" SEC("") ",7,{\"path\":\"\"},{\"path\":\"a/../"
					  "b\"}," SEC(",\"cmek_fingerprint\":"
						      "true") "]}");
	assert_int_equal(oc_api_secret_list(a, V1, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ml[1].cmek_fingerprint, "");
	oc_secret_meta_list_free(ml, n);
	FSET(F.force_status = 0);
	FSET(F.force_body = NULL);
	free(big);
	oc_api_free(a);
}

static void test_parse_ok(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_secret_meta *ml = NULL;
	struct oc_rotation_job jb;
	struct oc_secret s;
	size_t n = 0;

	static const char list_body[] =
	    "{\"secrets\":[{\"id\":\"s1\",\"path\":\"db/pass\",\"type\":"
	    "\"password\",\"version\":3,\"metadata\":{\"tags\":[\"a\"]},"
	    "\"created_at\":\"2026-02-18T12:00:00Z\",\"expires_at\":"
	    "\"2026-12-31T23:59:59Z\",\"cmek_encrypted\":true,"
	    "\"cmek_fingerprint\":\"" FPR_V1 "\",\"is_disabled\":false,"
	    "\"extra\":{\"ignored\":[1,2,3]}},"
	    "{\"id\":\"s2\",\"path\":\"x\",\"type\":\"generic\",\"version\":1,"
	    "\"created_at\":\"2026-02-18T12:00:00Z\",\"metadata\":null,"
	    "\"expires_at\":null,\"cmek_fingerprint\":null}]}";

	FSET(F.force_status = 200);
	FSET(F.force_body = list_body);
	assert_int_equal(oc_api_secret_list(a, V1, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ml[0].id, "s1");
	assert_string_equal(ml[0].path, "db/pass");
	assert_string_equal(ml[0].type, "password");
	assert_int_equal(ml[0].version, 3);
	assert_string_equal(ml[0].expires_at, "2026-12-31T23:59:59Z");
	assert_string_equal(ml[0].metadata, "{\"tags\":[\"a\"]}");
	assert_true(ml[0].cmek_encrypted);
	assert_true(ml[0].cmek_known);
	assert_string_equal(ml[0].cmek_fingerprint, FPR_V1);
	assert_false(ml[0].is_disabled);
	assert_string_equal(ml[1].metadata, "{}");
	assert_false(ml[1].cmek_known);
	assert_string_equal(ml[1].expires_at, "");
	assert_string_equal(ml[1].cmek_fingerprint, "");
	oc_secret_meta_list_free(ml, n);

	/* An empty list. */
	FSET(F.force_body = "{\"secrets\":[]}");
	assert_int_equal(oc_api_secret_list(a, V1, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 0);
	oc_secret_meta_list_free(ml, n);

	/* Values: plain text, base64-marked binary, CMEK blob. */
	FSET(F.force_body = SEC(",\"value\":\"" TEXT_SECRET "\""));
	memset(&s, 0, sizeof(s));
	assert_int_equal(oc_api_secret_get(a, V1, "p", &s), OC_OK);
	assert_int_equal(s.value_len, strlen(TEXT_SECRET));
	assert_memory_equal(s.value, TEXT_SECRET, s.value_len);
	assert_false(s.meta.cmek_encrypted);
	oc_secret_clear(&s);
	assert_null(s.value);

	FSET(F.force_body =
		 SEC(",\"value\":\"/"
		     "wCAAQ==\",\"metadata\":{\"encoding\":\"base64\"}"));
	assert_int_equal(oc_api_secret_get(a, V1, "p", &s), OC_OK);
	assert_int_equal(s.value_len, 4);
	assert_memory_equal(s.value, "\xff\x00\x80\x01", 4);
	oc_secret_clear(&s);

	FSET(F.force_body =
		 SEC(",\"value\":\"" BLOB_V1_URL "\",\"cmek_encrypted\":true"));
	assert_int_equal(oc_api_secret_get(a, V1, "p", &s), OC_OK);
	{
		uint8_t want[64];
		size_t wl;
		assert_int_equal(oc_hex_decode(BLOB_V1_HEX, strlen(BLOB_V1_HEX),
					       want, sizeof(want), &wl),
				 OC_OK);
		assert_int_equal(s.value_len, wl);
		assert_memory_equal(s.value, want, wl);
	}
	assert_true(s.meta.cmek_encrypted);
	oc_secret_clear(&s);

	/* An empty value. */
	FSET(F.force_body = SEC(",\"value\":\"\""));
	assert_int_equal(oc_api_secret_get(a, V1, "p", &s), OC_OK);
	assert_int_equal(s.value_len, 0);
	assert_non_null(s.value);
	oc_secret_clear(&s);

	/* A job, with a status of each kind. */
	FSET(F.force_body = JOB(",\"status\":\"completed\",\"error\":null"));
	assert_int_equal(oc_api_cmek_job(a, V1, "job-1", &jb), OC_OK);
	assert_string_equal(jb.id, "job-1");
	assert_string_equal(jb.vault_id, V1);
	assert_int_equal(jb.status, OC_JOB_COMPLETED);
	assert_int_equal(jb.total_secrets, 3);
	assert_int_equal(jb.processed, 1);
	assert_string_equal(jb.error, "");
	FSET(F.force_body =
		 JOB(",\"status\":\"failed\",\"error\":\"bad\\tkey\""));
	assert_int_equal(oc_api_cmek_job(a, V1, "job-1", &jb), OC_OK);
	assert_int_equal(jb.status, OC_JOB_FAILED);
	assert_string_equal(jb.error, "bad?key");
	FSET(F.force_body = JOB(",\"status\":\"pending\""));
	assert_int_equal(oc_api_cmek_job(a, V1, "job-1", &jb), OC_OK);
	assert_int_equal(jb.status, OC_JOB_PENDING);
	assert_int_equal(count_prefix(m, "/v1/vaults/" V1 "/cmek-rotate/job-1"),
			 3);
	oc_api_free(a);
}

/* --- tests: writes, encodings, paths, CMEK -------------------------------- */

static void put_body(struct mock *m, struct oc_json **j)
{
	struct mock_req r;

	last_req(m, &r);
	assert_string_equal(r.method, "PUT");
	assert_int_equal(oc_json_parse(r.body, r.body_len, j), OC_OK);
	mock_req_free(&r);
}

static void test_put_encodings(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_secret_put in = {0};
	struct oc_secret_meta meta;
	struct oc_secret s;
	struct oc_json *j;
	const struct oc_json *md;
	static const uint8_t bin[] = {0xff, 0x00, 0x80, 0x01, 'a', 0xc3};
	uint8_t all[256];
	size_t i, n;

	/* Text: as is, type generic by default, no metadata added. */
	in.value = (const uint8_t *)TEXT_SECRET;
	in.value_len = strlen(TEXT_SECRET);
	assert_int_equal(oc_api_secret_put(a, V1, "t", &in, &meta), OC_OK);
	assert_string_equal(meta.id, "sec-1");
	assert_int_equal(meta.version, 1);
	oc_secret_meta_clear(&meta);
	put_body(m, &j);
	assert_string_equal(oc_json_get_string(j, "value", &n), TEXT_SECRET);
	assert_string_equal(oc_json_get_string(j, "type", NULL), "generic");
	assert_null(oc_json_get(j, "metadata"));
	assert_null(oc_json_get(j, "max_access_count"));
	oc_json_free(j);
	memset(&s, 0, sizeof(s));
	assert_int_equal(oc_api_secret_get(a, V1, "t", &s), OC_OK);
	assert_int_equal(s.value_len, strlen(TEXT_SECRET));
	assert_memory_equal(s.value, TEXT_SECRET, s.value_len);
	oc_secret_clear(&s);

	/* Binary: base64 plus "encoding" merged into the caller's metadata,
	 * and back to the same bytes on get. */
	in.value = bin;
	in.value_len = sizeof(bin);
	in.type = "private_key";
	in.metadata = "{\"owner\":\"ops\",\"n\":[1,{\"x\":null}]}";
	in.expires_at = "2026-12-31T23:59:59Z";
	in.max_access_count = 3;
	assert_int_equal(oc_api_secret_put(a, V1, "b", &in, &meta), OC_OK);
	oc_secret_meta_clear(&meta);
	put_body(m, &j);
	assert_string_equal(oc_json_get_string(j, "value", NULL), "/wCAAWHD");
	assert_string_equal(oc_json_get_string(j, "type", NULL), "private_key");
	md = oc_json_get(j, "metadata");
	assert_string_equal(oc_json_get_string(md, "encoding", NULL), "base64");
	assert_string_equal(oc_json_get_string(md, "owner", NULL), "ops");
	assert_int_equal(oc_json_len(oc_json_get(md, "n")), 2);
	assert_string_equal(oc_json_get_string(j, "expires_at", NULL),
			    "2026-12-31T23:59:59Z");
	{
		int64_t mac;
		assert_true(oc_json_get_int(j, "max_access_count", &mac));
		assert_int_equal(mac, 3);
	}
	oc_json_free(j);
	assert_int_equal(oc_api_secret_get(a, V1, "b", &s), OC_OK);
	assert_int_equal(s.value_len, sizeof(bin));
	assert_memory_equal(s.value, bin, sizeof(bin));
	oc_secret_clear(&s);

	/* Every byte value round trips. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	memset(&in, 0, sizeof(in));
	in.value = all;
	in.value_len = sizeof(all);
	assert_int_equal(oc_api_secret_put(a, V1, "all", &in, &meta), OC_OK);
	oc_secret_meta_clear(&meta);
	assert_int_equal(oc_api_secret_get(a, V1, "all", &s), OC_OK);
	assert_int_equal(s.value_len, sizeof(all));
	assert_memory_equal(s.value, all, sizeof(all));
	oc_secret_clear(&s);

	/* Text whose metadata already says base64 goes out as base64, so a
	 * reader decodes it back to the same text. */
	in.value = (const uint8_t *)"plain";
	in.value_len = 5;
	in.metadata = "{\"encoding\":\"base64\"}";
	assert_int_equal(oc_api_secret_put(a, V1, "m", &in, &meta), OC_OK);
	oc_secret_meta_clear(&meta);
	put_body(m, &j);
	assert_string_equal(oc_json_get_string(j, "value", NULL), "cGxhaW4=");
	oc_json_free(j);
	assert_int_equal(oc_api_secret_get(a, V1, "m", &s), OC_OK);
	assert_int_equal(s.value_len, 5);
	assert_memory_equal(s.value, "plain", 5);
	oc_secret_clear(&s);

	/* A CMEK blob: standard base64, and no "encoding" key at all. */
	{
		uint8_t blob[64];
		size_t bl;
		assert_int_equal(oc_hex_decode(BLOB_V1_HEX, strlen(BLOB_V1_HEX),
					       blob, sizeof(blob), &bl),
				 OC_OK);
		in.value = blob;
		in.value_len = bl;
		in.value_is_blob = true;
		in.metadata = "{\"encoding\":\"base64\",\"k\":1}";
		assert_int_equal(oc_api_secret_put(a, V1, "c", &in, &meta),
				 OC_OK);
		oc_secret_meta_clear(&meta);
		put_body(m, &j);
		assert_string_equal(oc_json_get_string(j, "value", NULL),
				    "AQABAgMEBQYHCAkKCyp7+2ighrB++"
				    "Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU=");
		md = oc_json_get(j, "metadata");
		assert_null(oc_json_get(md, "encoding"));
		assert_non_null(oc_json_get(md, "k"));
		oc_json_free(j);
		FSET(F.cmek = true);
		assert_int_equal(oc_api_secret_get(a, V1, "c", &s), OC_OK);
		assert_int_equal(s.value_len, bl);
		assert_memory_equal(s.value, blob, bl);
		oc_secret_clear(&s);
		FSET(F.cmek = false);
	}

	/* Bad input changes nothing and sends nothing. */
	n = (size_t)mock_nreq(m);
	memset(&in, 0, sizeof(in));
	in.value = (const uint8_t *)"x";
	in.value_len = 1;
	in.metadata = "[1]";
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_ARGS);
	in.metadata = "{bad";
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_ARGS);
	in.metadata = NULL;
	in.max_access_count = -1;
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_ARGS);
	in.max_access_count = 0;
	in.type = "";
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_ARGS);
	in.type = NULL;
	in.expires_at = "2026\n";
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_ARGS);
	assert_int_equal((size_t)mock_nreq(m), n);
	oc_api_free(a);
}

static void test_value_cap_on_put(void **state)
{
	struct mock *m = *state;
	struct oc_api *a =
	    mkapi_full(mock_url(m), OC_CRED_USER_KEY, USER_KEY, NULL, 0, 8);
	struct oc_secret_put in = {0};
	struct oc_secret_meta meta;

	in.value = (const uint8_t *)"123456789";
	in.value_len = 9;
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta),
			 OC_ERR_TOO_LARGE);
	in.value_len = 8;
	assert_int_equal(oc_api_secret_put(a, V1, "x", &in, &meta), OC_OK);
	oc_secret_meta_clear(&meta);
	oc_api_free(a);
}

static void test_paths(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_secret_meta *ml = NULL;
	struct oc_secret s;
	struct oc_vault v;
	struct mock_req r;
	size_t n;
	int before;

	FSET(F.force_status = 404);
	FSET(F.force_body = "{\"detail\":\"Secret not found\"}");
	memset(&s, 0, sizeof(s));
	assert_int_equal(oc_api_secret_get(a, V1, "a/b c/\xc3\xa9", &s),
			 OC_ERR_NOT_FOUND);
	last_req(m, &r);
	assert_string_equal(r.target,
			    "/v1/vaults/" V1 "/secrets/a/b%20c/%C3%A9");
	mock_req_free(&r);
	assert_int_equal(oc_api_secret_delete(a, V1, "x%y?z#w"),
			 OC_ERR_NOT_FOUND);
	last_req(m, &r);
	assert_string_equal(r.method, "DELETE");
	assert_string_equal(r.target,
			    "/v1/vaults/" V1 "/secrets/x%25y%3Fz%23w");
	mock_req_free(&r);

	FSET(F.force_status = 200);
	FSET(F.force_body = "{\"secrets\":[]}");
	assert_int_equal(oc_api_secret_list(a, V1, "team a/&x", &ml, &n),
			 OC_OK);
	oc_secret_meta_list_free(ml, n);
	last_req(m, &r);
	assert_string_equal(r.target,
			    "/v1/vaults/" V1 "/secrets?prefix=team%20a/%26x");
	mock_req_free(&r);

	/* Refused before any request. */
	before = mock_nreq(m);
	assert_int_equal(oc_api_secret_get(a, V1, "a/../b", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, V1, "..", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, V1, "a/./b", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, V1, "", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, V1, "a\nb", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, V1, NULL, &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_secret_get(a, "v/../x", "a", &s), OC_ERR_ARGS);
	assert_int_equal(oc_api_vault_get(a, "", &v), OC_ERR_ARGS);
	assert_int_equal(oc_api_vault_get(a, "a b", &v), OC_ERR_ARGS);
	/* Next to the id alphabet's ranges, and past ASCII. */
	for (const char *bad = "/@[`{\x7f\x80\xc3\xff!,;="; *bad; bad++) {
		char id[] = {'v', *bad, '1', '\0'};

		assert_int_equal(oc_api_vault_get(a, id, &v), OC_ERR_ARGS);
	}
	assert_int_equal(oc_api_cmek_job(a, V1, "j/1", NULL), OC_ERR_ARGS);
	assert_int_equal(mock_nreq(m), before);
	oc_api_free(a);
}

static void test_vault_calls(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	struct mock_req r;
	struct oc_json *j;

	FSET(F.force_status = 201);
	FSET(F.force_body = VAULT_JSON(V1, "new \\\"one\\\""));
	assert_int_equal(oc_api_vault_create(a, "new \"one\"", "d", &v), OC_OK);
	assert_string_equal(v.name, "new \"one\"");
	last_req(m, &r);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v1/vaults");
	assert_int_equal(oc_json_parse(r.body, r.body_len, &j), OC_OK);
	assert_string_equal(oc_json_get_string(j, "name", NULL), "new \"one\"");
	assert_string_equal(oc_json_get_string(j, "description", NULL), "d");
	oc_json_free(j);
	mock_req_free(&r);
	FSET(F.force_status = 409);
	FSET(F.force_body = "{\"detail\":\"Vault name exists\"}");
	assert_int_equal(oc_api_vault_create(a, "dup", NULL, &v),
			 OC_ERR_CONFLICT);
	assert_int_equal(oc_api_vault_create(a, "", NULL, &v), OC_ERR_ARGS);

	FSET(F.force_status = 204);
	FSET(F.force_body = NULL);
	assert_int_equal(oc_api_vault_delete(a, V1), OC_OK);
	last_req(m, &r);
	assert_string_equal(r.method, "DELETE");
	assert_string_equal(r.target, "/v1/vaults/" V1);
	mock_req_free(&r);

	/* CMEK enable / disable. */
	FSET(F.force_status = 200);
	FSET(F.force_body =
		 "{\"id\":\"" V1 "\",\"name\":\"n\",\"created_at\":\"x\","
		 "\"cmek_enabled\":true,\"cmek_fingerprint\":\"" FPR_V1 "\"}");
	assert_int_equal(oc_api_cmek_enable(a, V1, FPR_V1, &v), OC_OK);
	assert_true(v.cmek_enabled);
	assert_string_equal(v.cmek_fingerprint, FPR_V1);
	last_req(m, &r);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v1/vaults/" V1 "/cmek");
	assert_int_equal(oc_json_parse(r.body, r.body_len, &j), OC_OK);
	assert_string_equal(oc_json_get_string(j, "fingerprint", NULL), FPR_V1);
	oc_json_free(j);
	mock_req_free(&r);
	assert_int_equal(oc_api_cmek_enable(a, V1, "abc", &v), OC_ERR_ARGS);
	assert_int_equal(oc_api_cmek_enable(a, V1,
					    "630DCD2966C4336691125448BBB25B4F"
					    "F412A49C732DB2C8ABC1B8581BD710DD",
					    &v),
			 OC_ERR_ARGS);
	FSET(F.force_body = VAULT_JSON(V1, "n"));
	assert_int_equal(oc_api_cmek_disable(a, V1, &v), OC_OK);
	assert_false(v.cmek_enabled);
	last_req(m, &r);
	assert_string_equal(r.method, "DELETE");
	assert_string_equal(r.target, "/v1/vaults/" V1 "/cmek");
	mock_req_free(&r);
	oc_api_free(a);
}

static void test_rotate(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_rotation_job jb;
	struct mock_req r;
	struct oc_json *j;
	uint8_t k1[32], k3[32];
	char h[128];
	int i;

	for (i = 0; i < 32; i++) {
		k1[i] = (uint8_t)i;
		k3[i] = 0xff;
	}
	FSET(F.force_status = 202);
	FSET(F.force_headers =
		 "Location: /v1/vaults/" V1 "/cmek-rotate/job-1\r\n");
	FSET(F.force_body = JOB(
		 ",\"status\":\"pending\",\"old_fingerprint\":\"" FPR_V1 "\""));
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb), OC_OK);
	assert_string_equal(jb.id, "job-1");
	assert_int_equal(jb.status, OC_JOB_PENDING);
	assert_string_equal(jb.location, "/v1/vaults/" V1 "/cmek-rotate/job-1");
	last_req(m, &r);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v1/vaults/" V1 "/cmek-rotate");
	assert_true(mock_req_header(&r, "x-cmek-old-key", h, sizeof(h)));
	assert_string_equal(h, KEY_V1_B64);
	assert_true(mock_req_header(&r, "x-cmek-new-key", h, sizeof(h)));
	assert_string_equal(h, KEY_V3_B64);
	assert_int_equal(oc_json_parse(r.body, r.body_len, &j), OC_OK);
	assert_string_equal(oc_json_get_string(j, "new_fingerprint", NULL),
			    FPR_V3);
	oc_json_free(j);
	mock_req_free(&r);

	/* Anything but 202 is not the rotation this client asked for. */
	FSET(F.force_status = 200);
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb), OC_ERR_SERVER);
	FSET(F.force_status = 400);
	FSET(F.force_body = "{\"detail\":\"old key does not match\"}");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_BAD_REQUEST);
	assert_string_equal(oc_api_last_error(a), "old key does not match");
	/* Not retried on 5xx (a POST). */
	mock_reset_counts(m);
	FSET(F.force_status = 500);
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb), OC_ERR_SERVER);
	assert_int_equal(mock_nreq(m), 1);
	oc_api_free(a);
}

/* A 409 names the job already running, as far as the answer does: a
 * "job_id" (then "id") member of the problem, else a Location; the job's
 * optional fingerprints are read when a job answer has them. */
static void test_rotate_conflict(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_rotation_job jb;
	uint8_t k1[32], k3[32];

	memset(k1, 1, sizeof(k1));
	memset(k3, 3, sizeof(k3));
	FSET(F.force_status = 409);
	FSET(F.force_body = "{\"detail\":\"busy\",\"job_id\":\"job-7\","
			    "\"id\":\"other\"}");
	memset(&jb, 0x5a, sizeof(jb));
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "job-7");
	assert_string_equal(jb.location, "");
	assert_int_equal(jb.processed, 0);
	assert_string_equal(oc_api_last_error(a), "busy");
	FSET(F.force_body = "{\"title\":\"Conflict\",\"id\":\"job-8\"}");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "job-8");
	/* An id that is not one is not used; the Location then names it. */
	FSET(F.force_body = "{\"job_id\":\"a b\"}");
	FSET(F.force_headers =
		 "Location: /v1/vaults/" V1 "/cmek-rotate/job-9\r\n");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "job-9");
	assert_string_equal(jb.location, "/v1/vaults/" V1 "/cmek-rotate/job-9");
	FSET(F.force_body = "not json");
	FSET(F.force_headers = "Location: https://h/v1/vaults/" V1
			       "/cmek-rotate/job-10?x=1\r\n");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "job-10");
	/* Nothing said: no id. */
	FSET(F.force_body = "{\"detail\":\"A CMEK rotation job is already "
			    "running for this vault\"}");
	FSET(F.force_headers = "Location: /v1/vaults/" V1 "/other/x\r\n");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "");
	FSET(F.force_headers = NULL);
	FSET(F.force_body = "");
	assert_int_equal(oc_api_cmek_rotate(a, V1, k1, k3, &jb),
			 OC_ERR_CONFLICT);
	assert_string_equal(jb.id, "");
	assert_string_equal(jb.location, "");

	/* The job's fingerprints, when a job answer carries them. */
	FSET(F.force_status = 200);
	FSET(F.force_body = JOB(",\"status\":\"running\",\"old_fingerprint\":"
				"\"" FPR_V1 "\",\"new_fingerprint\":\"nope\""));
	assert_int_equal(oc_api_cmek_job(a, V1, "job-1", &jb), OC_OK);
	assert_string_equal(jb.old_fingerprint, FPR_V1);
	assert_string_equal(jb.new_fingerprint, "");
	oc_api_free(a);
}

/* --- tests: threads, fork ------------------------------------------------ */

struct thr {
	struct oc_api *a;
	int ok;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct oc_vault v;
	int i;

	for (i = 0; i < 40; i++)
		if (oc_api_vault_get(t->a, V1, &v) == OC_OK &&
		    strcmp(v.id, V1) == 0)
			t->ok++;
	return NULL;
}

static void run_threads(struct oc_api *a, int n)
{
	pthread_t tid[8];
	struct thr t[8];
	int i;

	for (i = 0; i < n; i++) {
		t[i].a = a;
		t[i].ok = 0;
		assert_int_equal(
		    pthread_create(&tid[i], NULL, thread_main, &t[i]), 0);
	}
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	/* Every thread joined before any assertion can jump out. */
	for (i = 0; i < n; i++)
		assert_int_equal(t[i].ok, 40);
}

static void test_threads(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);

	/* All threads start without a token: one exchange serves them. */
	run_threads(a, 8);
	assert_int_equal(exchanges(m), 1);
	assert_int_equal(mock_nreq(m), 1 + 8 * 40);
	oc_api_free(a);

	/* Tokens expiring during the run, and revoked ones. */
	mock_reset_counts(m);
	FSET(F.expires_in = 1);
	a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	FSET(F.reject_n = 1);
	run_threads(a, 4);
	assert_true(exchanges(m) >= 2);
	oc_api_free(a);
}

struct last_thr {
	struct oc_api *a;
	const char *vault_id;
	pthread_barrier_t *sync;
	bool first;
	int rc;
	long status;
	char error[64];
};

static void *last_error_main(void *arg)
{
	struct last_thr *t = arg;
	struct oc_vault v;

	if (!t->first)
		pthread_barrier_wait(t->sync); /* after the first failure */
	t->rc = oc_api_vault_get(t->a, t->vault_id, &v);
	if (t->first)
		pthread_barrier_wait(t->sync);
	pthread_barrier_wait(t->sync); /* both failed: now read */
	t->status = oc_api_last_status(t->a);
	snprintf(t->error, sizeof(t->error), "%s", oc_api_last_error(t->a));
	return NULL;
}

/* Two threads failing differently on one client each read their own
 * failure, though the second one lands between the first and its read;
 * and a thread keeps one record per client. */
static void test_last_error_per_thread(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY), *b;
	struct last_thr t[2] = {
	    {.a = a, .vault_id = V_GONE, .first = true},
	    {.a = a, .vault_id = "no-such-vault"},
	};
	pthread_barrier_t sync;
	pthread_t tid[2];
	struct oc_vault v;
	int i;

	assert_int_equal(pthread_barrier_init(&sync, NULL, 2), 0);
	for (i = 0; i < 2; i++) {
		t[i].sync = &sync;
		assert_int_equal(
		    pthread_create(&tid[i], NULL, last_error_main, &t[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&sync);
	assert_int_equal(t[0].rc, OC_ERR_GONE);
	assert_int_equal(t[0].status, 410);
	assert_string_equal(t[0].error, "vault deleted");
	assert_int_equal(t[1].rc, OC_ERR_NOT_FOUND);
	assert_int_equal(t[1].status, 404);
	assert_string_equal(t[1].error, "no route");
	/* This thread has made no call yet. */
	assert_int_equal(oc_api_last_status(a), 0);
	assert_string_equal(oc_api_last_error(a), "");

	b = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	assert_int_equal(oc_api_vault_get(a, V_GONE, &v), OC_ERR_GONE);
	assert_int_equal(oc_api_vault_get(b, "no-such-vault", &v),
			 OC_ERR_NOT_FOUND);
	assert_int_equal(oc_api_last_status(a), 410);
	assert_string_equal(oc_api_last_error(a), "vault deleted");
	assert_int_equal(oc_api_last_status(b), 404);
	assert_string_equal(oc_api_last_error(b), "no route");
	oc_api_free(b);
	oc_api_free(a);
}

static void test_fork_abandon(void **state)
{
	struct mock *m = *state;
	struct oc_api *a = mkapi(m, OC_CRED_USER_KEY, USER_KEY);
	struct oc_vault v;
	int status;
	pid_t pid;

	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		oc_api_abandon(a);
		/* exec rather than exit: a leak checker would otherwise count
		 * the handles leaked on purpose and the mock server's state,
		 * whose threads do not exist in the child. */
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The child sent nothing; the parent goes on. */
	assert_int_equal(mock_nreq(m), 2);
	assert_int_equal(oc_api_vault_get(a, V1, &v), OC_OK);
	assert_int_equal(mock_nconn(m), 1);
	oc_api_free(a);
}

static void test_new_refuses(void **state)
{
	struct oc_conf c;
	struct oc_api *a = NULL;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.api_url = (char *)"http://example.com";
	assert_int_not_equal(oc_api_new(&c, &a), OC_OK);
	assert_null(a);
	c.api_url = (char *)"http://127.0.0.1:1";
	c.cred_kind = OC_CRED_USER_KEY;
	c.credential = NULL;
	assert_int_equal(oc_api_new(&c, &a), OC_ERR_CONFIG);
	c.credential = (char *)"1ck_with space";
	assert_int_equal(oc_api_new(&c, &a), OC_ERR_CONFIG);
	c.credential = (char *)USER_KEY;
	c.agent_id = (char *)"bad/id";
	assert_int_equal(oc_api_new(&c, &a), OC_ERR_CONFIG);
	assert_null(a);
}

/* --- the debug log ----------------------------------------------------------
 */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

/* Runs last: every test above logged at full debug into log_path. */
static void test_log_has_no_secrets(void **state)
{
	static const char *const secrets[] = {
	    USER_KEY,
	    AGENT_KEY,
	    TOKEN_PREFIX,
	    STATIC_TOKEN,
	    "c2VjcmV0LXNpZw",
	    TEXT_SECRET,
	    "text-SECRET",
	    KEY_V1_B64,
	    KEY_V3_B64,
	    "/wCAAWHD",
	    BLOB_V1_URL,
	    "AQABAgMEBQYHCAkKCyp7+2ighrB++Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU",
	};
	char *log;
	size_t i;

	(void)state;
	log = slurp(log_path);
	assert_non_null(log);
	/* The log is not empty: requests and redactions are there. */
	assert_non_null(strstr(log, "/v1/auth/api-key-token"));
	assert_non_null(strstr(log, "Authorization: <redacted>"));
	assert_non_null(strstr(log, "x-cmek-new-key: <redacted>"));
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(log, secrets[i]))
			fail_msg("secret #%zu found in the debug log", i);
	free(log);
}

/* --- against a real oneclaw-vaultd (OC_TEST_URL, OC_TEST_ADMIN_KEY) ------- */

static const char *live_url, *live_key, *live_ca;

static struct oc_api *mklive(const char *key, enum oc_cred_kind kind,
			     const char *ca)
{
	struct oc_conf c;
	struct oc_api *a = NULL;

	memset(&c, 0, sizeof(c));
	c.api_url = (char *)live_url;
	c.ca_file = (char *)ca;
	c.cred_kind = kind;
	c.credential = (char *)key;
	c.connect_timeout_s = 5;
	c.timeout_s = 20;
	c.retries = 2;
	assert_int_equal(oc_api_new(&c, &a), OC_OK);
	return a;
}

static void test_live(void **state)
{
	struct oc_api *a, *bad;
	struct oc_vault v, v2, *vl = NULL;
	struct oc_secret_put in = {0};
	struct oc_secret_meta meta, *ml = NULL;
	struct oc_secret s;
	struct oc_rotation_job jb;
	struct oc_http_stats st;
	static const uint8_t bin[] = {0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a};
	uint8_t k1[32], k3[32], blob[64];
	char name[64];
	size_t n = 0, i, bl;
	int tries;

	(void)state;
	if (!live_url || !live_key)
		skip();
	a = mklive(live_key, OC_CRED_USER_KEY, live_ca);
	snprintf(name, sizeof(name), "api-live-%ld", (long)getpid());
	assert_int_equal(oc_api_vault_create(a, name, "api client test", &v),
			 OC_OK);
	assert_string_equal(v.name, name);
	assert_int_equal(oc_api_vault_get(a, v.id, &v2), OC_OK);
	assert_string_equal(v2.id, v.id);
	assert_int_equal(oc_api_vault_list(a, &vl, &n), OC_OK);
	for (i = 0; i < n; i++)
		if (strcmp(vl[i].id, v.id) == 0)
			break;
	assert_true(i < n);
	free(vl);

	/* Text, binary, empty; a path with a slash, a space and é. */
	in.value = (const uint8_t *)TEXT_SECRET;
	in.value_len = strlen(TEXT_SECRET);
	in.type = "password";
	assert_int_equal(
	    oc_api_secret_put(a, v.id, "dir/sub dir/\xc3\xa9", &in, &meta),
	    OC_OK);
	assert_int_equal(meta.version, 1);
	assert_string_equal(meta.path, "dir/sub dir/\xc3\xa9");
	oc_secret_meta_clear(&meta);
	assert_int_equal(
	    oc_api_secret_put(a, v.id, "dir/sub dir/\xc3\xa9", &in, &meta),
	    OC_OK);
	assert_int_equal(meta.version, 2);
	oc_secret_meta_clear(&meta);
	memset(&s, 0, sizeof(s));
	assert_int_equal(oc_api_secret_get(a, v.id, "dir/sub dir/\xc3\xa9", &s),
			 OC_OK);
	assert_int_equal(s.value_len, strlen(TEXT_SECRET));
	assert_memory_equal(s.value, TEXT_SECRET, s.value_len);
	assert_string_equal(s.meta.type, "password");
	assert_int_equal(s.meta.version, 2);
	oc_secret_clear(&s);

	memset(&in, 0, sizeof(in));
	in.value = bin;
	in.value_len = sizeof(bin);
	in.metadata = "{\"owner\":\"ops\"}";
	assert_int_equal(oc_api_secret_put(a, v.id, "bin", &in, &meta), OC_OK);
	oc_secret_meta_clear(&meta);
	assert_int_equal(oc_api_secret_get(a, v.id, "bin", &s), OC_OK);
	assert_int_equal(s.value_len, sizeof(bin));
	assert_memory_equal(s.value, bin, sizeof(bin));
	assert_non_null(strstr(s.meta.metadata, "\"owner\""));
	oc_secret_clear(&s);

	in.value = NULL;
	in.value_len = 0;
	in.metadata = NULL;
	assert_int_equal(oc_api_secret_put(a, v.id, "empty", &in, &meta),
			 OC_OK);
	oc_secret_meta_clear(&meta);
	assert_int_equal(oc_api_secret_get(a, v.id, "empty", &s), OC_OK);
	assert_int_equal(s.value_len, 0);
	oc_secret_clear(&s);

	assert_int_equal(oc_api_secret_list(a, v.id, NULL, &ml, &n), OC_OK);
	assert_int_equal(n, 3);
	oc_secret_meta_list_free(ml, n);
	assert_int_equal(oc_api_secret_list(a, v.id, "dir/", &ml, &n), OC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ml[0].path, "dir/sub dir/\xc3\xa9");
	oc_secret_meta_list_free(ml, n);

	assert_int_equal(oc_api_secret_delete(a, v.id, "empty"), OC_OK);
	{
		int rc = oc_api_secret_get(a, v.id, "empty", &s);
		assert_true(rc == OC_ERR_GONE || rc == OC_ERR_NOT_FOUND);
	}
	assert_int_equal(oc_api_secret_get(a, v.id, "nope", &s),
			 OC_ERR_NOT_FOUND);
	assert_int_not_equal(oc_api_last_error(a)[0], '\0');

	/* CMEK: enable with V1's fingerprint, store the V1 blob, rotate to
	 * V3 on the server, and follow the job. */
	for (i = 0; i < 32; i++) {
		k1[i] = (uint8_t)i;
		k3[i] = 0xff;
	}
	assert_int_equal(oc_api_cmek_enable(a, v.id, FPR_V1, &v2), OC_OK);
	assert_true(v2.cmek_enabled);
	assert_string_equal(v2.cmek_fingerprint, FPR_V1);
	assert_int_equal(oc_hex_decode(BLOB_V1_HEX, strlen(BLOB_V1_HEX), blob,
				       sizeof(blob), &bl),
			 OC_OK);
	memset(&in, 0, sizeof(in));
	in.value = blob;
	in.value_len = bl;
	in.value_is_blob = true;
	assert_int_equal(oc_api_secret_put(a, v.id, "sealed", &in, &meta),
			 OC_OK);
	oc_secret_meta_clear(&meta);
	assert_int_equal(oc_api_secret_get(a, v.id, "sealed", &s), OC_OK);
	assert_true(s.meta.cmek_encrypted);
	assert_int_equal(s.value_len, bl);
	assert_memory_equal(s.value, blob, bl);
	oc_secret_clear(&s);

	assert_int_equal(oc_api_cmek_rotate(a, v.id, k3, k1, &jb),
			 OC_ERR_BAD_REQUEST); /* wrong old key */
	assert_int_equal(oc_api_cmek_rotate(a, v.id, k1, k3, &jb), OC_OK);
	assert_string_equal(jb.vault_id, v.id);
	for (tries = 0; tries < 200 && jb.status != OC_JOB_COMPLETED &&
			jb.status != OC_JOB_FAILED;
	     tries++) {
		sleep_ms(50);
		assert_int_equal(oc_api_cmek_job(a, v.id, jb.id, &jb), OC_OK);
	}
	assert_int_equal(jb.status, OC_JOB_COMPLETED);
	assert_int_equal(oc_api_vault_get(a, v.id, &v2), OC_OK);
	assert_string_equal(v2.cmek_fingerprint, FPR_V3);
	assert_int_equal(oc_api_secret_get(a, v.id, "sealed", &s), OC_OK);
	assert_true(s.meta.cmek_encrypted);
	assert_int_equal(s.value_len, bl);
	assert_memory_not_equal(s.value, blob, bl); /* sealed anew */
	oc_secret_clear(&s);
	assert_int_equal(oc_api_cmek_disable(a, v.id, &v2), OC_OK);
	assert_false(v2.cmek_enabled);

	/* Keep-alive: every call above on one connection. */
	oc_api_stats(a, &st);
	assert_int_equal(st.connections, 1);
	assert_true(st.requests >= 20);

	assert_int_equal(oc_api_vault_delete(a, v.id), OC_OK);
	assert_int_equal(oc_api_vault_get(a, v.id, &v2), OC_ERR_NOT_FOUND);
	oc_api_free(a);

	/* A wrong key is an auth failure, not a device error. */
	bad = mklive("1ck_not-a-real-key", OC_CRED_USER_KEY, live_ca);
	assert_int_equal(oc_api_vault_list(bad, &vl, &n), OC_ERR_UNAUTHORIZED);
	oc_api_free(bad);
	/* The admin key used as a raw token would also do, but as a user key
	 * it is exchanged first. */
	bad = mklive(live_key, OC_CRED_USER_KEY, live_ca);
	assert_int_equal(oc_api_vault_list(bad, &vl, &n), OC_OK);
	free(vl);
	oc_api_free(bad);
	/* PIN mode with the admin key. */
	bad = mklive(NULL, OC_CRED_NONE, live_ca);
	assert_int_equal(oc_api_login(bad, "1ck_nope", 8), OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_api_login(bad, live_key, strlen(live_key)), OC_OK);
	assert_int_equal(oc_api_vault_list(bad, &vl, &n), OC_OK);
	free(vl);
	oc_api_free(bad);

	/* Over TLS: without the test CA the server is not trusted. */
	if (live_ca) {
		bad = mklive(live_key, OC_CRED_USER_KEY, NULL);
		assert_int_equal(oc_api_vault_list(bad, &vl, &n), OC_ERR_NET);
		oc_api_free(bad);
	}
}

/* --- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	int fd;

	(void)state;
	snprintf(log_path, sizeof(log_path), "%s/oc-api-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(log_path);
	if (fd < 0)
		return -1;
	close(fd);
	return oc_log_configure("all", log_path) == OC_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	oc_log_shutdown();
	if (!getenv("OC_KEEP"))
		unlink(log_path);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_user_key_exchange),
	    T(test_agent_key_exchange),
	    T(test_static_token),
	    T(test_401_reexchange_once),
	    T(test_token_cache),
	    T(test_402),
	    T(test_403_stale_token),
	    T(test_put_answer_lost),
	    T(test_big_list),
	    T(test_list_each),
	    T(test_runtime_id),
	    T(test_dpop_requests),
	    T(test_dpop_signer_fails),
	    T(test_bad_key),
	    T(test_refresh_before_expiry),
	    T(test_pin_mode),
	    T(test_status_mapping),
	    T(test_problem_detail),
	    cmocka_unit_test(test_net_error),
	    T(test_retry_429_via_api),
	    T(test_validation),
	    T(test_liberal),
	    T(test_parse_ok),
	    T(test_put_encodings),
	    T(test_value_cap_on_put),
	    T(test_paths),
	    T(test_vault_calls),
	    T(test_rotate),
	    T(test_rotate_conflict),
	    T(test_threads),
	    T(test_last_error_per_thread),
	    T(test_fork_abandon),
	    cmocka_unit_test(test_new_refuses),
	    cmocka_unit_test(test_log_has_no_secrets),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test(test_live),
	};
	int rc;

	rc = cmocka_run_group_tests_name("api", tests, group_setup,
					 group_teardown);
	live_url = getenv("OC_TEST_URL");
	live_key = getenv("OC_TEST_ADMIN_KEY");
	live_ca = getenv("OC_TEST_CA");
	if (live_url && live_key) {
		/* Back to the suite's debug log, which is checked for secrets.
		 */
		oc_log_configure(getenv("ONECLAW_PKCS11_DEBUG")
				     ? getenv("ONECLAW_PKCS11_DEBUG")
				     : "all",
				 getenv("ONECLAW_PKCS11_DEBUG_FILE"));
		rc |= cmocka_run_group_tests_name("api-live", live, NULL, NULL);
	}
	return rc;
}
