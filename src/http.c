/* http.c - the one owner of libcurl.
 *
 * One client holds a pool of easy handles.  A request takes a handle from
 * the pool under a mutex (the most recently returned first) and gives it
 * back afterwards; each handle keeps its connection alive, so connections
 * are reused across calls and across threads (a handle moves between
 * threads), and there are never more connections than concurrent requests.
 *
 * The handles share one CURLSH for the DNS cache only.  libcurl documents
 * sharing the connection cache (CURL_LOCK_DATA_CONNECT) as unsupported
 * between concurrent threads, and helgrind shows the race inside libcurl;
 * TLS session sharing across threads has the same history (reworked in
 * curl 8.10).  A handle still resumes its own TLS session on reconnect.
 *
 * Retry rules (all within a budget of (retries + 1) * timeout_ms, which
 * also bounds every try's own timeout, so a call never runs past it):
 *   - a connection error is retried for idempotent requests, and for any
 *     request when nothing was sent (refused, unresolved, connect timeout);
 *   - a timeout after the request went out is not retried: the server is
 *     slow, and retrying would only multiply the wait;
 *   - 5xx is retried for idempotent requests with backoff 100, 200, 400 ms;
 *   - 429 is retried for any request after Retry-After (seconds or an HTTP
 *     date; each wait capped at 30 s).  A wait that would cross the budget
 *     is not made: the 429 is returned at once. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"
#include "log.h"
#include "secmem.h"
#include "conf.h"

#define USER_AGENT		   "oneclaw-pkcs11/" PACKAGE_VERSION
#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_TIMEOUT_MS	   30000u
#define MAX_RETRIES		   10u
#define BACKOFF_FIRST_MS	   100u
#define BACKOFF_MAX_MS		   5000u
#define RETRY_AFTER_CAP_S	   30
#define MAX_IDLE_HANDLES	   32
#define MAX_URL			   8192
#define MAX_LOCATION		   4096
#define MAX_HEADER_LINE		   16384
#define MAX_BEARER		   16384

struct oc_http {
	char *base_url;
	char *ca_file;
	char *ca_path;
	char *runtime_id; /* X-1Claw-Runtime-Id, or NULL */
	unsigned connect_timeout_ms;
	unsigned timeout_ms;
	unsigned retries;
	size_t max_response;
	bool loopback; /* never through a proxy */

	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	CURL **idle;
	size_t n_idle;

	unsigned long requests;	   /* __atomic */
	unsigned long connections; /* __atomic */

	struct oc_http *next_abandoned;
};

/* One transfer's state, seen by the callbacks. */
struct xfer {
	CURL *c;
	struct oc_http_resp *rs;
	const struct oc_http_sink *sink; /* takes a 2xx body, or NULL */
	int sink_err;			 /* the sink's refusal */
	bool too_large;
	bool header_out_first; /* next HEADER_OUT chunk starts a request */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* Clients abandoned after fork stay reachable from here on purpose: their
 * CURL handles must not be cleaned up (see oc_http_abandon), and keeping a
 * pointer tells leak checkers the leak is deliberate. */
static struct oc_http *abandoned; /* __atomic */

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access acc,
		       void *userp)
{
	struct oc_http *h = userp;

	(void)c;
	(void)acc;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&h->share_locks[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *userp)
{
	struct oc_http *h = userp;

	(void)c;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&h->share_locks[data]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {
	    .tv_sec = (time_t)(ms / 1000u),
	    .tv_nsec = (long)(ms % 1000u) * 1000000L,
	};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool is_loopback_host(const char *host)
{
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0)
		return true;
	return n > 4 && strncmp(host, "127.", 4) == 0;
}

/* Checks the base URL with curl's own parser: http(s) only, no user info,
 * query or fragment (they would change every request). */
static int check_base_url(const char *url, bool *loopback)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *part = NULL;
	int rc = OC_ERR_ARGS;

	if (!u)
		return OC_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)
		goto out;
	*loopback = is_loopback_host(host);
	rc = OC_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(part);
	curl_url_cleanup(u);
	return rc;
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s || !*s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

