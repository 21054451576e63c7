/* net-mock.c - the loopback HTTP/1.1 test server (see net-mock.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net-mock.h"

#define MAX_CONNS   512
#define MAX_REQUEST (12u * 1024 * 1024)
#define MAX_SCRIPT  64

struct script_item {
	int status;
	char *headers;
	char *body;
	enum mock_action action;
	unsigned delay_ms;
};

struct conn {
	struct mock *m;
	int fd;
	int id;
};

struct mock {
	int lfd;
	int port;
	char url[64];
	mock_handler handler;
	void *ctx;
	int stop;
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_t conns[MAX_CONNS];
	int n_conns;
	struct mock_req reqs[MOCK_MAX_REQS];
	int n_reqs;
	struct script_item script[MAX_SCRIPT];
	int n_script, next_script;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Under the lock (not an atomic) so that helgrind sees the ordering. */
static bool stopping(struct mock *m)
{
	bool s;

	pthread_mutex_lock(&m->lock);
	s = m->stop != 0;
	pthread_mutex_unlock(&m->lock);
	return s;
}

static bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads more into buf; 0 on EOF or error or stop. */
static ssize_t recv_some(struct mock *m, int fd, char *buf, size_t n)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		int r = poll(&pfd, 1, 20);
		if (stopping(m))
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 0;
		if (r == 0)
			continue;
		ssize_t got = recv(fd, buf, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		return got < 0 ? 0 : got;
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

static void script_handler(struct mock *m, const struct mock_req *rq,
			   struct mock_reply *rp, void *ctx)
{
	struct script_item *it = NULL;

	(void)rq;
	(void)ctx;
	pthread_mutex_lock(&m->lock);
	if (m->next_script < m->n_script)
		it = &m->script[m->next_script++];
	if (it) {
		mock_reply_set(rp, it->status, it->headers, it->body);
		rp->action = it->action;
		rp->delay_ms = it->delay_ms;
	}
	pthread_mutex_unlock(&m->lock);
	if (!it)
		mock_reply_set(rp, 200, NULL, "{}");
}

void mock_reply_set(struct mock_reply *rp, int status, const char *headers,
		    const char *body)
{
	rp->status = status;
	snprintf(rp->headers, sizeof(rp->headers), "%s",
		 headers ? headers : "");
	free(rp->body);
	rp->body = body ? strdup(body) : NULL;
	rp->body_len = body ? strlen(body) : 0;
}

static void answer(struct mock *m, int fd, struct mock_reply *rp, bool *keep)
{
	char head[4096];
	int hn;
	unsigned waited = 0;

	while (waited < rp->delay_ms && !stopping(m)) {
		sleep_ms(10);
		waited += 10;
	}
	if (stopping(m)) {
		*keep = false;
		return;
	}
	switch (rp->action) {
	case MOCK_NOREPLY:
		*keep = false;
		return;
	case MOCK_RESET: {
		struct linger lg = {1, 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		*keep = false;
		return;
	}
	case MOCK_CHUNKED: {
		char sz[32];
		size_t off = 0;
		hn = snprintf(head, sizeof(head),
			      "HTTP/1.1 %d %s\r\nTransfer-Encoding: chunked\r\n"
			      "Content-Type: application/json\r\n%s\r\n",
			      rp->status, reason(rp->status), rp->headers);
		if (!send_all(fd, head, (size_t)hn)) {
			*keep = false;
			return;
		}
		while (off < rp->body_len) {
			size_t c = rp->body_len - off > 1000
				       ? 1000
				       : rp->body_len - off;
			int k = snprintf(sz, sizeof(sz), "%zx\r\n", c);
			if (!send_all(fd, sz, (size_t)k) ||
			    !send_all(fd, rp->body + off, c) ||
			    !send_all(fd, "\r\n", 2)) {
				*keep = false;
				return;
			}
			off += c;
		}
		send_all(fd, "0\r\n\r\n", 5);
		return;
	}
	default:
		break;
	}
	hn = snprintf(head, sizeof(head),
		      "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		      rp->status, reason(rp->status),
		      rp->body_len + (rp->action == MOCK_TRUNCATE ? 100 : 0),
		      rp->body_len ? "Content-Type: application/json\r\n" : "",
		      rp->headers);
	if (!send_all(fd, head, (size_t)hn) ||
	    (rp->body_len && !send_all(fd, rp->body, rp->body_len)))
		*keep = false;
	if (rp->action == MOCK_TRUNCATE || rp->action == MOCK_CLOSE)
		*keep = false;
}

static size_t content_length(const char *hdrs)
{
	const char *p = hdrs;

	while (p && *p) {
		if (strncasecmp(p, "content-length:", 15) == 0)
			return strtoul(p + 15, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct mock *m = c->m;
	char *buf = malloc(MAX_REQUEST + 1);
	size_t have = 0;
	bool keep = true;

	while (buf && keep && !stopping(m)) {
		char *end;
		size_t hlen, blen, total;
		struct mock_req rq;
		struct mock_reply rp;

		/* The head. */
		buf[have] = '\0';
		while (!(end = strstr(buf, "\r\n\r\n"))) {
			ssize_t got;
			if (have >= MAX_REQUEST)
				goto done;
			got =
			    recv_some(m, c->fd, buf + have, MAX_REQUEST - have);
			if (got <= 0)
				goto done;
			have += (size_t)got;
			buf[have] = '\0';
		}
		hlen = (size_t)(end - buf) + 4;
		blen = content_length(buf);
		if (blen > MAX_REQUEST - hlen)
			goto done;
		total = hlen + blen;
		while (have < total) {
			ssize_t got =
			    recv_some(m, c->fd, buf + have, MAX_REQUEST - have);
			if (got <= 0)
				goto done;
			have += (size_t)got;
		}

		memset(&rq, 0, sizeof(rq));
		memset(&rp, 0, sizeof(rp));
		rq.conn = c->id;
		{
			char *sp1 = memchr(buf, ' ', hlen), *sp2, *eol;
			eol = strstr(buf, "\r\n");
			sp2 =
			    sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1))
				: NULL;
			if (!sp1 || !sp2)
				goto done;
			snprintf(rq.method, sizeof(rq.method), "%.*s",
				 (int)(sp1 - buf), buf);
			snprintf(rq.target, sizeof(rq.target), "%.*s",
				 (int)(sp2 - sp1 - 1), sp1 + 1);
			rq.headers =
			    strndup(eol + 2, hlen - (size_t)(eol + 2 - buf));
		}
		rq.body = malloc(blen + 1);
		if (!rq.headers || !rq.body)
			goto done;
		memcpy(rq.body, buf + hlen, blen);
		rq.body[blen] = '\0';
		rq.body_len = blen;
		memmove(buf, buf + total, have - total);
		have -= total;

		pthread_mutex_lock(&m->lock);
		if (m->n_reqs < MOCK_MAX_REQS) {
			struct mock_req *r = &m->reqs[m->n_reqs++];
			*r = rq;
			r->headers = strdup(rq.headers);
			r->body = malloc(blen + 1);
			if (r->body)
				memcpy(r->body, rq.body, blen + 1);
		}
		pthread_mutex_unlock(&m->lock);

		rp.status = 200;
		if (m->handler)
			m->handler(m, &rq, &rp, m->ctx);
		else
			script_handler(m, &rq, &rp, NULL);
		answer(m, c->fd, &rp, &keep);
		free(rp.body);
		mock_req_free(&rq);
	}
done:
	free(buf);
	close(c->fd);
	free(c);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct mock *m = arg;
	struct pollfd pfd = {.fd = m->lfd, .events = POLLIN};
	int one = 1;

	while (!stopping(m)) {
		int r = poll(&pfd, 1, 20), fd;
		struct conn *c;

		if (r <= 0)
			continue;
		fd = accept(m->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		/* Head and body go out in two writes: no Nagle delay. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		pthread_mutex_lock(&m->lock);
		if (!c || m->n_conns >= MAX_CONNS) {
			pthread_mutex_unlock(&m->lock);
			free(c);
			close(fd);
			continue;
		}
		c->m = m;
		c->fd = fd;
		c->id = m->n_conns + 1;
		if (pthread_create(&m->conns[m->n_conns], NULL, conn_main, c) ==
		    0)
			m->n_conns++;
		else {
			free(c);
			close(fd);
		}
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

struct mock *mock_start(mock_handler h, void *ctx)
{
	struct mock *m = calloc(1, sizeof(*m));
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int one = 1;

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->handler = h;
	m->ctx = ctx;
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (m->lfd < 0 || bind(m->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(m->lfd, 64) ||
	    getsockname(m->lfd, (struct sockaddr *)&sa, &sl)) {
		if (m->lfd >= 0)
			close(m->lfd);
		free(m);
		return NULL;
	}
	m->port = ntohs(sa.sin_port);
	snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%d", m->port);
	if (pthread_create(&m->acceptor, NULL, accept_main, m)) {
		close(m->lfd);
		free(m);
		return NULL;
	}
	return m;
}

void mock_stop(struct mock *m)
{
	int i, n;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->acceptor, NULL);
	close(m->lfd);
	pthread_mutex_lock(&m->lock);
	n = m->n_conns;
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < n; i++)
		pthread_join(m->conns[i], NULL);
	for (i = 0; i < m->n_reqs; i++)
		mock_req_free(&m->reqs[i]);
	for (i = 0; i < m->n_script; i++) {
		free(m->script[i].headers);
		free(m->script[i].body);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int mock_port(const struct mock *m)
{
	return m->port;
}

const char *mock_url(const struct mock *m)
{
	return m->url;
}

void mock_push(struct mock *m, int status, const char *headers,
	       const char *body, enum mock_action action, unsigned delay_ms)
{
	struct script_item *it;

	pthread_mutex_lock(&m->lock);
	if (m->n_script < MAX_SCRIPT) {
		it = &m->script[m->n_script++];
		it->status = status;
		it->headers = headers ? strdup(headers) : NULL;
		it->body = body ? strdup(body) : NULL;
		it->action = action;
		it->delay_ms = delay_ms;
	}
	pthread_mutex_unlock(&m->lock);
}

int mock_nreq(struct mock *m)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = m->n_reqs;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int mock_nconn(struct mock *m)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = m->n_conns;
	pthread_mutex_unlock(&m->lock);
	return n;
}

bool mock_req_get(struct mock *m, int i, struct mock_req *out)
{
	bool ok = false;

	pthread_mutex_lock(&m->lock);
	if (i >= 0 && i < m->n_reqs) {
		*out = m->reqs[i];
		out->headers =
		    strdup(m->reqs[i].headers ? m->reqs[i].headers : "");
		out->body = malloc(m->reqs[i].body_len + 1);
		if (out->body && m->reqs[i].body)
			memcpy(out->body, m->reqs[i].body,
			       m->reqs[i].body_len + 1);
		else if (out->body)
			out->body[0] = '\0';
		ok = out->headers && out->body;
	}
	pthread_mutex_unlock(&m->lock);
	return ok;
}

void mock_req_free(struct mock_req *r)
{
	free(r->headers);
	free(r->body);
	r->headers = NULL;
	r->body = NULL;
}

bool mock_req_header(const struct mock_req *r, const char *name, char *buf,
		     size_t len)
{
	size_t nn = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		if (strncasecmp(p, name, nn) == 0 && p[nn] == ':') {
			const char *v = p + nn + 1, *e = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			if (!e)
				e = v + strlen(v);
			snprintf(buf, len, "%.*s", (int)(e - v), v);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

void mock_reset_counts(struct mock *m)
{
	int i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_reqs; i++)
		mock_req_free(&m->reqs[i]);
	m->n_reqs = 0;
	pthread_mutex_unlock(&m->lock);
}

int mock_closed_port(void)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}
