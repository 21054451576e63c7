/* http-test.c - src/http.c against the loopback mock server: headers,
 * keep-alive, retries, 429, timeouts, size cap, faults, redaction. */
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
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "net-mock.h"

#define BEARER	      "tok-SECRET-bearer-7c1f0e"
#define CMEK_HDR      "S2V5U0VDUkVULW9sZC1rZXktdmFsdWUtMDAwMDAwMDA="
#define BODY_SECRET   "BODY-SECRET-4d2a"
#define RESP_SECRET   "RESP-SECRET-9e3b"
#define COOKIE_SECRET "COOKIE-SECRET-11aa"

static char log_path[256];

static struct oc_http *client(const char *url, unsigned timeout_ms,
			      unsigned retries, size_t max_response)
{
	struct oc_http_opts o = {0};
	struct oc_http *h = NULL;

	o.base_url = url;
	o.connect_timeout_ms = timeout_ms;
	o.timeout_ms = timeout_ms;
	o.retries = retries;
	o.max_response = max_response;
	assert_int_equal(oc_http_new(&o, &h), OC_OK);
	assert_non_null(h);
	return h;
}

static int do_req(struct oc_http *h, const char *method, const char *path,
		  bool idempotent, struct oc_http_resp *rs)
{
	struct oc_http_req rq = {0};

	rq.method = method;
	rq.path = path;
	rq.idempotent = idempotent;
	return oc_http_do(h, &rq, rs);
}

static void test_path_escape(void **state)
{
	struct oc_buf b;

	(void)state;
	oc_buf_init(&b, 1024, false);
	assert_int_equal(oc_http_path_escape(&b, "a/b c/\xc3\xa9"), OC_OK);
	assert_string_equal((char *)b.data, "a/b%20c/%C3%A9");
	oc_buf_reset(&b);
	assert_int_equal(oc_http_path_escape(&b, "AZaz09._~/-"), OC_OK);
	assert_string_equal((char *)b.data, "AZaz09._~/-");
	oc_buf_reset(&b);
	assert_int_equal(oc_http_path_escape(&b, "%?#&=+:@ \x7f"), OC_OK);
	assert_string_equal((char *)b.data, "%25%3F%23%26%3D%2B%3A%40%20%7F");
	/* Appends after what is there. */
	oc_buf_reset(&b);
	assert_int_equal(oc_buf_append_str(&b, "/v1/"), OC_OK);
	assert_int_equal(oc_http_path_escape(&b, "x y"), OC_OK);
	assert_string_equal((char *)b.data, "/v1/x%20y");
	/* Over the buffer's bound: error, nothing half-appended. */
	oc_buf_free(&b);
	oc_buf_init(&b, 8, false);
	assert_int_equal(oc_buf_append_str(&b, "ab"), OC_OK);
	assert_int_not_equal(oc_http_path_escape(&b, "\xff\xff\xff"), OC_OK);
	assert_int_equal(b.len, 2);
	assert_int_equal(oc_http_path_escape(NULL, "x"), OC_ERR_ARGS);
	oc_buf_free(&b);
}

static void test_printable(void **state)
{
	char out[8];

	(void)state;
	oc_http_printable(out, sizeof(out), "a\tb\x7f\xc3\xa9", 6);
	assert_string_equal(out, "a?b???");
	/* Cut to the buffer, always terminated. */
	oc_http_printable(out, sizeof(out), "0123456789", 10);
	assert_string_equal(out, "0123456");
	oc_http_printable(out, sizeof(out), "", 0);
	assert_string_equal(out, "");
}

static void test_url_policy(void **state)
{
	static const char *const bad[] = {
	    "http://example.com",
	    "http://10.0.0.1:80",
	    "ftp://127.0.0.1/",
	    "file:///etc/passwd",
	    "https://user:pw@example.com",
	    "https://example.com/?q=1",
	    "https://example.com/#frag",
	    "not a url",
	    "",
	};
	static const char *const good[] = {
	    "https://api.1claw.xyz", "https://example.com/api/",
	    "http://127.0.0.1:1",    "http://localhost:8443",
	    "http://[::1]:8443",
	};
	struct oc_http_opts o = {0};
	struct oc_http *h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = NULL;
		o.base_url = bad[i];
		assert_int_not_equal(oc_http_new(&o, &h), OC_OK);
		assert_null(h);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		h = NULL;
		o.base_url = good[i];
		assert_int_equal(oc_http_new(&o, &h), OC_OK);
		oc_http_free(h);
	}
	o.base_url = NULL;
	assert_int_equal(oc_http_new(&o, &h), OC_ERR_ARGS);
}

