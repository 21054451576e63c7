/* fuzz-api-responses.c - the API client's response parsers (src/api.c).
 *
 * They are static and reached only through HTTP, so a tiny loopback HTTP
 * responder runs in this process (a thread per connection) and answers
 * every request with the fuzz input's status and body.  Input layout:
 *   byte 0  the call (low 4 bits); bit 4: exchange a user key first, so
 *           the token response is fuzzed too (else a static token);
 *           bit 5: the call is one of agents and policies (api-agents.c)
 *   byte 1  the HTTP status (an index into a table)
 *   rest    the response body
 * On success the outputs must be bounded and NUL-terminated. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api-agents.h"
#include "api.h"
#include "conf.h"
#include "err.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define VAULT	"0b7c6f2e-4c53-4a77-9f0c-2b8d5a1e9c11"
#define MAX_REQ (1024 * 1024)

/* 429 is left out: it would wait Retry-After. */
static const unsigned statuses[] = {200, 200, 201, 202, 204, 400, 401, 402,
				    403, 404, 409, 410, 413, 500, 301, 299};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *resp_body;
static size_t resp_len;
static unsigned resp_status;
static int listen_fd = -1;
static char url[64];
static struct oc_api *api_tok;

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one request (headers and a Content-Length body); 0 or -1. */
static int read_request(int fd, char *buf, size_t cap, size_t *have)
{
	size_t used = *have, need = 0;
	char *end = NULL;

	for (;;) {
		ssize_t r;

		if (used) {
			buf[used] = '\0';
			end = strstr(buf, "\r\n\r\n");
		}
		if (end) {
			const char *cl = strcasestr(buf, "\r\ncontent-length:");
			size_t hdr = (size_t)(end - buf) + 4;

			need = hdr;
			if (cl && cl < end)
				need += strtoul(cl + 17, NULL, 10);
			if (need >= cap)
				return -1;
			if (used >= need)
				break;
		}
		if (used >= cap - 1)
			return -1;
		r = recv(fd, buf + used, cap - 1 - used, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		used += (size_t)r;
	}
	/* Keep what belongs to the next request. */
	memmove(buf, buf + need, used - need);
	*have = used - need;
	return 0;
}

/* The request buffers of the connection threads, kept reachable from here:
 * a thread still finishing a connection the client has closed owns its
 * buffer for a moment after the input returns, and libFuzzer's leak check
 * must not take that for a leak of the code under test. */
static char *bufs[64];

static void buf_keep(char *b, bool keep)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		if (bufs[i] == (keep ? NULL : b)) {
			bufs[i] = keep ? b : NULL;
			break;
		}
	pthread_mutex_unlock(&lock);
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(MAX_REQ + 1);
	size_t have = 0;

	if (buf)
		buf_keep(buf, true);

	while (buf && read_request(fd, buf, MAX_REQ + 1, &have) == 0) {
		char head[256];
		uint8_t *body, *out;
		size_t len;
		unsigned st;
		int n;

		pthread_mutex_lock(&lock);
		st = resp_status;
		len = resp_len;
		body = malloc(len ? len : 1);
		if (body && len)
			memcpy(body, resp_body, len);
		pthread_mutex_unlock(&lock);
		if (!body)
			break;
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 %u Fuzz\r\n"
			     "Content-Type: application/json\r\n"
			     "Location: /v1/vaults/" VAULT "/cmek-rotate/j1\r\n"
			     "Content-Length: %zu\r\n\r\n",
			     st, st == 204 ? (size_t)0 : len);
		/* One write: a head and a body apart would meet Nagle and
		 * delayed ACKs (40 ms a request). */
		out = malloc((size_t)n + len);
		if (!out) {
			free(body);
			break;
		}
		memcpy(out, head, (size_t)n);
		if (st != 204 && len)
			memcpy(out + n, body, len);
		free(body);
		if (write_all(fd, out, (size_t)n + (st != 204 ? len : 0))) {
			free(out);
			break;
		}
		free(out);
	}
	if (buf)
		buf_keep(buf, false);
	free(buf);
	close(fd);
	return NULL;
}

static void *acceptor(void *arg)
{
	int one = 1;

	(void)arg;
	for (;;) {
		pthread_t t;
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			abort();
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd))
			abort();
		pthread_detach(t);
	}
	return NULL;
}

static struct oc_api *new_api(enum oc_cred_kind kind, const char *cred)
{
	struct oc_conf c;
	struct oc_api *a = NULL;

	memset(&c, 0, sizeof(c));
	c.api_url = url;
	c.cred_kind = kind;
	c.credential = oc_secure_strdup(cred);
	c.connect_timeout_s = 5;
	c.timeout_s = 10;
	c.retries = 0;
	c.max_value_size = 64 * 1024;
	if (!c.credential || oc_api_new(&c, &a) != OC_OK)
		abort();
	oc_secure_free(c.credential);
	return a;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	pthread_t t;

