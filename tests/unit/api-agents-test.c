/* api-agents-test.c - src/api-agents.c against canned answers (net-mock):
 * the requests are exactly the API's (method, path, every member and its
 * type, nothing more), a request the API would refuse by its shape is not
 * sent, and answers are read liberally (odd members, nulls, entries with
 * no usable id, a key-only rotate-key, a 204 to a PATCH) but an answer
 * without a usable key or agent is an error. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api-agents.h"
#include "api.h"
#include "conf.h"
#include "err.h"
#include "net-mock.h"
#include "secmem.h"

#define TOKEN "eyJzdGF0aWMiOjF9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZw"
#define V1    "11111111-2222-3333-4444-555555555555"
#define A1    "aaaaaaaa-2222-3333-4444-555555555555"
#define P1    "pppppppp-2222-3333-4444-555555555555"
#define KEY   "ocv_unit-agent-key-0123456789"

struct fx {
	struct mock *m;
	struct oc_api *a;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct oc_conf c;

	assert_non_null(f);
	f->m = mock_start(NULL, NULL);
	assert_non_null(f->m);
	memset(&c, 0, sizeof(c));
	c.api_url = (char *)mock_url(f->m);
	c.cred_kind = OC_CRED_TOKEN;
	c.credential = (char *)TOKEN;
	c.connect_timeout_s = 5;
	c.timeout_s = 10;
	assert_int_equal(oc_api_new(&c, &f->a), OC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	oc_api_free(f->a);
	mock_stop(f->m);
	free(f);
	return 0;
}

/* Request i is METHOD TARGET with exactly BODY (NULL: none). */
static void sent(struct fx *f, int i, const char *method, const char *target,
		 const char *body)
{
	struct mock_req r;

	assert_true(mock_req_get(f->m, i, &r));
	assert_string_equal(r.method, method);
	assert_string_equal(r.target, target);
	if (body)
		assert_string_equal(r.body, body);
	else
		assert_int_equal(r.body_len, 0);
	mock_req_free(&r);
}