static void test_headers_and_body(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_header hd[] = {{"x-extra", "v1"}};
	struct oc_http_req rq = {0};
	struct oc_http_resp rs;
	struct mock_req r;
	char v[256];
	static const char body[] = "{\"k\":\"v\"}";

	(void)state;
	mock_push(m, 201, "Location: /v1/jobs/42\r\n", "{\"ok\":true}",
		  MOCK_NORMAL, 0);
	rq.method = "PUT";
	rq.path = "/v1/things/a%20b";
	rq.bearer = "abc.def";
	rq.headers = hd;
	rq.n_headers = 1;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.idempotent = true;
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_OK);
	assert_int_equal(rs.status, 201);
	assert_int_equal(rs.body.len, 11);
	assert_memory_equal(rs.body.data, "{\"ok\":true}", 11);
	assert_true(rs.body.secret);
	assert_string_equal(rs.location, "/v1/jobs/42");
	assert_int_equal(rs.retry_after_s, -1);
	oc_http_resp_free(&rs);

	assert_int_equal(mock_nreq(m), 1);
	assert_true(mock_req_get(m, 0, &r));
	assert_string_equal(r.method, "PUT");
	assert_string_equal(r.target, "/v1/things/a%20b");
	assert_int_equal(r.body_len, strlen(body));
	assert_string_equal(r.body, body);
	assert_true(mock_req_header(&r, "Authorization", v, sizeof(v)));
	assert_string_equal(v, "Bearer abc.def");
	assert_true(mock_req_header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/json");
	assert_true(mock_req_header(&r, "Accept", v, sizeof(v)));
	assert_string_equal(v, "application/json");
	assert_true(mock_req_header(&r, "User-Agent", v, sizeof(v)));
	assert_string_equal(v, "oneclaw-pkcs11/" PACKAGE_VERSION);
	assert_true(mock_req_header(&r, "x-extra", v, sizeof(v)));
	assert_string_equal(v, "v1");
	assert_false(mock_req_header(&r, "Expect", v, sizeof(v)));
	mock_req_free(&r);

	/* DELETE without a body, POST with an empty one, no bearer. */
	assert_int_equal(do_req(h, "DELETE", "/x", true, &rs), OC_OK);
	assert_int_equal(rs.status, 200);
	oc_http_resp_free(&rs);
	assert_int_equal(do_req(h, "POST", "/y", false, &rs), OC_OK);
	oc_http_resp_free(&rs);
	assert_true(mock_req_get(m, 1, &r));
	assert_string_equal(r.method, "DELETE");
	assert_int_equal(r.body_len, 0);
	assert_false(mock_req_header(&r, "Authorization", v, sizeof(v)));
	mock_req_free(&r);
	assert_true(mock_req_get(m, 2, &r));
	assert_string_equal(r.method, "POST");
	assert_true(mock_req_header(&r, "Content-Length", v, sizeof(v)));
	assert_string_equal(v, "0");
	mock_req_free(&r);

	oc_http_free(h);
	mock_stop(m);
}

static void test_bad_requests(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_header hd[] = {{"x-a", "bad\r\nInjected: 1"}};
	struct oc_http_header hn[] = {{"x a", "v"}};
	struct oc_http_req rq = {0};
	struct oc_http_resp rs;

	(void)state;
	rq.method = "GET";
	rq.path = "/ok";
	rq.bearer = "tok\r\nX-Injected: 1";
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	rq.bearer = NULL;
	rq.headers = hd;
	rq.n_headers = 1;
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	rq.headers = hn;
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	rq.n_headers = 0;
	rq.path = "no-slash";
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	rq.path = "/a b";
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	rq.path = "/ok";
	rq.method = "TRACE";
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_ERR_ARGS);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 0);
	oc_http_free(h);
	mock_stop(m);
}

static void test_keepalive(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_stats st;
	struct oc_http_resp rs;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(do_req(h, "GET", "/k", true, &rs), OC_OK);
		assert_int_equal(rs.status, 200);
		oc_http_resp_free(&rs);
	}
	oc_http_stats(h, &st);
	assert_int_equal(st.requests, 5);
	assert_int_equal(st.connections, 1);
	assert_int_equal(mock_nconn(m), 1);
	assert_int_equal(mock_nreq(m), 5);
	oc_http_free(h);
	mock_stop(m);
}