	(void)argc, (void)argv;
	signal(SIGPIPE, SIG_IGN);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(listen_fd, 64) != 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &sl) != 0)
		abort();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	if (pthread_create(&t, NULL, acceptor, NULL))
		abort();
	pthread_detach(t);
	api_tok = new_api(OC_CRED_TOKEN, "fuzz.static.token");
	return 0;
}

static void bounded(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void check_vault(const struct oc_vault *v)
{
	bounded(v->id, sizeof(v->id));
	bounded(v->name, sizeof(v->name));
	bounded(v->description, sizeof(v->description));
	bounded(v->cmek_fingerprint, sizeof(v->cmek_fingerprint));
	bounded(v->created_at, sizeof(v->created_at));
	if (!v->id[0] || (v->cmek_fingerprint[0] &&
			  strlen(v->cmek_fingerprint) != OC_CMEK_FPR_HEX_LEN))
		abort();
}

static void check_meta(const struct oc_secret_meta *m)
{
	bounded(m->id, sizeof(m->id));
	bounded(m->type, sizeof(m->type));
	bounded(m->created_at, sizeof(m->created_at));
	bounded(m->expires_at, sizeof(m->expires_at));
	bounded(m->cmek_fingerprint, sizeof(m->cmek_fingerprint));
	if (!m->path || !m->path[0] || strlen(m->path) > OC_WIRE_PATH_MAX ||
	    !m->metadata)
		abort();
}

static void check_strs(const struct oc_api_strs *l, size_t max)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i] || !l->v[i][0] || strlen(l->v[i]) > max)
			abort();
}

static void check_agent(const struct oc_agent *ag)
{
	bounded(ag->id, sizeof(ag->id));
	bounded(ag->name, sizeof(ag->name));
	bounded(ag->description, sizeof(ag->description));
	bounded(ag->auth_method, sizeof(ag->auth_method));
	bounded(ag->expires_at, sizeof(ag->expires_at));
	bounded(ag->created_at, sizeof(ag->created_at));
	if (!ag->id[0] || ag->token_ttl_seconds < 0)
		abort();
	check_strs(&ag->scopes, OC_API_GLOB_MAX);
	check_strs(&ag->vault_ids, OC_WIRE_ID_MAX);
}

static void check_key(char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > OC_API_AGENT_KEY_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 ||
		    (unsigned char)key[i] >= 0x7f)
			abort();
	oc_secure_free(key);
}

static void check_policy(const struct oc_policy *p)
{
	bounded(p->id, sizeof(p->id));
	bounded(p->vault_id, sizeof(p->vault_id));
	bounded(p->pattern, sizeof(p->pattern));
	bounded(p->principal_type, sizeof(p->principal_type));
	bounded(p->principal_id, sizeof(p->principal_id));
	bounded(p->effect, sizeof(p->effect));
	bounded(p->expires_at, sizeof(p->expires_at));
	bounded(p->created_at, sizeof(p->created_at));
	if (!p->id[0] || !p->effect[0] ||
	    (p->perms & ~(OC_API_PERM_READ | OC_API_PERM_WRITE)))
		abort();
}

static void call_agents(struct oc_api *a, unsigned which)
{
	static const char *const vids[] = {VAULT};
	static const char *const scopes[] = {"db/*", "app/**"};
	const struct oc_agent_new an = {.name = "fuzz",
					.description = "an agent",
					.vault_ids = vids,
					.n_vault_ids = 1,
					.scopes = scopes,
					.n_scopes = 2,
					.token_ttl_seconds = 600,
					.expires_at = "2099-01-01T00:00:00Z"};
	const struct oc_policy_new pn = {.pattern = "db/*",
					 .principal_type = "agent",
					 .principal_id = VAULT,
					 .perms = OC_API_PERM_READ,
					 .has_priority = true,
					 .priority = -3};
	struct oc_agent ag, *ags = NULL;
	struct oc_policy p, *ps = NULL;
	char *key = NULL;
	size_t n = 0;

	switch (which) {
	case 0:
		if (!oc_api_agent_list(a, &ags, &n)) {
			for (size_t i = 0; i < n; i++)
				check_agent(&ags[i]);
			oc_agent_list_free(ags, n);
		}
		break;
	case 1:
		if (!oc_api_agent_get(a, VAULT, &ag)) {
			check_agent(&ag);
			oc_agent_clear(&ag);
		}
		break;
	case 2:
		if (!oc_api_agent_create(a, &an, &ag, &key)) {
			check_agent(&ag);
			check_key(key);
			oc_agent_clear(&ag);
		}
		break;
	case 3:
		if (!oc_api_agent_rotate_key(a, VAULT, &ag, &key)) {
			check_agent(&ag);
			check_key(key);
			oc_agent_clear(&ag);
		}
		break;
	case 4:
		if (!oc_api_agent_set_active(a, VAULT, false, &ag)) {
			check_agent(&ag);
			oc_agent_clear(&ag);
		}
		break;
	case 5:
		if (oc_api_agent_delete(a, VAULT) == OC_OK)
			n = 1; /* either answer is fine: no output to check */
		break;
	case 6:
		if (!oc_api_policy_list(a, VAULT, &ps, &n)) {
			for (size_t i = 0; i < n; i++)
				check_policy(&ps[i]);
			free(ps);
		}
		break;
	case 7:
		if (!oc_api_policy_create(a, VAULT, &pn, &p))
			check_policy(&p);
		break;
	default:
		if (oc_api_policy_delete(a, VAULT, VAULT) == OC_OK)
			n = 1;
		break;
	}
	bounded(oc_api_last_error(a), 256);
}