int oc_http_new(const struct oc_http_opts *o, struct oc_http **out)
{
	struct oc_http *h = NULL;
	bool fail = false;
	size_t n;
	int rc, i;

	if (!o || !out || !o->base_url)
		return OC_ERR_ARGS;
	n = strlen(o->base_url);
	if (n == 0 || n > MAX_URL / 2)
		return OC_ERR_ARGS;
	if (oc_conf_url_allowed(o->base_url) != 1) {
		oc_debug(OC_LOG_HTTP, "refused base URL: https only, or "
				      "http:// to loopback");
		return OC_ERR_ARGS;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return OC_ERR_INTERNAL;

	h = calloc(1, sizeof(*h));
	if (!h)
		return OC_ERR_NOMEM;
	rc = check_base_url(o->base_url, &h->loopback);
	if (rc) {
		oc_debug(OC_LOG_HTTP, "base URL does not parse as http(s)");
		free(h);
		return rc;
	}
	h->base_url = strdup(o->base_url);
	h->ca_file = dup_opt(o->ca_file, &fail);
	h->ca_path = dup_opt(o->ca_path, &fail);
	h->runtime_id = dup_opt(o->runtime_id, &fail);
	if (!h->base_url || fail) {
		free(h->base_url);
		free(h->ca_file);
		free(h->ca_path);
		free(h->runtime_id);
		free(h);
		return OC_ERR_NOMEM;
	}
	/* Paths start with '/': drop the base URL's trailing slashes. */
	n = strlen(h->base_url);
	while (n > 0 && h->base_url[n - 1] == '/')
		h->base_url[--n] = '\0';

	h->connect_timeout_ms = o->connect_timeout_ms
				    ? o->connect_timeout_ms
				    : DEFAULT_CONNECT_TIMEOUT_MS;
	h->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (h->connect_timeout_ms > h->timeout_ms)
		h->connect_timeout_ms = h->timeout_ms;
	h->retries = o->retries > MAX_RETRIES ? MAX_RETRIES : o->retries;
	h->max_response =
	    o->max_response ? o->max_response : OC_HTTP_MAX_RESPONSE_DEFAULT;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->share_locks[i], NULL);
	pthread_mutex_init(&h->pool_lock, NULL);

	h->share = curl_share_init();
	if (!h->share ||
	    curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(h->share, CURLSHOPT_USERDATA, h) ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)) {
		oc_http_free(h);
		return OC_ERR_INTERNAL;
	}
	oc_debug(OC_LOG_HTTP,
		 "client for %s (connect %u ms, timeout %u ms, retries %u, "
		 "max response %zu)",
		 h->base_url, h->connect_timeout_ms, h->timeout_ms, h->retries,
		 h->max_response);
	*out = h;
	return OC_OK;
}

void oc_http_free(struct oc_http *h)
{
	size_t i;
	int j;

	if (!h)
		return;
	/* Every easy handle (closing its connection) before the share, which
	 * refuses to go while a handle uses it. */
	for (i = 0; i < h->n_idle; i++)
		curl_easy_cleanup(h->idle[i]);
	free(h->idle);
	if (h->share)
		curl_share_cleanup(h->share);
	for (j = 0; j < CURL_LOCK_DATA_LAST; j++)
		pthread_mutex_destroy(&h->share_locks[j]);
	pthread_mutex_destroy(&h->pool_lock);
	free(h->base_url);
	free(h->ca_file);
	free(h->ca_path);
	free(h->runtime_id);
	free(h);
}

/* After fork, in the child.  The easy handles hold the parent's sockets
 * and TLS state: curl_easy_cleanup would close them, and for TLS send
 * close_notify on a connection the parent is still using.  So the CURL objects
 * are leaked on purpose (kept reachable from a static list), and the mutexes
 * are neither locked nor destroyed (another parent thread may have held one at
 * fork time).  Only plain memory is released. */