static void test_retry_5xx(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 2, 0);
	struct oc_http_stats st;
	struct oc_http_resp rs;

	(void)state;
	/* 500 then 200: one retry. */
	mock_push(m, 500, NULL, "{\"detail\":\"boom\"}", MOCK_NORMAL, 0);
	mock_push(m, 200, NULL, "{\"n\":1}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/r", true, &rs), OC_OK);
	assert_int_equal(rs.status, 200);
	assert_int_equal(rs.body.len, 7);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 2);
	oc_http_stats(h, &st);
	assert_int_equal(st.requests, 2);

	/* Always 5xx: 1 + retries tries, then the last answer. */
	mock_push(m, 503, NULL, "{}", MOCK_NORMAL, 0);
	mock_push(m, 500, NULL, "{}", MOCK_NORMAL, 0);
	mock_push(m, 502, NULL, "{\"last\":1}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/r", true, &rs), OC_OK);
	assert_int_equal(rs.status, 502);
	assert_memory_equal(rs.body.data, "{\"last\":1}", 10);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 5);
	oc_http_stats(h, &st);
	assert_int_equal(st.requests, 5);

	/* Not idempotent: a 5xx comes back at once. */
	mock_push(m, 500, NULL, "{}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "POST", "/p", false, &rs), OC_OK);
	assert_int_equal(rs.status, 500);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 6);
	oc_http_free(h);
	mock_stop(m);
}

static void test_no_retries(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_resp rs;

	(void)state;
	mock_push(m, 500, NULL, "{}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/r", true, &rs), OC_OK);
	assert_int_equal(rs.status, 500);
	oc_http_resp_free(&rs);
	mock_push(m, 429, "Retry-After: 0\r\n", "{}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/r", true, &rs), OC_OK);
	assert_int_equal(rs.status, 429);
	assert_int_equal(rs.retry_after_s, 0);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 2);
	oc_http_free(h);
	mock_stop(m);
}

static void test_429(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 3000, 2, 0);
	struct oc_http_resp rs;

	(void)state;
	/* Retry-After in seconds, honoured even for POST. */
	mock_push(m, 429, "Retry-After: 1\r\n", "{}", MOCK_NORMAL, 0);
	mock_push(m, 201, NULL, "{\"ok\":1}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "POST", "/t", false, &rs), OC_OK);
	assert_int_equal(rs.status, 201);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 2);

	/* An HTTP date in the past: retry at once. */
	mock_push(m, 429, "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
		  "{}", MOCK_NORMAL, 0);
	mock_push(m, 200, NULL, "{}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/t", true, &rs), OC_OK);
	assert_int_equal(rs.status, 200);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 4);

	/* Always 429: 1 + retries tries, then the 429 itself. */
	mock_push(m, 429, "Retry-After: 0\r\n", "{}", MOCK_NORMAL, 0);
	mock_push(m, 429, "Retry-After: 0\r\n", "{}", MOCK_NORMAL, 0);
	mock_push(m, 429, "Retry-After: 0\r\n", "{\"detail\":\"slow\"}",
		  MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/t", true, &rs), OC_OK);
	assert_int_equal(rs.status, 429);
	assert_int_equal(rs.retry_after_s, 0);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 7);

	/* A wait past the budget is not made: the 429 returns at once. */
	mock_push(m, 429, "Retry-After: 3600\r\n", "{}", MOCK_NORMAL, 0);
	mock_push(m, 200, NULL, "{}", MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/t", true, &rs), OC_OK);
	assert_int_equal(rs.status, 429);
	assert_int_equal(rs.retry_after_s, 3600);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 8);
	oc_http_free(h);
	mock_stop(m);
}

static void test_timeout(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 300, 1, 0);
	struct oc_http_resp rs;

	(void)state;
	/* The request went out and the answer is slow: OC_ERR_NET, and not
	 * retried (that would only multiply the wait). */
	mock_push(m, 200, NULL, "{}", MOCK_NORMAL, 3000);
	assert_int_equal(do_req(h, "GET", "/slow", true, &rs), OC_ERR_NET);
	oc_http_resp_free(&rs);
	assert_int_equal(mock_nreq(m), 1);
	oc_http_free(h);
	mock_stop(m);
}