static void call(struct oc_api *a, unsigned which)
{
	static const uint8_t key1[OC_CMEK_KEY_LEN] = {1};
	static const uint8_t key2[OC_CMEK_KEY_LEN] = {2};
	static const char fpr[] = "630dcd2966c4336691125448bbb25b4ff412a49c"
				  "732db2c8abc1b8581bd710dd";
	struct oc_vault v, *vs = NULL;
	struct oc_secret_meta m, *ms = NULL;
	struct oc_secret s;
	struct oc_rotation_job jb;
	struct oc_secret_put in;
	size_t n = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(&s, 0, sizeof(s));
	memset(&in, 0, sizeof(in));
	switch (which) {
	case 0:
		rc = oc_api_vault_list(a, &vs, &n);
		if (!rc) {
			for (size_t i = 0; i < n; i++)
				check_vault(&vs[i]);
			free(vs);
		}
		break;
	case 1:
		if (!oc_api_vault_get(a, VAULT, &v))
			check_vault(&v);
		break;
	case 2:
	case 3:
		rc = oc_api_secret_list(a, VAULT, which == 3 ? "db/" : NULL,
					&ms, &n);
		if (!rc) {
			for (size_t i = 0; i < n; i++)
				check_meta(&ms[i]);
			oc_secret_meta_list_free(ms, n);
		}
		break;
	case 4:
		if (!oc_api_secret_get(a, VAULT, "db/pass", &s)) {
			check_meta(&s.meta);
			if (!s.value ||
			    s.value_len > 64 * 1024 + OC_CMEK_OVERHEAD)
				abort();
			oc_secret_clear(&s);
		}
		break;
	case 5:
		if (!oc_api_cmek_job(a, VAULT, "j1", &jb)) {
			bounded(jb.id, sizeof(jb.id));
			bounded(jb.error, sizeof(jb.error));
			bounded(jb.location, sizeof(jb.location));
		}
		break;
	case 6:
		if (!oc_api_cmek_enable(a, VAULT, fpr, &v))
			check_vault(&v);
		break;
	case 7:
		if (!oc_api_cmek_disable(a, VAULT, &v))
			check_vault(&v);
		break;
	case 8:
		if (!oc_api_vault_create(a, "fuzz", "a vault", &v))
			check_vault(&v);
		break;
	case 9:
	case 10:
		in.type = "password";
		in.value =
		    (const uint8_t *)(which == 9
					  ? "s3cret\xff"
					  : "\x01"
					    "0123456789abcdef0123456789abcdef");
		in.value_len = which == 9 ? 7 : 33;
		in.value_is_blob = which == 10;
		in.metadata = "{\"tags\":[\"a\"]}";
		if (!oc_api_secret_put(a, VAULT, "db/pass", &in, &m)) {
			check_meta(&m);
			oc_secret_meta_clear(&m);
		}
		break;
	case 11:
		(void)oc_api_secret_delete(a, VAULT, "db/pass");
		break;
	case 12:
		(void)oc_api_vault_delete(a, VAULT);
		break;
	case 13:
		(void)oc_api_login(a, "fuzz.login.token", 16);
		break;
	case 14:
		(void)oc_api_login(a, "1ck_fuzzloginkey0123456789", 26);
		break;
	default:
		if (!oc_api_cmek_rotate(a, VAULT, key1, key2, &jb)) {
			bounded(jb.id, sizeof(jb.id));
			bounded(jb.location, sizeof(jb.location));
		}
		break;
	}
	bounded(oc_api_last_error(a), 256);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oc_api *a = api_tok;

	if (size < 2 || size > 256 * 1024)
		return 0;
	pthread_mutex_lock(&lock);
	resp_status =
	    statuses[data[1] % (sizeof(statuses) / sizeof(statuses[0]))];
	resp_body = data + 2;
	resp_len = size - 2;
	pthread_mutex_unlock(&lock);
	if (data[0] & 0x10)
		a = new_api(OC_CRED_USER_KEY, "1ck_fuzzuserkey0123456789");
	if (data[0] & 0x20)
		call_agents(a, data[0] & 0x0f);
	else
		call(a, data[0] & 0x0f);
	if (a != api_tok)
		oc_api_free(a);
	/* The responder copies the body under the lock: no one reads it
	 * after this returns. */
	pthread_mutex_lock(&lock);
	resp_body = NULL;
	resp_len = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}