void oc_http_abandon(struct oc_http *h)
{
	if (!h)
		return;
	free(h->base_url);
	h->base_url = NULL;
	free(h->ca_file);
	h->ca_file = NULL;
	free(h->ca_path);
	h->ca_path = NULL;
	free(h->runtime_id);
	h->runtime_id = NULL;
	/* Lock-free push: a mutex may have been held at fork time. */
	h->next_abandoned = __atomic_load_n(&abandoned, __ATOMIC_ACQUIRE);
	while (!__atomic_compare_exchange_n(&abandoned, &h->next_abandoned, h,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
}

static CURL *pool_take(struct oc_http *h)
{
	CURL *c = NULL;

	pthread_mutex_lock(&h->pool_lock);
	if (h->n_idle > 0)
		c = h->idle[--h->n_idle];
	pthread_mutex_unlock(&h->pool_lock);
	if (c)
		return c;
	c = curl_easy_init();
	if (!c)
		return NULL;
	/* The share stays attached across curl_easy_reset. */
	if (curl_easy_setopt(c, CURLOPT_SHARE, h->share) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

static void pool_give(struct oc_http *h, CURL *c)
{
	CURL **n;

	pthread_mutex_lock(&h->pool_lock);
	if (h->n_idle < MAX_IDLE_HANDLES) {
		n = realloc(h->idle, (h->n_idle + 1) * sizeof(*n));
		if (n) {
			h->idle = n;
			h->idle[h->n_idle++] = c;
			c = NULL;
		}
	}
	pthread_mutex_unlock(&h->pool_lock);
	if (c)
		curl_easy_cleanup(c);
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
				 struct curl_sockaddr *addr)
{
	struct oc_http *h = clientp;
	curl_socket_t s;

	(void)purpose;
	/* CLOEXEC: a child that execs must not inherit the vault sockets. */
	s = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (s != CURL_SOCKET_BAD)
		__atomic_add_fetch(&h->connections, 1, __ATOMIC_RELAXED);
	return s;
}

static size_t write_body(char *p, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	struct oc_buf *b = &x->rs->body;
	size_t n = size * nmemb;
	curl_off_t cl = -1;
	long status = 0;

	/* A success goes to the sink as it arrives; anything else (a problem
	 * detail) is kept whole for the caller. */
	if (x->sink &&
	    curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status) ==
		CURLE_OK &&
	    status >= 200 && status <= 299) {
		x->sink_err = x->sink->write(x->sink->ctx, p, n);
		return x->sink_err ? 0 : n;
	}

	/* Secret buffers are page-granular mappings: size the body once from
	 * Content-Length rather than growing it step by step. */
	if (!b->data &&
	    curl_easy_getinfo(x->c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
		CURLE_OK &&
	    cl > 0 && (uint64_t)cl <= b->max)
		oc_buf_reserve(b, (size_t)cl);
	if (oc_buf_append(b, p, n) != OC_OK) {
		x->too_large = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
			  (*p)[*n - 1] == '\r' || (*p)[*n - 1] == '\n'))
		(*n)--;
}

/* Retry-After: delta seconds or an HTTP date; -1 when unusable. */
static long parse_retry_after(const char *v, size_t n)
{
	char tmp[128];
	char *end;
	long s;
	time_t t, now;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (tmp[0] >= '0' && tmp[0] <= '9') {
		errno = 0;
		s = strtol(tmp, &end, 10);
		if (errno || *end || s < 0)
			return -1;
		return s;
	}
	t = curl_getdate(tmp, NULL);
	if (t == (time_t)-1)
		return -1;
	now = time(NULL);
	if (t <= now)
		return 0;
	return (t - now) > LONG_MAX ? LONG_MAX : (long)(t - now);
}

static size_t read_header(char *p, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	struct oc_http_resp *rs = x->rs;
	size_t n = size * nmemb, vn;
	const char *v;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): forget the last one's.
		 */
		free(rs->location);
		rs->location = NULL;
		rs->retry_after_s = -1;
		return n;
	}
	if (n > 9 && strncasecmp(p, "location:", 9) == 0) {
		v = p + 9;
		vn = n - 9;
		trim(&v, &vn);
		free(rs->location);
		rs->location = NULL;
		if (vn > 0 && vn <= MAX_LOCATION)
			rs->location = strndup(v, vn);
	} else if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
		v = p + 12;
		vn = n - 12;
		trim(&v, &vn);
		rs->retry_after_s = parse_retry_after(v, vn);
	}
	return n;
}

/* --- redacting debug output ------------------------------------------ */