static void test_create(void **state)
{
	struct fx *f = *state;
	static const char *const vids[] = {V1};
	static const char *const scopes[] = {"db/*", "app/**"};
	struct oc_agent_new in = {.name = "reader",
				  .description = "reads db",
				  .vault_ids = vids,
				  .n_vault_ids = 1,
				  .scopes = scopes,
				  .n_scopes = 2,
				  .token_ttl_seconds = 600,
				  .expires_at = "2099-01-01T00:00:00Z"};
	struct oc_agent ag;
	char *key = NULL;

	mock_push(f->m, 201, NULL,
		  "{\"agent\":{\"id\":\"" A1 "\",\"name\":\"reader\","
		  "\"is_active\":true,\"auth_method\":\"api_key\","
		  "\"scopes\":[\"db/*\",7,null,\"app/**\"],"
		  "\"vault_ids\":[\"" V1 "\",\"bad id\"],"
		  "\"token_ttl_seconds\":600,\"expires_at\":null,"
		  "\"future\":{\"x\":[1,2]}},\"api_key\":\"" KEY "\"}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_create(f->a, &in, &ag, &key), OC_OK);
	sent(f, 0, "POST", "/v1/agents",
	     "{\"name\":\"reader\",\"description\":\"reads db\","
	     "\"vault_ids\":[\"" V1 "\"],\"scopes\":[\"db/*\",\"app/**\"],"
	     "\"token_ttl_seconds\":600,"
	     "\"expires_at\":\"2099-01-01T00:00:00Z\"}");
	assert_string_equal(key, KEY);
	assert_string_equal(ag.id, A1);
	assert_true(ag.is_active_known && ag.is_active);
	assert_int_equal(ag.scopes.n, 2);
	assert_string_equal(ag.scopes.v[1], "app/**");
	assert_int_equal(ag.vault_ids.n, 1);
	assert_int_equal(ag.token_ttl_seconds, 600);
	assert_string_equal(ag.expires_at, "");
	oc_secure_free(key);
	oc_agent_clear(&ag);

	/* Only the name when nothing else is given. */
	memset(&in, 0, sizeof(in));
	in.name = "bare";
	mock_push(f->m, 201, NULL,
		  "{\"agent\":{\"id\":\"" A1 "\"},\"api_key\":\"" KEY "\"}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_create(f->a, &in, &ag, &key), OC_OK);
	sent(f, 1, "POST", "/v1/agents", "{\"name\":\"bare\"}");
	assert_false(ag.is_active_known);
	oc_secure_free(key);
	oc_agent_clear(&ag);
}

static void test_create_bad_answers(void **state)
{
	struct fx *f = *state;
	static const char *const answers[] = {
	    "{\"agent\":{\"id\":\"" A1 "\"}}",
	    "{\"agent\":{\"id\":\"" A1 "\"},\"api_key\":null}",
	    "{\"agent\":{\"id\":\"" A1 "\"},\"api_key\":\"\"}",
	    "{\"agent\":{\"id\":\"" A1 "\"},\"api_key\":\"ocv_a b\"}",
	    "{\"agent\":{\"id\":\"" A1 "\"},\"api_key\":42}",
	    "{\"agent\":{\"name\":\"no id\"},\"api_key\":\"" KEY "\"}",
	    "[\"not an object\"]",
	    "",
	};
	struct oc_agent_new in = {.name = "x"};
	struct oc_agent ag;
	char *key = NULL;
	size_t i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		mock_push(f->m, 201, NULL, answers[i], MOCK_NORMAL, 0);
		assert_int_equal(oc_api_agent_create(f->a, &in, &ag, &key),
				 OC_ERR_SERVER);
		assert_null(key);
	}
}

static void test_refused_before_sending(void **state)
{
	struct fx *f = *state;
	static const char *const bad_vid[] = {"not an id"};
	static const char *const bad_glob[] = {"db/\001"};
	static const char *const empty_glob[] = {""};
	struct oc_agent_new in[] = {
	    {.name = ""},
	    {.name = NULL},
	    {.name = "a\nb"},
	    {.name = "x", .vault_ids = bad_vid, .n_vault_ids = 1},
	    {.name = "x", .scopes = bad_glob, .n_scopes = 1},
	    {.name = "x", .scopes = empty_glob, .n_scopes = 1},
	    {.name = "x", .token_ttl_seconds = -1},
	};
	struct oc_policy_new pn[] = {
	    {.pattern = "",
	     .principal_type = "agent",
	     .principal_id = A1,
	     .perms = OC_API_PERM_READ},
	    {.pattern = "x",
	     .principal_type = "group",
	     .principal_id = A1,
	     .perms = OC_API_PERM_READ},
	    {.pattern = "x",
	     .principal_type = "agent",
	     .principal_id = "a/b",
	     .perms = OC_API_PERM_READ},
	    {.pattern = "x", .principal_type = "agent", .principal_id = A1},
	    {.pattern = "x",
	     .principal_type = "agent",
	     .principal_id = A1,
	     .perms = 4},
	    {.pattern = "x",
	     .principal_type = "agent",
	     .principal_id = A1,
	     .perms = OC_API_PERM_READ,
	     .has_priority = true,
	     .priority = OC_API_PRIORITY_MAX + 1},
	};
	struct oc_agent_new big = {.name = "x"};
	static const char *globs[OC_API_AGENT_GLOBS_MAX / 1000 + 1];
	static char glob[1001];
	struct oc_agent ag;
	struct oc_policy p;
	char *key = NULL;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_int_equal(oc_api_agent_create(f->a, &in[i], &ag, &key),
				 OC_ERR_ARGS);
	for (i = 0; i < sizeof(pn) / sizeof(pn[0]); i++)
		assert_int_equal(oc_api_policy_create(f->a, V1, &pn[i], &p),
				 OC_ERR_ARGS);
	/* Globs past their bytes together: a body over its bound. */
	memset(glob, 'g', sizeof(glob) - 1);
	glob[sizeof(glob) - 1] = '\0';
	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		globs[i] = glob;
	big.scopes = globs;
	big.n_scopes = OC_API_AGENT_GLOBS_MAX / (sizeof(glob) - 1) + 1;
	assert_int_equal(oc_api_agent_create(f->a, &big, &ag, &key),
			 OC_ERR_ARGS);
	assert_int_equal(oc_api_agent_get(f->a, "a/../b", &ag), OC_ERR_ARGS);
	assert_int_equal(oc_api_policy_delete(f->a, V1, "x y"), OC_ERR_ARGS);
	assert_int_equal(mock_nreq(f->m), 0);
}

static void test_rotate_and_patch(void **state)
{
	struct fx *f = *state;
	struct oc_agent ag;
	char *key = NULL;

	/* The key alone: the agent is only the id asked for. */
	mock_push(f->m, 200, NULL, "{\"api_key\":\"" KEY "\"}", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_rotate_key(f->a, A1, &ag, &key), OC_OK);
	sent(f, 0, "POST", "/v1/agents/" A1 "/rotate-key", NULL);
	assert_string_equal(key, KEY);
	assert_string_equal(ag.id, A1);
	assert_string_equal(ag.name, "");
	oc_secure_free(key);
	key = NULL;
	oc_agent_clear(&ag);

	/* A 204 to the PATCH, then an agent object. */
	mock_push(f->m, 204, NULL, "", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_set_active(f->a, A1, false, &ag), OC_OK);
	sent(f, 1, "PATCH", "/v1/agents/" A1, "{\"is_active\":false}");
	assert_string_equal(ag.id, A1);
	assert_false(ag.is_active_known);
	oc_agent_clear(&ag);
	mock_push(f->m, 200, NULL,
		  "{\"id\":\"" A1 "\",\"name\":\"r\",\"is_active\":false}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_set_active(f->a, A1, false, &ag), OC_OK);
	assert_true(ag.is_active_known && !ag.is_active);
	assert_string_equal(ag.name, "r");
	oc_agent_clear(&ag);

	mock_push(f->m, 404, NULL, "{\"detail\":\"Agent not found\"}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_rotate_key(f->a, A1, &ag, &key),
			 OC_ERR_NOT_FOUND);
	assert_null(key);
}

static void test_list_and_get(void **state)
{
	struct fx *f = *state;
	struct oc_agent *ags = NULL, ag;
	size_t n = 0;

	mock_push(f->m, 200, NULL,
		  "{\"agents\":[{\"id\":\"" A1 "\",\"name\":\"a\","
		  "\"is_active\":\"yes\",\"token_ttl_seconds\":1.5,"
		  "\"scopes\":\"db/*\",\"vault_ids\":null},"
		  "{\"name\":\"no-id\"},{\"id\":42},{\"id\":\"a b\"},"
		  "{\"id\":\"a2\",\"description\":null}],\"next\":null}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_list(f->a, &ags, &n), OC_OK);
	sent(f, 0, "GET", "/v1/agents", NULL);
	assert_int_equal(n, 2);
	assert_string_equal(ags[0].id, A1);
	assert_false(ags[0].is_active_known);
	assert_int_equal(ags[0].token_ttl_seconds, 0);
	assert_int_equal(ags[0].scopes.n, 0);
	assert_string_equal(ags[1].id, "a2");
	oc_agent_list_free(ags, n);

	mock_push(f->m, 200, NULL, "{\"name\":\"no id\"}", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_get(f->a, A1, &ag), OC_ERR_SERVER);
	mock_push(f->m, 200, NULL, "{\"id\":\"" A1 "\"}", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_get(f->a, A1, &ag), OC_OK);
	sent(f, 2, "GET", "/v1/agents/" A1, NULL);
	oc_agent_clear(&ag);
	mock_push(f->m, 204, NULL, "", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_agent_delete(f->a, A1), OC_OK);
	sent(f, 3, "DELETE", "/v1/agents/" A1, NULL);
}

static void test_policies(void **state)
{
	struct fx *f = *state;
	struct oc_policy_new in = {.pattern = "db/*",
				   .principal_type = "agent",
				   .principal_id = A1,
				   .perms =
				       OC_API_PERM_READ | OC_API_PERM_WRITE,
				   .deny = true,
				   .has_priority = true,
				   .priority = -5,
				   .expires_at = "2099-01-01T00:00:00Z"};
	struct oc_policy p, *ps = NULL;
	size_t n = 0;

	mock_push(f->m, 201, NULL,
		  "{\"id\":\"" P1 "\",\"vault_id\":\"" V1 "\","
		  "\"secret_path_pattern\":\"db/*\",\"principal_type\":"
		  "\"agent\",\"principal_id\":\"" A1 "\",\"permissions\":"
		  "[\"read\",\"write\"],\"effect\":\"deny\",\"priority\":-5,"
		  "\"conditions\":null}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_policy_create(f->a, V1, &in, &p), OC_OK);
	sent(f, 0, "POST", "/v1/vaults/" V1 "/policies",
	     "{\"secret_path_pattern\":\"db/*\",\"principal_type\":\"agent\","
	     "\"principal_id\":\"" A1 "\",\"permissions\":[\"read\","
	     "\"write\"],\"effect\":\"deny\",\"priority\":-5,"
	     "\"expires_at\":\"2099-01-01T00:00:00Z\"}");
	assert_string_equal(p.id, P1);
	assert_int_equal(p.perms, OC_API_PERM_READ | OC_API_PERM_WRITE);
	assert_string_equal(p.effect, "deny");
	assert_true(p.priority_known);
	assert_int_equal(p.priority, -5);

	mock_push(f->m, 200, NULL,
		  "{\"policies\":[{\"id\":\"" P1 "\",\"permissions\":[\"read\","
		  "\"share\",3],\"effect\":null,\"priority\":2.5},"
		  "{\"secret_path_pattern\":\"no-id\"},"
		  "{\"id\":\"p2\",\"permissions\":\"read\"},"
		  "{\"id\":\"p3\",\"permissions\":{\"r\":\"read\","
		  "\"w\":\"write\"}}]}",
		  MOCK_NORMAL, 0);
	assert_int_equal(oc_api_policy_list(f->a, V1, &ps, &n), OC_OK);
	sent(f, 1, "GET", "/v1/vaults/" V1 "/policies", NULL);
	assert_int_equal(n, 3);
	assert_int_equal(ps[0].perms, OC_API_PERM_READ);
	assert_string_equal(ps[0].effect, "allow");
	assert_false(ps[0].priority_known);
	assert_int_equal(ps[1].perms, 0);
	assert_int_equal(ps[2].perms, 0);
	free(ps);

	mock_push(f->m, 200, NULL, "{\"vaults\":[]}", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_policy_list(f->a, V1, &ps, &n), OC_ERR_SERVER);
	mock_push(f->m, 204, NULL, "", MOCK_NORMAL, 0);
	assert_int_equal(oc_api_policy_delete(f->a, V1, P1), OC_OK);
	sent(f, 3, "DELETE", "/v1/vaults/" V1 "/policies/" P1, NULL);
}

static void test_glob_rule(void **state)
{
	(void)state;
	assert_true(oc_api_glob_ok("db/*", 4));
	assert_true(oc_api_glob_ok("\xc3\xa9/**", 5));
	assert_false(oc_api_glob_ok("", 0));
	assert_false(oc_api_glob_ok("a\tb", 3));
	assert_false(oc_api_glob_ok("\xff", 1));
	assert_false(oc_api_glob_ok("a\0b", 3));
}

/* A request that makes a key is sent once: sent again after a 5xx or a
 * lost answer, it would void the key the first one may have made.  The
 * answer queued for a second try is then taken by the next call. */
static void test_key_requests_not_repeated(void **state)
{
	struct fx *f = *state;
	struct oc_agent_new in = {.name = "once"};
	static const int modes[] = {MOCK_NORMAL, MOCK_NOREPLY};
	struct oc_agent ag;
	char *key = NULL;
	size_t i;
	int n = 0;

	for (i = 0; i < 2 * sizeof(modes) / sizeof(modes[0]); i++) {
		mock_push(f->m, 503, NULL, "{\"detail\":\"busy\"}",
			  modes[i / 2], 0);
		mock_push(f->m, 200, NULL,
			  "{\"id\":\"" A1 "\",\"api_key\":\"" KEY "\"}",
			  MOCK_NORMAL, 0);
		assert_int_not_equal(
		    i % 2 ? oc_api_agent_create(f->a, &in, &ag, &key)
			  : oc_api_agent_rotate_key(f->a, A1, &ag, &key),
		    OC_OK);
		assert_null(key);
		assert_int_equal(mock_nreq(f->m), ++n);
		assert_int_equal(
		    i % 2 ? oc_api_agent_create(f->a, &in, &ag, &key)
			  : oc_api_agent_rotate_key(f->a, A1, &ag, &key),
		    OC_OK);
		assert_int_equal(mock_nreq(f->m), ++n);
		assert_string_equal(key, KEY);
		oc_secure_free(key);
		key = NULL;
		oc_agent_clear(&ag);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_create),
	    T(test_create_bad_answers),
	    T(test_refused_before_sending),
	    T(test_rotate_and_patch),
	    T(test_list_and_get),
	    T(test_policies),
	    T(test_key_requests_not_repeated),
	    cmocka_unit_test(test_glob_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