static void test_refused(void **state)
{
	char url[64];
	struct oc_http *h;
	struct oc_http_stats st;
	struct oc_http_resp rs;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", mock_closed_port());
	h = client(url, 1000, 2, 0);
	/* Nothing was sent: retried even for POST. */
	assert_int_equal(do_req(h, "POST", "/x", false, &rs), OC_ERR_NET);
	oc_http_resp_free(&rs);
	oc_http_stats(h, &st);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.connections, 3);
	oc_http_free(h);
}

/* One fault scenario on a fresh server and client, so that no kept-alive
 * connection is involved (curl itself resends once on a reused connection
 * that died, which would blur the counts). */
static int fault(enum mock_action first, enum mock_action second,
		 const char *method, bool idempotent, int *nreq)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 3000, 1, 0);
	struct oc_http_resp rs;
	int rc;

	mock_push(m, 200, NULL, "{\"partial\":", first, 0);
	mock_push(m, 200, NULL, "{\"partial\":", second, 0);
	rc = do_req(h, method, "/f", idempotent, &rs);
	if (rc == OC_OK) {
		assert_int_equal(rs.status, 200);
	} else {
		assert_int_equal(rs.body.len, 0);
	}
	oc_http_resp_free(&rs);
	oc_http_free(h);
	*nreq = mock_nreq(m);
	mock_stop(m);
	return rc;
}

static void test_reset_and_truncate(void **state)
{
	int n;

	(void)state;
	/* Reset or closed without an answer, then an answer: a GET is
	 * retried and succeeds. */
	assert_int_equal(fault(MOCK_RESET, MOCK_NORMAL, "GET", true, &n),
			 OC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(fault(MOCK_NOREPLY, MOCK_NORMAL, "GET", true, &n),
			 OC_OK);
	assert_int_equal(n, 2);
	/* Twice: OC_ERR_NET after 1 + retries tries. */
	assert_int_equal(fault(MOCK_NOREPLY, MOCK_RESET, "GET", true, &n),
			 OC_ERR_NET);
	assert_int_equal(n, 2);
	/* A POST that went out is never resent. */
	assert_int_equal(fault(MOCK_RESET, MOCK_NORMAL, "POST", false, &n),
			 OC_ERR_NET);
	assert_int_equal(n, 1);
	assert_int_equal(fault(MOCK_NOREPLY, MOCK_NORMAL, "POST", false, &n),
			 OC_ERR_NET);
	assert_int_equal(n, 1);
	/* A truncated body is an error, never a short answer. */
	assert_int_equal(fault(MOCK_TRUNCATE, MOCK_TRUNCATE, "GET", true, &n),
			 OC_ERR_NET);
	assert_int_equal(n, 2);
	assert_int_equal(fault(MOCK_TRUNCATE, MOCK_NORMAL, "GET", true, &n),
			 OC_OK);
	assert_int_equal(n, 2);
}

static void test_size_cap(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 3000, 2, 1000);
	struct oc_http_resp rs;
	char *big = malloc(5001);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 5000);
	big[5000] = '\0';
	/* Announced by Content-Length, and streamed chunked. */
	mock_push(m, 200, NULL, big, MOCK_NORMAL, 0);
	assert_int_equal(do_req(h, "GET", "/big", true, &rs), OC_ERR_TOO_LARGE);
	assert_int_equal(rs.body.len, 0);
	oc_http_resp_free(&rs);
	mock_push(m, 200, NULL, big, MOCK_CHUNKED, 0);
	assert_int_equal(do_req(h, "GET", "/big", true, &rs), OC_ERR_TOO_LARGE);
	oc_http_resp_free(&rs);
	/* Not retried. */
	assert_int_equal(mock_nreq(m), 2);
	/* Exactly at the cap is fine, chunked too. */
	big[1000] = '\0';
	mock_push(m, 200, NULL, big, MOCK_CHUNKED, 0);
	assert_int_equal(do_req(h, "GET", "/big", true, &rs), OC_OK);
	assert_int_equal(rs.body.len, 1000);
	oc_http_resp_free(&rs);
	free(big);
	oc_http_free(h);
	mock_stop(m);
}

struct thr {
	struct oc_http *h;
	int ok;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct oc_http_resp rs;
	int i;