static bool header_is_secret(const char *name, size_t n)
{
	return (n == 13 && strncasecmp(name, "authorization", 13) == 0) ||
	       (n == 19 && strncasecmp(name, "proxy-authorization", 19) == 0) ||
	       (n == 6 && strncasecmp(name, "cookie", 6) == 0) ||
	       (n == 10 && strncasecmp(name, "set-cookie", 10) == 0) ||
	       (n == 4 && strncasecmp(name, "dpop", 4) == 0) ||
	       (n >= 7 && strncasecmp(name, "x-cmek-", 7) == 0);
}

/* Headers whose values say nothing secret and help debugging. */
static bool header_value_shown(const char *name, size_t n)
{
	static const char *const shown[] = {
	    "content-type",	 "content-length", "retry-after", "location",
	    "user-agent",	 "accept",	   "host",	  "expect",
	    "transfer-encoding", "connection",
	};
	size_t i;

	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (strlen(shown[i]) == n &&
		    strncasecmp(name, shown[i], n) == 0)
			return true;
	return false;
}

void oc_http_printable(char *dst, size_t dsz, const char *s, size_t n)
{
	size_t i;

	if (n >= dsz)
		n = dsz - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[n] = '\0';
}

static void log_header_line(char dir, const char *line, size_t n,
			    bool first_line)
{
	char buf[512], name[128];
	const char *colon, *v;
	size_t nn, vn;

	if (n == 0)
		return;
	if (first_line || (n >= 5 && memcmp(line, "HTTP/", 5) == 0)) {
		/* Request line or status line: method, path, status. */
		oc_http_printable(buf, sizeof(buf), line, n);
		oc_debug(OC_LOG_HTTP, "%c %s", dir, buf);
		return;
	}
	colon = memchr(line, ':', n);
	if (!colon) {
		oc_debug(OC_LOG_HTTP, "%c (%zu bytes)", dir, n);
		return;
	}
	nn = (size_t)(colon - line);
	oc_http_printable(name, sizeof(name), line, nn);
	v = colon + 1;
	vn = n - nn - 1;
	trim(&v, &vn);
	if (header_is_secret(line, nn)) {
		oc_debug(OC_LOG_HTTP, "%c %s: <redacted>", dir, name);
	} else if (header_value_shown(line, nn)) {
		oc_http_printable(buf, sizeof(buf), v, vn);
		oc_debug(OC_LOG_HTTP, "%c %s: %s", dir, name, buf);
	} else {
		oc_debug(OC_LOG_HTTP, "%c %s: (%zu bytes)", dir, name, vn);
	}
}

static void log_header_block(char dir, const char *p, size_t n, bool first)
{
	const char *end = p + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		{
			size_t ln = (size_t)(nl - p);
			if (ln > 0 && p[ln - 1] == '\r')
				ln--;
			log_header_line(dir, p, ln, first);
		}
		first = false;
		p = nl < end ? nl + 1 : end;
	}
}

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size,
		    void *userp)
{
	struct xfer *x = userp;
	char buf[256];
	size_t n;

	(void)c;
	switch (type) {
	case CURLINFO_TEXT:
		/* curl's own notes (connects, reuse); no header values. */
		n = size;
		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		oc_http_printable(buf, sizeof(buf), data, n);
		oc_debug(OC_LOG_HTTP, "* %s", buf);
		break;
	case CURLINFO_HEADER_OUT:
		log_header_block('>', data, size, x->header_out_first);
		x->header_out_first = false;
		break;
	case CURLINFO_HEADER_IN:
		log_header_block('<', data, size, false);
		break;
	case CURLINFO_DATA_OUT:
		oc_debug(OC_LOG_HTTP, "> body: %zu bytes", size);
		break;
	case CURLINFO_DATA_IN:
		oc_debug(OC_LOG_HTTP, "< body: %zu bytes", size);
		break;
	default:
		break; /* TLS records: nothing */
	}
	return 0;
}

/* --- requests -------------------------------------------------------- */

static bool header_text_ok(const char *s, size_t n, bool is_name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			return false;
		if (is_name && (ch == ':' || ch == ' '))
			return false;
	}
	return true;
}

static bool path_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || p[0] != '/' || n > MAX_URL / 2)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '#')
			return false;
	}
	return true;
}

/* Appends "Name: value" as one list entry, built in locked memory. */
static int slist_add(struct curl_slist **l, const char *name,
		     const char *prefix, const char *value)
{
	struct oc_buf line;
	struct curl_slist *n;
	int rc;

	oc_buf_init(&line, MAX_HEADER_LINE, true);
	rc = oc_buf_reserve(&line, strlen(name) + 2 +
				       (prefix ? strlen(prefix) : 0) +
				       strlen(value));
	if (!rc)
		rc = oc_buf_append_str(&line, name);
	if (!rc)
		rc = oc_buf_append_str(&line, ": ");
	if (!rc && prefix)
		rc = oc_buf_append_str(&line, prefix);
	if (!rc)
		rc = oc_buf_append_str(&line, value);
	if (!rc) {
		n = curl_slist_append(*l, (const char *)line.data);
		if (n)
			*l = n;
		else
			rc = OC_ERR_NOMEM;
	}
	oc_buf_free(&line);
	return rc;
}

/* curl_slist_append copied the strings: wipe them before freeing. */
static void slist_free_wiped(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p; p = p->next)
		if (p->data)
			oc_wipe(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int build_headers(const struct oc_http *h, const struct oc_http_req *rq,
			 const char *fresh, struct curl_slist **out)
{
	static const char *const fixed[] = {
	    "Content-Type: application/json",
	    "Accept: application/json",
	    "User-Agent: " USER_AGENT,
	    /* No "Expect: 100-continue" round trip before larger bodies. */
	    "Expect:",
	};
	struct curl_slist *l = NULL, *n;
	size_t i;
	int rc = OC_OK;

	for (i = 0; !rc && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		n = curl_slist_append(l, fixed[i]);
		if (n)
			l = n;
		else
			rc = OC_ERR_NOMEM;
	}
	if (!rc && rq->bearer)
		rc = slist_add(&l, "Authorization", "Bearer ", rq->bearer);
	if (!rc && h->runtime_id)
		rc = slist_add(&l, "X-1Claw-Runtime-Id", NULL, h->runtime_id);
	for (i = 0; !rc && i < rq->n_headers; i++)
		rc = slist_add(&l, rq->headers[i].name, NULL,
			       rq->headers[i].value);
	if (!rc && fresh)
		rc = slist_add(&l, rq->fresh->name, NULL, fresh);
	if (rc) {
		slist_free_wiped(l);
		return rc;
	}
	*out = l;
	return OC_OK;
}

/* The headers of one try: built at the first, and again for every try
 * when one of them is made afresh (*hdrs is then replaced). */
static int try_headers(const struct oc_http *h, const struct oc_http_req *rq,
		       const char *url, struct curl_slist **hdrs)
{
	char *v = NULL;
	size_t n;
	int rc;

	if (*hdrs && !rq->fresh)
		return OC_OK;
	slist_free_wiped(*hdrs);
	*hdrs = NULL;
	if (rq->fresh) {
		rc = rq->fresh->make(rq->fresh->ctx, rq->method, url, &v);
		if (rc) {
			oc_debug(OC_LOG_HTTP, "%s %s: no %s header: %s",
				 rq->method, rq->path, rq->fresh->name,
				 oc_strerror(rc));
			return rc;
		}
		n = v ? strlen(v) : 0;
		if (n == 0 || n > MAX_HEADER_LINE / 2 ||
		    !header_text_ok(v, n, false)) {
			oc_wipe(v, n);
			free(v);
			return OC_ERR_INTERNAL;
		}
	}
	rc = build_headers(h, rq, v, hdrs);
	if (v) {
		oc_wipe(v, strlen(v));
		free(v);
	}
	return rc;
}

static int check_req(const struct oc_http_req *rq)
{
	size_t i, n;

	if (!rq->method || !rq->path || !path_ok(rq->path))
		return OC_ERR_ARGS;
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "PUT") &&
	    strcmp(rq->method, "POST") && strcmp(rq->method, "DELETE") &&
	    strcmp(rq->method, "PATCH"))
		return OC_ERR_ARGS;
	if (rq->body_len && !rq->body)
		return OC_ERR_ARGS;
	if (rq->n_headers && !rq->headers)
		return OC_ERR_ARGS;
	if (rq->fresh &&
	    (!rq->fresh->name || !*rq->fresh->name || !rq->fresh->make ||
	     !header_text_ok(rq->fresh->name, strlen(rq->fresh->name), true)))
		return OC_ERR_ARGS;
	if (rq->bearer) {
		n = strlen(rq->bearer);
		if (n == 0 || n > MAX_BEARER ||
		    !header_text_ok(rq->bearer, n, false))
			return OC_ERR_ARGS;
	}
	for (i = 0; i < rq->n_headers; i++) {
		const struct oc_http_header *hd = &rq->headers[i];
		if (!hd->name || !hd->value || !*hd->name ||
		    !header_text_ok(hd->name, strlen(hd->name), true))
			return OC_ERR_ARGS;
		n = strlen(hd->value);
		if (n > MAX_HEADER_LINE / 2 ||
		    !header_text_ok(hd->value, n, false))
			return OC_ERR_ARGS;
	}
	return OC_OK;
}