	for (i = 0; i < 25; i++) {
		if (do_req(t->h, "GET", "/thr", true, &rs) == OC_OK &&
		    rs.status == 200)
			t->ok++;
		oc_http_resp_free(&rs);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_stats st;
	pthread_t tid[6];
	struct thr t[6];
	int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		t[i].h = h;
		t[i].ok = 0;
		assert_int_equal(
		    pthread_create(&tid[i], NULL, thread_main, &t[i]), 0);
	}
	for (i = 0; i < 6; i++)
		pthread_join(tid[i], NULL);
	/* Every thread joined before any assertion can jump out. */
	for (i = 0; i < 6; i++)
		assert_int_equal(t[i].ok, 25);
	oc_http_stats(h, &st);
	assert_int_equal(st.requests, 150);
	assert_int_equal(mock_nreq(m), 150);
	/* Connections are shared: at most one per concurrent thread. */
	assert_true(st.connections >= 1 && st.connections <= 6);
	assert_int_equal((int)st.connections, mock_nconn(m));
	oc_http_free(h);
	mock_stop(m);
}

static void test_fork_abandon(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 0, 0);
	struct oc_http_stats st;
	struct oc_http_resp rs;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(do_req(h, "GET", "/a", true, &rs), OC_OK);
	oc_http_resp_free(&rs);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		oc_http_abandon(h);
		/* exec rather than exit: a leak checker would otherwise count
		 * the handles leaked on purpose and the mock server's state,
		 * whose threads do not exist in the child. */
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent's connection is still alive and reused. */
	assert_int_equal(do_req(h, "GET", "/b", true, &rs), OC_OK);
	assert_int_equal(rs.status, 200);
	oc_http_resp_free(&rs);
	oc_http_stats(h, &st);
	assert_int_equal(st.connections, 1);
	assert_int_equal(mock_nconn(m), 1);
	oc_http_free(h);
	mock_stop(m);
}

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

/* Runs last: the whole run logged at debug level into log_path. */
static void test_redaction(void **state)
{
	struct mock *m = mock_start(NULL, NULL);
	struct oc_http *h = client(mock_url(m), 5000, 1, 0);
	struct oc_http_header hd[] = {{"x-cmek-old-key", CMEK_HDR},
				      {"Cookie", "c=" COOKIE_SECRET}};
	struct oc_http_req rq = {0};
	struct oc_http_resp rs;
	static const char body[] = "{\"value\":\"" BODY_SECRET "\"}";
	char *log;

	(void)state;
	mock_push(m, 500, "Set-Cookie: s=" COOKIE_SECRET "\r\n",
		  "{\"detail\":\"" RESP_SECRET "\"}", MOCK_NORMAL, 0);
	mock_push(m, 200, "Set-Cookie: s=" COOKIE_SECRET "\r\n",
		  "{\"value\":\"" RESP_SECRET "\"}", MOCK_NORMAL, 0);
	rq.method = "PUT";
	rq.path = "/v1/redact/me";
	rq.bearer = BEARER;
	rq.headers = hd;
	rq.n_headers = 2;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.idempotent = true;
	assert_int_equal(oc_http_do(h, &rq, &rs), OC_OK);
	assert_int_equal(rs.status, 200);
	oc_http_resp_free(&rs);
	oc_http_free(h);
	mock_stop(m);

	log = slurp(log_path);
	assert_non_null(log);
	/* It did log the exchange... */
	assert_non_null(strstr(log, "PUT /v1/redact/me"));
	assert_non_null(strstr(log, "Authorization: <redacted>"));
	assert_non_null(strstr(log, "x-cmek-old-key: <redacted>"));
	assert_non_null(strstr(log, "HTTP/1.1 500"));
	/* ...and none of the secrets. */
	assert_null(strstr(log, BEARER));
	assert_null(strstr(log, CMEK_HDR));
	assert_null(strstr(log, BODY_SECRET));
	assert_null(strstr(log, RESP_SECRET));
	assert_null(strstr(log, COOKIE_SECRET));
	free(log);
}

static int group_setup(void **state)
{
	int fd;

	(void)state;
	snprintf(log_path, sizeof(log_path), "%s/oc-http-test.XXXXXX",
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_escape),
	    cmocka_unit_test(test_printable),
	    cmocka_unit_test(test_url_policy),
	    cmocka_unit_test(test_headers_and_body),
	    cmocka_unit_test(test_bad_requests),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_retry_5xx),
	    cmocka_unit_test(test_no_retries),
	    cmocka_unit_test(test_429),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_reset_and_truncate),
	    cmocka_unit_test(test_size_cap),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_fork_abandon),
	    cmocka_unit_test(test_redaction),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