static void resp_reset(struct oc_http_resp *rs)
{
	rs->status = 0;
	oc_buf_reset(&rs->body);
	free(rs->location);
	rs->location = NULL;
	rs->retry_after_s = -1;
}

#define SETOPT(c, opt, val)                                                    \
	do {                                                                   \
		if (curl_easy_setopt((c), (opt), (val)) != CURLE_OK)           \
			goto setopt_failed;                                    \
	} while (0)

/* Sets every option of one try on a freshly reset handle. */
static int setup(struct oc_http *h, CURL *c, const struct oc_http_req *rq,
		 const char *url, struct curl_slist *hdrs, struct xfer *x,
		 char *errbuf, long timeout_ms)
{
	static const char empty[] = "";
	const void *body = rq->body ? rq->body : empty;

	SETOPT(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(c, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SETOPT(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SETOPT(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SETOPT(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (rq->fresh_connection)
		SETOPT(c, CURLOPT_FRESH_CONNECT, 1L);
	SETOPT(c, CURLOPT_PATH_AS_IS, 1L); /* no dot-segment rewriting */
	SETOPT(c, CURLOPT_NOSIGNAL, 1L);
	SETOPT(c, CURLOPT_CONNECTTIMEOUT_MS,
	       (long)h->connect_timeout_ms < timeout_ms
		   ? (long)h->connect_timeout_ms
		   : timeout_ms);
	SETOPT(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(c, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(c, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(c, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file)
		SETOPT(c, CURLOPT_CAINFO, h->ca_file);
	if (h->ca_path)
		SETOPT(c, CURLOPT_CAPATH, h->ca_path);
	if (h->loopback)
		SETOPT(c, CURLOPT_PROXY, ""); /* loopback never via proxy */
	SETOPT(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SETOPT(c, CURLOPT_OPENSOCKETDATA, h);
	SETOPT(c, CURLOPT_WRITEFUNCTION, write_body);
	SETOPT(c, CURLOPT_WRITEDATA, x);
	SETOPT(c, CURLOPT_HEADERFUNCTION, read_header);
	SETOPT(c, CURLOPT_HEADERDATA, x);
	/* A sink bounds what it keeps itself. */
	if (!rq->sink)
		SETOPT(c, CURLOPT_MAXFILESIZE_LARGE,
		       (curl_off_t)h->max_response);
	SETOPT(c, CURLOPT_HTTPHEADER, hdrs);
	SETOPT(c, CURLOPT_ERRORBUFFER, errbuf);

	if (strcmp(rq->method, "GET") == 0) {
		SETOPT(c, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(rq->method, "POST") == 0) {
		SETOPT(c, CURLOPT_POSTFIELDS, body);
		SETOPT(c, CURLOPT_POSTFIELDSIZE_LARGE,
		       (curl_off_t)rq->body_len);
	} else {
		SETOPT(c, CURLOPT_CUSTOMREQUEST, rq->method);
		if (rq->body_len || strcmp(rq->method, "DELETE") != 0) {
			SETOPT(c, CURLOPT_POSTFIELDS, body);
			SETOPT(c, CURLOPT_POSTFIELDSIZE_LARGE,
			       (curl_off_t)rq->body_len);
		}
	}

	if (oc_log_enabled(OC_LOG_HTTP)) {
		/* VERBOSE only ever with the redacting callback. */
		SETOPT(c, CURLOPT_DEBUGFUNCTION, debug_cb);
		SETOPT(c, CURLOPT_DEBUGDATA, x);
		SETOPT(c, CURLOPT_VERBOSE, 1L);
	}
	return OC_OK;
setopt_failed:
	return OC_ERR_INTERNAL;
}

/* Connection-level failures worth another try; *unsent when the request
 * never left (safe to retry even when not idempotent). */
static bool transport_retryable(CURL *c, CURLcode cc, bool *unsent)
{
	long sent = 0;

	*unsent = false;
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		*unsent = true;
		return true;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent);
		*unsent = sent == 0;
		return *unsent; /* connect timeout only */
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

static int map_curl_error(CURLcode cc, const struct xfer *x)
{
	if (x->sink_err)
		return x->sink_err;
	if (x->too_large || cc == CURLE_FILESIZE_EXCEEDED)
		return OC_ERR_TOO_LARGE;
	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		return OC_ERR_NOMEM;
	case CURLE_URL_MALFORMAT:
		return OC_ERR_ARGS;
	default:
		return OC_ERR_NET;
	}
}

static uint64_t backoff_ms(unsigned try)
{
	uint64_t ms = BACKOFF_FIRST_MS;

	while (try-- > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
}

/* The wait the server asked for with Retry-After: on a 429 capped at
 * RETRY_AFTER_CAP_S; on a 5xx only when within the cap.  Otherwise the
 * backoff for this try. */
static uint64_t server_wait_ms(const struct oc_http_resp *rs, unsigned try,
			       bool rate_limited)
{
	long s = rs->retry_after_s;

	if (s < 0 || (!rate_limited && s > RETRY_AFTER_CAP_S))
		return backoff_ms(try);
	if (s > RETRY_AFTER_CAP_S)
		s = RETRY_AFTER_CAP_S;
	return (uint64_t)s * 1000u;
}

/* Sleeps before the next try when the budget allows it. */
static bool wait_within(uint64_t wait, uint64_t deadline)
{
	uint64_t now = now_ms();

	/* Leave at least a little time for the try itself. */
	if (now + wait + 10 >= deadline)
		return false;
	if (wait)
		sleep_ms(wait);
	return true;
}

/* curl names a bad proxy in its error text, user:password included:
 * drops the userinfo of every URL in S before S reaches a log. */
static void drop_userinfo(char *s)
{
	char *p = s;

	while ((p = strstr(p, "://")) != NULL) {
		char *host = p + 3, *end = host + strcspn(host, "/ '\"@");

		if (*end == '@')
			memmove(host, end + 1, strlen(end + 1) + 1);
		p = host;
	}
}

/* Why this thread's last request got no answer, in curl's words. */
static __thread char last_failure[CURL_ERROR_SIZE + 256];

const char *oc_http_last_failure(void)
{
	return last_failure;
}

int oc_http_do(struct oc_http *h, const struct oc_http_req *rq,
	       struct oc_http_resp *rs)
{
	struct curl_slist *hdrs = NULL;
	struct oc_buf url;
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE];
	CURL *c = NULL;
	CURLcode cc = CURLE_OK;
	uint64_t start, deadline, now;
	unsigned try;
	int rc;

	last_failure[0] = '\0';
	if (!rs)
		return OC_ERR_ARGS;
	memset(rs, 0, sizeof(*rs));
	rs->retry_after_s = -1;
	oc_buf_init(&rs->body, h ? h->max_response : 1, true);
	if (!h || !rq || !h->base_url)
		return OC_ERR_ARGS;
	rc = check_req(rq);
	if (rc) {
		oc_debug(OC_LOG_HTTP, "refused request: bad method, path or "
				      "header characters");
		return rc;
	}

	oc_buf_init(&url, MAX_URL, false);
	rc = oc_buf_append_str(&url, h->base_url);
	if (!rc)
		rc = oc_buf_append_str(&url, rq->path);
	if (rc)
		goto out;
	c = pool_take(h);
	if (!c) {
		rc = OC_ERR_NOMEM;
		goto out;
	}

	start = now_ms();
	deadline = start + (uint64_t)h->timeout_ms * (h->retries + 1);
	for (try = 0;; try++) {
		long status = 0;
		bool unsent = false, retry = false;
		uint64_t wait = 0;

		resp_reset(rs);
		memset(&x, 0, sizeof(x));
		x.c = c;
		x.rs = rs;
		x.sink = rq->sink;
		if (rq->sink && rq->sink->restart)
			rq->sink->restart(rq->sink->ctx);
		x.header_out_first = true;
		errbuf[0] = '\0';
		now = now_ms();
		if (now >= deadline) {
			snprintf(last_failure, sizeof(last_failure),
				 "%s: no answer within the time allowed",
				 h->base_url);
			rc = OC_ERR_NET;
			goto out;
		}
		curl_easy_reset(c);
		rc = try_headers(h, rq, (const char *)url.data, &hdrs);
		if (rc)
			goto out;
		rc = setup(h, c, rq, (const char *)url.data, hdrs, &x, errbuf,
			   (long)(deadline - now < h->timeout_ms
				      ? deadline - now
				      : h->timeout_ms));
		if (rc)
			goto out;
		__atomic_add_fetch(&h->requests, 1, __ATOMIC_RELAXED);
		cc = curl_easy_perform(c);
		if (cc != CURLE_OK) {
			rc = map_curl_error(cc, &x);
			drop_userinfo(errbuf);
			snprintf(last_failure, sizeof(last_failure),
				 "%s: %s%s%s", h->base_url,
				 curl_easy_strerror(cc), errbuf[0] ? ": " : "",
				 errbuf);
			oc_debug(OC_LOG_HTTP, "%s %s: try %u: %s%s%s",
				 rq->method, rq->path, try + 1,
				 curl_easy_strerror(cc), errbuf[0] ? ": " : "",
				 errbuf);
			if (rc == OC_ERR_NET && try < h->retries &&
			    transport_retryable(c, cc, &unsent) &&
			    (rq->idempotent || unsent)) {
				wait = backoff_ms(try);
				retry = true;
			}
		} else {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			rs->status = status;
			last_failure[0] = '\0';
			rc = OC_OK;
			oc_debug(OC_LOG_HTTP,
				 "%s %s: try %u: HTTP %ld, %zu bytes",
				 rq->method, rq->path, try + 1, status,
				 rs->body.len);
			if (try < h->retries && status == 429) {
				wait = server_wait_ms(rs, try, true);
				retry = true;
			} else if (try < h->retries && status >= 500 &&
				   status <= 599 && rq->idempotent) {
				wait = server_wait_ms(rs, try, false);
				retry = true;
			}
		}
		if (!retry)
			break;
		if (!wait_within(wait, deadline)) {
			oc_debug(OC_LOG_HTTP,
				 "%s %s: no retry, a %llu ms wait "
				 "would exceed the budget",
				 rq->method, rq->path,
				 (unsigned long long)wait);
			break;
		}
	}
out:
	if (rc)
		resp_reset(rs); /* no partial answer on failure */
	if (c)
		pool_give(h, c);
	slist_free_wiped(hdrs);
	oc_buf_free(&url);
	return rc;
}

void oc_http_resp_free(struct oc_http_resp *rs)
{
	if (!rs)
		return;
	oc_buf_free(&rs->body);
	free(rs->location);
	rs->location = NULL;
	rs->status = 0;
	rs->retry_after_s = -1;
}

void oc_http_stats(const struct oc_http *h, struct oc_http_stats *out)
{
	if (!out)
		return;
	if (!h) {
		out->requests = 0;
		out->connections = 0;
		return;
	}
	out->requests = __atomic_load_n(&h->requests, __ATOMIC_RELAXED);
	out->connections = __atomic_load_n(&h->connections, __ATOMIC_RELAXED);
}

int oc_http_path_escape(struct oc_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t start;
	int rc = OC_OK;

	if (!out || !path)
		return OC_ERR_ARGS;
	start = out->len;
	for (p = (const unsigned char *)path; *p && !rc; p++) {
		unsigned char ch = *p;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '~' || ch == '/' || ch == '-') {
			rc = oc_buf_append(out, p, 1);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			rc = oc_buf_append(out, e, 3);
		}
	}
	if (rc) {
		/* Nothing half-appended stays behind. */
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}
