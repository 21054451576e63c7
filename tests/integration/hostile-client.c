/* hostile-client.c - a hostile HTTP/1.1 client for oneclaw-vaultd's
 * integration tests and its load bench: raw sockets and poll(), no
 * libcurl.  Every command is bounded by fixed counts and a fixed
 * duration, prints one summary line per part (key=value) and exits
 * non-zero when its check fails.
 *
 *   hostile-client slow --port P [--count N] [--from A --to B]
 *       [--interval MS] [--duration S] [--trickle headers|body|both]
 *       [--probe-interval MS [--probe-timeout MS]] [--max-open N]
 *       [--all-cut]
 *     N connections, each bound to a source address cycling over A..B
 *     (default 127.0.0.2..127.0.0.250), each sending a request line and
 *     some headers, then one more byte every MS (the headers never end;
 *     with "body", the headers are whole and a body announced by
 *     Content-Length trickles instead; "both" alternates).  After the
 *     connect phase ("slow: ready" line), the connections are held for S
 *     seconds.  Reports how many connected, how many the server closed
 *     and when (seconds after connecting), how many were open at the end.
 *     With --probe-interval, GET /v1/health is probed from 127.0.0.1
 *     during the hold as by `probe`.  Fails when not all N connected,
 *     when more than --max-open were open at the end, with --all-cut when
 *     the server did not close every connection before the hold ended, or
 *     when a probe failed.
 *
 *   hostile-client probe --port P [--interval MS] [--duration S]
 *       [--timeout MS]
 *     GET /v1/health from 127.0.0.1 every MS for S seconds, each probe on
 *     its own connection with its own timeout (default 10,000 ms).
 *     Reports count, answered and the largest latency; fails unless every
 *     probe was answered 200 within its timeout.
 *
 *   hostile-client flood --port P --path PATH [--method M] [--clients C]
 *       [--bytes B] [--chunked] [--no-body] [--barrier] [--bearer-file F]
 *       [--expect LIST] [--timeout MS] [--pid PID] [--max-hwm-mb MB]
 *     C clients at once, each sending a B-byte JSON body shaped like
 *     {"api_key":"ocv_x","a":[0,0,...]} (Content-Length, or chunked).
 *     With --no-body, only the head is sent (the body is announced, never
 *     sent): an answer can only come before the body is read.
 *     With --barrier, every client holds back the last byte of its
 *     request until all clients have sent the rest (or are answered, or
 *     none could send for 2 s): a server that reads whole bodies before
 *     deciding then holds all of them at once, whatever the scheduling.
 *     Reports the outcomes seen: a status code, "closed" (closed or reset
 *     before a status line) or "timeout".  Fails when an outcome is not
 *     in LIST (e.g. "413,closed"; default: anything goes).  With --pid,
 *     prints the process's VmHWM and VmRSS afterwards, and with
 *     --max-hwm-mb fails when VmHWM is above MB.
 *
 *   hostile-client load --port P --path PATH --bearer-file F
 *       [--clients C] [--duration S] [--requests N] [--timeout MS]
 *     C keep-alive clients doing GET PATH with the bearer of F (never
 *     printed) for S seconds or N requests in all, whichever comes first.
 *     Reports requests/s and the p50, p99 and largest latencies; fails on
 *     any answer but 200, a timeout or a dropped connection.
 *
 * Every command takes --host (default 127.0.0.1) and raises its own
 * RLIMIT_NOFILE soft limit to the hard limit.
 *
 * Exit 0: the checks passed; 1: a check failed; 2: set-up failed (no
 * descriptors, a bad address, memory); 64: usage. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CHECK 1
#define EXIT_SETUP 2
#define EXIT_USAGE 64

#define HEAD_MAX     8192 /* response headers kept */
#define BEARER_MAX   4096
#define MAX_CONNS    100000
#define MAX_OUTCOMES 16
#define O_CLOSED     (-1) /* closed or reset before a status line */
#define O_TIMEOUT    (-2)
#define O_CONNECT    (-3) /* the connection could not be made */

struct opts {
	const char *host;
	long port;
	const char *from, *to;
	long count;
	long interval_ms;
	long duration_s;
	const char *trickle;
	long probe_interval_ms;
	long probe_timeout_ms;
	long max_open;
	bool all_cut;
	const char *path;
	const char *method;
	long clients;
	long bytes;
	bool chunked;
	bool barrier;
	bool no_body;
	const char *bearer_file;
	const char *expect;
	long timeout_ms;
	long pid;
	long max_hwm_mb;
	long requests;
};

static struct sockaddr_in target;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The poll() timeout until t (at least 0, at most 1 s). */
static int wait_ms(double t)
{
	double d = (t - now()) * 1000.0;

	if (d < 0)
		return 0;
	if (d > 1000)
		return 1000;
	return (int)d + 1;
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* The soft limit on descriptors up to the hard one; fails when fewer than
 * need are possible. */
static int raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < need + 16) {
		fprintf(stderr,
			"hostile-client: %ld descriptors needed, the limit "
			"is %lu\n",
			need + 16, (unsigned long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

/* A non-blocking connection to the target from src (host order; 0: any
 * address); -1 with errno on failure. */
static int tcp_open(uint32_t src)
{
	int fd, one = 1, e;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src) {
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(src);
#ifdef IP_BIND_ADDRESS_NO_PORT
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
#endif
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&target, sizeof(target)) != 0 &&
	    errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* After POLLOUT on a connecting socket: 0 connected, else the error
 * (ECONNRESET or EPIPE: connected, then reset by the peer). */
static int tcp_connected(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno ? errno : EIO;
	return err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Bearers and requests that carry one are wiped before they are freed. */
static void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

/* --- responses ----------------------------------------------------------- */

struct resp {
	char head[HEAD_MAX];
	size_t head_len;
	bool head_done;
	int status;
	long long body_left; /* -1: up to the close */
	bool close;	     /* the server will close after it */
	bool done;
};

static void resp_reset(struct resp *r)
{
	r->head_len = 0;
	r->head_done = false;
	r->status = 0;
	r->body_left = 0;
	r->close = false;
	r->done = false;
}

/* The value of header name in a complete head, or NULL. */
static const char *head_value(const char *head, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static int resp_parse_head(struct resp *r, bool head_request)
{
	const char *v;
	char *end;
	long st;

	if (strncmp(r->head, "HTTP/1.", 7) != 0 || !r->head[7] ||
	    r->head[8] != ' ')
		return -1;
	errno = 0;
	st = strtol(r->head + 9, &end, 10);
	if (errno || end != r->head + 12 || st < 100 || st > 999)
		return -1;
	r->status = (int)st;
	r->head_done = true;
	v = head_value(r->head, "Connection");
	r->close = v && strncasecmp(v, "close", 5) == 0;
	if (r->head[7] == '0')
		r->close = true;
	v = head_value(r->head, "Transfer-Encoding");
	if (v && strncasecmp(v, "identity", 8) != 0)
		return -1; /* not needed by these tests */
	v = head_value(r->head, "Content-Length");
	if (head_request || st == 204 || st == 304 || st < 200) {
		r->body_left = 0;
	} else if (v) {
		errno = 0;
		r->body_left = strtoll(v, &end, 10);
		if (errno || end == v || r->body_left < 0)
			return -1;
	} else {
		r->body_left = -1;
		r->close = true;
	}
	if (r->body_left == 0)
		r->done = true;
	return 0;
}

/* Feeds n bytes of a response.  With head_only, the response is done
 * once the status line and headers are in.  Returns the bytes used, or
 * -1 for a malformed response. */
static ssize_t resp_feed(struct resp *r, const char *p, size_t n,
			 bool head_only)
{
	size_t used = 0;

	if (!r->head_done) {
		const char *end;
		size_t take;

		take = n < sizeof(r->head) - 1 - r->head_len
			   ? n
			   : sizeof(r->head) - 1 - r->head_len;
		memcpy(r->head + r->head_len, p, take);
		r->head[r->head_len + take] = '\0';
		end = strstr(r->head, "\r\n\r\n");
		if (!end) {
			if (r->head_len + take >= sizeof(r->head) - 1)
				return -1;
			r->head_len += take;
			return (ssize_t)take;
		}
		used = (size_t)(end + 4 - r->head) - r->head_len;
		r->head_len = (size_t)(end + 4 - r->head);
		r->head[r->head_len] = '\0';
		if (resp_parse_head(r, false))
			return -1;
		if (head_only)
			r->done = true;
	}
	if (!r->done && used < n) {
		size_t rest = n - used;

		if (r->body_left < 0) {
			used = n;
		} else {
			if ((long long)rest > r->body_left)
				rest = (size_t)r->body_left;
			r->body_left -= (long long)rest;
			used += rest;
			if (r->body_left == 0)
				r->done = true;
		}
	}
	return (ssize_t)used;
}

/* --- outcomes ---------------------------------------------------------- */

struct outcomes {
	int code[MAX_OUTCOMES];
	long count[MAX_OUTCOMES];
	int n;
};

static void outcome_add(struct outcomes *o, int code)
{
	int i;

	for (i = 0; i < o->n; i++) {
		if (o->code[i] == code) {
			o->count[i]++;
			return;
		}
	}
	if (o->n < MAX_OUTCOMES) {
		o->code[o->n] = code;
		o->count[o->n++] = 1;
	}
}

static const char *outcome_name(int code, char *buf, size_t len)
{
	switch (code) {
	case O_CLOSED:
		return "closed";
	case O_TIMEOUT:
		return "timeout";
	case O_CONNECT:
		return "connect-failed";
	default:
		snprintf(buf, len, "%d", code);
		return buf;
	}
}

static void outcome_print(const struct outcomes *o)
{
	char buf[16];
	int i;

	for (i = 0; i < o->n; i++)
		printf(" %s=%ld", outcome_name(o->code[i], buf, sizeof(buf)),
		       o->count[i]);
}

/* Is code in the comma-separated list ("413,closed")? */
static bool outcome_expected(const char *list, int code)
{
	char buf[16];
	const char *name = outcome_name(code, buf, sizeof(buf));
	size_t nl = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == nl && strncmp(p, name, nl) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* --- probes ------------------------------------------------------------ */

struct probe {
	int fd;
	double t0, deadline;
	bool connected;
	size_t sent;
	int outcome; /* 0 while running */
	double latency;
	struct resp r;
};

struct probes {
	struct probe *p;
	long n, max;
	long interval_ms, timeout_ms;
	double next, end;
	char req[256];
	size_t req_len;
};

static int probes_init(struct probes *ps, long interval_ms, long timeout_ms,
		       double start, double duration)
{
	int n;

	memset(ps, 0, sizeof(*ps));
	ps->interval_ms = interval_ms;
	ps->timeout_ms = timeout_ms;
	ps->next = start;
	ps->end = start + duration;
	ps->max = (long)(duration * 1000.0 / (double)interval_ms) + 2;
	ps->p = calloc((size_t)ps->max, sizeof(*ps->p));
	if (!ps->p)
		return -1;
	n = snprintf(ps->req, sizeof(ps->req),
		     "GET /v1/health HTTP/1.1\r\nHost: %s:%ld\r\n"
		     "Connection: close\r\n\r\n",
		     inet_ntoa(target.sin_addr), (long)ntohs(target.sin_port));
	if (n < 0 || (size_t)n >= sizeof(ps->req))
		return -1;
	ps->req_len = (size_t)n;
	return 0;
}

static void probe_finish(struct probe *p, int outcome, double t)
{
	p->outcome = outcome;
	p->latency = t - p->t0;
	close_fd(&p->fd);
}

/* Starts the probes that are due; the next time one is due. */
static void probes_start(struct probes *ps, double t)
{
	while (ps->next <= t && ps->next < ps->end && ps->n < ps->max) {
		struct probe *p = &ps->p[ps->n++];

		memset(p, 0, sizeof(*p));
		p->t0 = t;
		p->deadline = t + (double)ps->timeout_ms / 1000.0;
		p->fd = tcp_open(0x7f000001);
		if (p->fd < 0)
			probe_finish(p, O_CONNECT, t);
		ps->next += (double)ps->interval_ms / 1000.0;
	}
}

static bool probes_running(const struct probes *ps)
{
	long i;

	if (ps->next < ps->end)
		return true;
	for (i = 0; i < ps->n; i++)
		if (!ps->p[i].outcome)
			return true;
	return false;
}

/* Adds the running probes to fds; returns how many were added. */
static size_t probes_poll(struct probes *ps, struct pollfd *fds, long *owner,
			  double *wake)
{
	size_t k = 0;
	long i;

	if (ps->next < ps->end && ps->next < *wake)
		*wake = ps->next;
	for (i = 0; i < ps->n; i++) {
		struct probe *p = &ps->p[i];

		if (p->outcome)
			continue;
		fds[k].fd = p->fd;
		fds[k].events = POLLIN;
		if (!p->connected || p->sent < ps->req_len)
			fds[k].events |= POLLOUT;
		fds[k].revents = 0;
		owner[k++] = i;
		if (p->deadline < *wake)
			*wake = p->deadline;
	}
	return k;
}

static void probe_event(struct probes *ps, struct probe *p, short ev, double t)
{
	char buf[4096];
	ssize_t n;

	if (!p->connected && (ev & (POLLOUT | POLLERR | POLLHUP))) {
		if (tcp_connected(p->fd)) {
			probe_finish(p, O_CONNECT, t);
			return;
		}
		p->connected = true;
	}
	if (p->connected && p->sent < ps->req_len && (ev & POLLOUT)) {
		n = send(p->fd, ps->req + p->sent, ps->req_len - p->sent,
			 MSG_NOSIGNAL);
		if (n > 0)
			p->sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			probe_finish(p, O_CLOSED, t);
			return;
		}
	}
	if (ev & (POLLIN | POLLERR | POLLHUP)) {
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || resp_feed(&p->r, buf, (size_t)n, true) < 0) {
			probe_finish(p, O_CLOSED, t);
			return;
		}
		if (p->r.done)
			probe_finish(p, p->r.status, t);
	}
}

static void probes_timeouts(struct probes *ps, double t)
{
	long i;

	for (i = 0; i < ps->n; i++)
		if (!ps->p[i].outcome && t >= ps->p[i].deadline)
			probe_finish(&ps->p[i], O_TIMEOUT, t);
}

/* Prints the summary; 0 when every probe was answered 200 in time. */
static int probes_report(const struct probes *ps)
{
	struct outcomes o;
	double max = 0;
	long i, ok = 0;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < ps->n; i++) {
		const struct probe *p = &ps->p[i];

		outcome_add(&o, p->outcome);
		if (p->outcome == 200)
			ok++;
		if (p->latency > max)
			max = p->latency;
	}
	printf("probe: probes=%ld answered=%ld max_latency_ms=%.1f "
	       "timeout_ms=%ld outcomes:",
	       ps->n, ok, max * 1000.0, ps->timeout_ms);
	outcome_print(&o);
	printf("\n");
	if (ps->n == 0 || ok != ps->n) {
		printf("hostile-client: FAIL: %ld of %ld probes not answered "
		       "200 within %ld ms\n",
		       ps->n - ok, ps->n, ps->timeout_ms);
		return EXIT_CHECK;
	}
	return 0;
}

/* --- slow -------------------------------------------------------------- */

struct slow {
	int fd;
	bool body; /* trickles a body, not headers */
	bool connected;
	bool closed; /* by the server */
	double t_conn, t_close, next;
	size_t head_sent, trickled;
};

static const char slow_trickle[] = "X-Slow: 0123456789abcdef\r\n";

static int slow_head(const struct opts *o, bool body, char *buf, size_t len)
{
	const char *host = inet_ntoa(target.sin_addr);
	int n;

	if (body)
		n = snprintf(
		    buf, len,
		    "POST /v1/auth/api-key-token HTTP/1.1\r\n"
		    "Host: %s:%ld\r\nContent-Type: application/json\r\n"
		    "Content-Length: 200\r\n\r\n{\"api_key\":\"ocv_",
		    host, o->port);
	else
		n = snprintf(buf, len,
			     "GET /v1/health HTTP/1.1\r\nHost: %s:%ld\r\n"
			     "User-Agent: hostile-client\r\n",
			     host, o->port);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

static void slow_closed(struct slow *s, double t)
{
	if (s->connected && !s->closed) {
		s->closed = true;
		s->t_close = t;
	}
	close_fd(&s->fd);
}

static void slow_event(struct slow *s, short ev, const char *head,
		       size_t head_len, long interval_ms, long i, double t)
{
	char buf[4096];
	ssize_t n;

	if (!s->connected) {
		if (!(ev & (POLLOUT | POLLERR | POLLHUP)))
			return;
		int err = tcp_connected(s->fd);

		if (err && err != ECONNRESET && err != EPIPE) {
			close_fd(&s->fd);
			return;
		}
		s->connected = true;
		s->t_conn = t;
		if (err) {
			/* Accepted and closed at once (a per-client limit). */
			slow_closed(s, t);
			return;
		}
		/* Spread the trickle of all connections over the interval. */
		s->next = t + (double)interval_ms / 1000.0 *
				  (double)((i * 7919) % 1000 + 1) / 1000.0;
	}
	if (s->head_sent < head_len && (ev & POLLOUT)) {
		n = send(s->fd, head + s->head_sent, head_len - s->head_sent,
			 MSG_NOSIGNAL);
		if (n > 0)
			s->head_sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			slow_closed(s, t);
			return;
		}
	}
	if (ev & (POLLIN | POLLERR | POLLHUP)) {
		/* An answer (408, 413...) is read and dropped; the close
		 * is what counts. */
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			slow_closed(s, t);
	}
}

static void slow_tick(struct slow *s, long interval_ms, size_t head_len,
		      double t)
{
	char c;
	ssize_t n;

	if (s->fd < 0 || !s->connected || s->head_sent < head_len ||
	    t < s->next)
		return;
	c = s->body ? ' '
		    : slow_trickle[s->trickled % (sizeof(slow_trickle) - 1)];
	n = send(s->fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == 1)
		s->trickled++;
	else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		slow_closed(s, t);
		return;
	}
	s->next = t + (double)interval_ms / 1000.0;
}

static int cmd_slow(const struct opts *o)
{
	char head_h[512], head_b[512];
	int len_h, len_b;
	struct slow *s = NULL;
	struct pollfd *fds = NULL;
	long *owner = NULL;
	struct probes ps;
	uint32_t from, to, span;
	double t, t0, connect_end, hold_start = 0, hold_end = 0;
	double cut_min = 0, cut_max = 0;
	long i, pending, connected = 0, closed = 0, open_end = -1, cut_late = 0;
	long nfds;
	bool probing = o->probe_interval_ms > 0;
	int rc = EXIT_SETUP;

	memset(&ps, 0, sizeof(ps));
	if (parse_ip(o->from, &from) || parse_ip(o->to, &to) || to < from) {
		fprintf(stderr, "hostile-client: bad --from/--to\n");
		return EXIT_USAGE;
	}
	span = to - from + 1;
	len_h = slow_head(o, false, head_h, sizeof(head_h));
	len_b = slow_head(o, true, head_b, sizeof(head_b));
	/* The slow connections and the probes that may run at once. */
	nfds = o->count;
	if (probing)
		nfds += o->duration_s * 1000 / o->probe_interval_ms +
			o->probe_timeout_ms / o->probe_interval_ms + 4;
	if (len_h < 0 || len_b < 0 || raise_nofile(nfds))
		goto out;
	s = calloc((size_t)o->count, sizeof(*s));
	fds = calloc((size_t)nfds, sizeof(*fds));
	owner = calloc((size_t)nfds, sizeof(*owner));
	if (!s || !fds || !owner)
		goto out;

	t0 = now();
	connect_end = t0 + 10.0;
	for (i = 0; i < o->count; i++) {
		s[i].body = strcmp(o->trickle, "body") == 0 ||
			    (strcmp(o->trickle, "both") == 0 && (i & 1));
		s[i].fd = tcp_open(from + (uint32_t)i % span);
		if (s[i].fd < 0) {
			fprintf(stderr, "hostile-client: connection %ld: %s\n",
				i, strerror(errno));
			goto out;
		}
	}
	for (;;) {
		double wake;
		size_t k = 0, np = 0;
		int r;

		t = now();
		if (!hold_start) {
			pending = 0;
			for (i = 0; i < o->count; i++)
				if (s[i].fd >= 0 && !s[i].connected)
					pending++;
			if (pending == 0 || t >= connect_end) {
				for (i = 0; i < o->count; i++) {
					if (s[i].fd >= 0 && !s[i].connected)
						close_fd(&s[i].fd);
					if (s[i].connected)
						connected++;
				}
				hold_start = t;
				hold_end = t + (double)o->duration_s;
				printf("slow: ready connected=%ld of %ld in "
				       "%.1f s\n",
				       connected, o->count, t - t0);
				fflush(stdout);
				if (probing &&
				    probes_init(&ps, o->probe_interval_ms,
						o->probe_timeout_ms, t,
						(double)o->duration_s))
					goto out;
			}
		}
		if (hold_start && open_end < 0 && t >= hold_end) {
			open_end = 0;
			for (i = 0; i < o->count; i++)
				if (s[i].fd >= 0)
					open_end++;
		}
		if (open_end >= 0 && (!probing || !probes_running(&ps)))
			break;
		if (probing && hold_start)
			probes_start(&ps, t);
		for (i = 0; i < o->count; i++)
			slow_tick(&s[i], o->interval_ms,
				  (size_t)(s[i].body ? len_b : len_h), t);

		wake = hold_start ? hold_end : connect_end;
		if (open_end >= 0)
			wake = t + 1.0;
		for (i = 0; i < o->count; i++) {
			size_t hl = (size_t)(s[i].body ? len_b : len_h);

			if (s[i].fd < 0)
				continue;
			fds[k].fd = s[i].fd;
			fds[k].events = POLLIN;
			if (!s[i].connected || s[i].head_sent < hl)
				fds[k].events |= POLLOUT;
			else if (s[i].next < wake)
				wake = s[i].next;
			fds[k].revents = 0;
			owner[k++] = i;
		}
		if (probing && hold_start)
			np = probes_poll(&ps, fds + k, owner + k, &wake);
		r = poll(fds, k + np, wait_ms(wake));
		if (r < 0 && errno != EINTR) {
			perror("hostile-client: poll");
			goto out;
		}
		t = now();
		for (size_t j = 0; r > 0 && j < k; j++) {
			struct slow *c = &s[owner[j]];
			bool body = c->body;

			if (fds[j].revents)
				slow_event(c, fds[j].revents,
					   body ? head_b : head_h,
					   (size_t)(body ? len_b : len_h),
					   o->interval_ms, owner[j], t);
		}
		for (size_t j = k; r > 0 && j < k + np; j++)
			if (fds[j].revents)
				probe_event(&ps, &ps.p[owner[j]],
					    fds[j].revents, t);
		if (probing && hold_start)
			probes_timeouts(&ps, t);
	}

	for (i = 0; i < o->count; i++) {
		double d;

		if (!s[i].closed)
			continue;
		if (s[i].t_close > hold_end) {
			cut_late++; /* after the hold, while probes ran */
			continue;
		}
		d = s[i].t_close - s[i].t_conn;
		if (closed == 0 || d < cut_min)
			cut_min = d;
		if (d > cut_max)
			cut_max = d;
		closed++;
	}
	printf("slow: connections=%ld from=%s to=%s trickle=%s "
	       "interval_ms=%ld connected=%ld closed_by_server=%ld ",
	       o->count, o->from, o->to, o->trickle, o->interval_ms, connected,
	       closed);
	if (closed)
		printf("closed_after_s=%.1f-%.1f ", cut_min, cut_max);
	printf("open_at_end=%ld hold_s=%ld\n", open_end, o->duration_s);
	rc = 0;
	if (connected != o->count) {
		printf("hostile-client: FAIL: %ld of %ld connections were "
		       "made\n",
		       connected, o->count);
		rc = EXIT_CHECK;
	}
	if (o->max_open >= 0 && open_end > o->max_open) {
		printf("hostile-client: FAIL: %ld connections open at the "
		       "end, at most %ld expected\n",
		       open_end, o->max_open);
		rc = EXIT_CHECK;
	}
	if (o->all_cut && closed != connected) {
		printf("hostile-client: FAIL: the server closed %ld of %ld "
		       "connections within the %ld s hold\n",
		       closed, connected, o->duration_s);
		rc = EXIT_CHECK;
	}
	if (probing && probes_report(&ps))
		rc = EXIT_CHECK;
out:
	if (s)
		for (i = 0; i < o->count; i++)
			close_fd(&s[i].fd);
	if (ps.p)
		for (i = 0; i < ps.n; i++)
			close_fd(&ps.p[i].fd);
	free(ps.p);
	free(s);
	free(fds);
	free(owner);
	return rc;
}

static int cmd_probe(const struct opts *o)
{
	struct probes ps;
	struct pollfd *fds = NULL;
	long *owner = NULL;
	int rc = EXIT_SETUP;

	if (probes_init(&ps, o->interval_ms, o->timeout_ms, now(),
			(double)o->duration_s) ||
	    raise_nofile(ps.max))
		goto out;
	fds = calloc((size_t)ps.max, sizeof(*fds));
	owner = calloc((size_t)ps.max, sizeof(*owner));
	if (!fds || !owner)
		goto out;
	while (probes_running(&ps)) {
		double wake = now() + 1.0;
		size_t k;
		int r;

		probes_start(&ps, now());
		k = probes_poll(&ps, fds, owner, &wake);
		r = poll(fds, k, wait_ms(wake));
		if (r < 0 && errno != EINTR) {
			perror("hostile-client: poll");
			goto out;
		}
		for (size_t j = 0; r > 0 && j < k; j++)
			if (fds[j].revents)
				probe_event(&ps, &ps.p[owner[j]],
					    fds[j].revents, now());
		probes_timeouts(&ps, now());
	}
	rc = probes_report(&ps);
out:
	if (ps.p)
		for (long i = 0; i < ps.n; i++)
			close_fd(&ps.p[i].fd);
	free(ps.p);
	free(fds);
	free(owner);
	return rc;
}

/* --- flood ------------------------------------------------------------- */

/* The bearer of file, without trailing white space; NULL on failure. */
static char *read_bearer(const char *file)
{
	char *b = calloc(1, BEARER_MAX + 1);
	size_t n = 0;
	FILE *f;

	if (!b)
		return NULL;
	f = fopen(file, "re");
	if (f) {
		n = fread(b, 1, BEARER_MAX, f);
		fclose(f);
	}
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' '))
		b[--n] = '\0';
	if (!f || n == 0 || strpbrk(b, "\r\n")) {
		fprintf(stderr, "hostile-client: no bearer in %s\n", file);
		wipe_free(b, BEARER_MAX + 1);
		return NULL;
	}
	return b;
}

/* {"api_key":"ocv_x","a":[0,0,...]} of exactly len bytes (len >= 32). */
static void flood_body(char *p, size_t len)
{
	static const char pre[] = "{\"api_key\":\"ocv_x\",\"a\":[0";
	size_t i = sizeof(pre) - 1;

	memcpy(p, pre, i);
	while (i + 2 <= len - 2) {
		p[i++] = ',';
		p[i++] = '0';
	}
	if (i < len - 2)
		p[i++] = ' ';
	p[i++] = ']';
	p[i++] = '}';
}

/* The whole request (head and body, chunked in 64 KiB pieces with
 * --chunked; the head alone with --no-body) in one buffer that every
 * client sends. */
static char *flood_request(const struct opts *o, const char *bearer,
			   size_t *out_len)
{
	size_t body = (size_t)o->bytes, cap, n;
	char *req, *b;
	int h;

	cap = 1024 + strlen(o->method) + strlen(o->path) + body +
	      (body / 65536 + 2) * 16 + (bearer ? strlen(bearer) : 0);
	req = malloc(cap);
	b = malloc(body);
	if (!req || !b) {
		free(req);
		free(b);
		return NULL;
	}
	flood_body(b, body);
	h = snprintf(req, cap,
		     "%s %s HTTP/1.1\r\nHost: %s:%ld\r\n"
		     "Content-Type: application/json\r\n%s%s%s",
		     o->method, o->path, inet_ntoa(target.sin_addr), o->port,
		     bearer ? "Authorization: Bearer " : "",
		     bearer ? bearer : "", bearer ? "\r\n" : "");
	n = (size_t)h;
	if (o->chunked)
		n += (size_t)snprintf(req + n, cap - n,
				      "Transfer-Encoding: chunked\r\n\r\n");
	else
		n += (size_t)snprintf(req + n, cap - n,
				      "Content-Length: %zu\r\n\r\n", body);
	if (o->no_body) {
		/* The head alone. */
	} else if (o->chunked) {
		for (size_t at = 0; at < body; at += 65536) {
			size_t c = body - at < 65536 ? body - at : 65536;

			n += (size_t)snprintf(req + n, cap - n, "%zx\r\n", c);
			memcpy(req + n, b + at, c);
			n += c;
			memcpy(req + n, "\r\n", 2);
			n += 2;
		}
		memcpy(req + n, "0\r\n\r\n", 5);
		n += 5;
	} else {
		memcpy(req + n, b, body);
		n += body;
	}
	free(b);
	*out_len = n;
	return req;
}

/* Bytes of fd's output the peer has not acknowledged (on loopback: not
 * yet in the server's socket). */
static bool unsent(int fd)
{
	int n = 0;

	return ioctl(fd, SIOCOUTQ, &n) == 0 && n > 0;
}

struct flooder {
	int fd;
	bool connected, write_failed;
	size_t sent;
	int outcome;
	struct resp r;
};

/* Sends req up to limit (its length, or one byte less while the clients
 * wait at the barrier) and reads the answer. */
static void flood_event(struct flooder *c, short ev, const char *req,
			size_t limit)
{
	char buf[4096];
	ssize_t n;

	if (!c->connected && (ev & (POLLOUT | POLLERR | POLLHUP))) {
		if (tcp_connected(c->fd)) {
			c->outcome = O_CONNECT;
			close_fd(&c->fd);
			return;
		}
		c->connected = true;
	}
	if (c->connected && !c->write_failed && c->sent < limit &&
	    (ev & POLLOUT)) {
		size_t want = limit - c->sent < 65536 ? limit - c->sent : 65536;

		n = send(c->fd, req + c->sent, want, MSG_NOSIGNAL);
		if (n > 0) {
			c->sent += (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			/* The server stopped reading: its answer may be in. */
			c->write_failed = true;
		}
	}
	if (c->connected && (ev & (POLLIN | POLLERR | POLLHUP))) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || resp_feed(&c->r, buf, (size_t)n, true) < 0) {
			c->outcome = O_CLOSED;
			close_fd(&c->fd);
			return;
		}
		if (c->r.done) {
			c->outcome = c->r.status;
			close_fd(&c->fd);
		}
	}
}

/* Prints VmHWM and VmRSS of pid; *hwm_kb gets VmHWM (-1: unknown). */
static void print_memory(long pid, long *hwm_kb)
{
	char path[64], line[256];
	long hwm = -1, rss = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			hwm = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			rss = strtol(line + 6, NULL, 10);
	}
	if (f)
		fclose(f);
	printf("server: pid=%ld VmHWM_kB=%ld VmRSS_kB=%ld\n", pid, hwm, rss);
	*hwm_kb = hwm;
}

static int cmd_flood(const struct opts *o)
{
	struct flooder *c = NULL;
	struct pollfd *fds = NULL;
	long *owner = NULL;
	char *bearer = NULL, *req = NULL;
	size_t len = 0;
	struct outcomes out;
	double t0, deadline;
	long i, hwm;
	bool held = o->barrier && !o->no_body;
	size_t held_sent = 0;
	double held_since = 0;
	int rc = EXIT_SETUP;

	memset(&out, 0, sizeof(out));
	if (o->bearer_file) {
		bearer = read_bearer(o->bearer_file);
		if (!bearer)
			goto out;
	}
	req = flood_request(o, bearer, &len);
	c = calloc((size_t)o->clients, sizeof(*c));
	fds = calloc((size_t)o->clients, sizeof(*fds));
	owner = calloc((size_t)o->clients, sizeof(*owner));
	if (!req || !c || !fds || !owner || raise_nofile(o->clients))
		goto out;
	t0 = now();
	deadline = t0 + (double)o->timeout_ms / 1000.0;
	held_since = t0;
	for (i = 0; i < o->clients; i++) {
		c[i].fd = tcp_open(0);
		if (c[i].fd < 0)
			c[i].outcome = O_CONNECT;
	}
	for (;;) {
		size_t k = 0, limit = len;
		int r;

		if (held) {
			/* Released once every client has sent all but its
			 * last byte and the server's end has it all, or the
			 * client is done; or when none could send for 2 s (a
			 * server that stops reading some bodies until others
			 * end must see those ends). */
			size_t sent = 0;

			held = false;
			for (i = 0; i < o->clients; i++) {
				sent += c[i].sent;
				if (c[i].fd >= 0 && !c[i].write_failed &&
				    (c[i].sent < len - 1 || unsent(c[i].fd)))
					held = true;
			}
			if (sent != held_sent) {
				held_sent = sent;
				held_since = now();
			} else if (now() - held_since > 2.0) {
				held = false;
			}
			if (held)
				limit = len - 1;
		}
		for (i = 0; i < o->clients; i++) {
			if (c[i].fd < 0)
				continue;
			fds[k].fd = c[i].fd;
			fds[k].events = POLLIN;
			if (!c[i].connected ||
			    (!c[i].write_failed && c[i].sent < limit))
				fds[k].events |= POLLOUT;
			fds[k].revents = 0;
			owner[k++] = i;
		}
		if (k == 0)
			break;
		if (now() >= deadline) {
			for (i = 0; i < o->clients; i++) {
				if (c[i].fd >= 0) {
					c[i].outcome = O_TIMEOUT;
					close_fd(&c[i].fd);
				}
			}
			break;
		}
		/* At the barrier, no event says when the queues are empty. */
		r = poll(fds, k, held ? 10 : wait_ms(deadline));
		if (r < 0 && errno != EINTR) {
			perror("hostile-client: poll");
			goto out;
		}
		for (size_t j = 0; r > 0 && j < k; j++)
			if (fds[j].revents)
				flood_event(&c[owner[j]], fds[j].revents, req,
					    limit);
	}
	for (i = 0; i < o->clients; i++)
		outcome_add(&out, c[i].outcome);
	printf("flood: clients=%ld bytes=%ld %s %s %s%s seconds=%.2f "
	       "outcomes:",
	       o->clients, o->bytes, o->method, o->path,
	       o->chunked ? "chunked" : "content-length",
	       o->barrier ? " barrier" : "", now() - t0);
	outcome_print(&out);
	printf("\n");
	rc = 0;
	for (i = 0; o->expect && i < out.n; i++) {
		char buf[16];

		if (!outcome_expected(o->expect, out.code[i])) {
			printf("hostile-client: FAIL: %ld ended %s, "
			       "expected only %s\n",
			       out.count[i],
			       outcome_name(out.code[i], buf, sizeof(buf)),
			       o->expect);
			rc = EXIT_CHECK;
		}
	}
	if (o->pid > 0) {
		print_memory(o->pid, &hwm);
		if (o->max_hwm_mb > 0 &&
		    (hwm < 0 || hwm > o->max_hwm_mb * 1024)) {
			printf("hostile-client: FAIL: server VmHWM %ld kB, at "
			       "most %ld MB expected\n",
			       hwm, o->max_hwm_mb);
			rc = EXIT_CHECK;
		}
	}
out:
	if (c)
		for (i = 0; i < o->clients; i++)
			close_fd(&c[i].fd);
	wipe_free(bearer, BEARER_MAX + 1);
	wipe_free(req, len);
	free(c);
	free(fds);
	free(owner);
	return rc;
}

/* --- load -------------------------------------------------------------- */

struct loader {
	int fd;
	bool connected, busy;
	size_t sent;
	double t_req;
	struct resp r;
};

struct samples {
	double *v;
	size_t n, cap;
};

static int sample_add(struct samples *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		double *nv;

		if (cap > 100000000)
			return -1;
		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The request ended with outcome (a status or O_*). */
static void load_done(struct loader *l, struct outcomes *out, int outcome,
		      bool keep)
{
	outcome_add(out, outcome);
	l->busy = false;
	l->sent = 0;
	resp_reset(&l->r);
	if (!keep)
		close_fd(&l->fd);
}

static int load_event(struct loader *l, short ev, const char *req, size_t len,
		      struct outcomes *out, struct samples *lat, double t)
{
	char buf[16384];
	ssize_t n, used;

	if (!l->connected && (ev & (POLLOUT | POLLERR | POLLHUP))) {
		if (tcp_connected(l->fd)) {
			load_done(l, out, O_CONNECT, false);
			return 0;
		}
		l->connected = true;
	}
	if (l->connected && l->busy && l->sent < len && (ev & POLLOUT)) {
		n = send(l->fd, req + l->sent, len - l->sent, MSG_NOSIGNAL);
		if (n > 0)
			l->sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			load_done(l, out, O_CLOSED, false);
			return 0;
		}
	}
	if (l->connected && (ev & (POLLIN | POLLERR | POLLHUP))) {
		n = recv(l->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n > 0 && l->busy) {
			used = resp_feed(&l->r, buf, (size_t)n, false);
			if (used < 0 || (used < n && !l->r.close)) {
				load_done(l, out, O_CLOSED, false);
				return 0;
			}
		}
		if (l->busy && (l->r.done || (n == 0 && l->r.head_done &&
					      l->r.body_left < 0))) {
			if (sample_add(lat, t - l->t_req))
				return -1;
			load_done(l, out, l->r.status, n > 0 && !l->r.close);
			return 0;
		}
		if (n <= 0) {
			/* A keep-alive connection closed by the server while
			 * idle is reopened; within a request it counts. */
			if (l->busy)
				load_done(l, out, O_CLOSED, false);
			else
				close_fd(&l->fd);
		}
	}
	return 0;
}

static int cmd_load(const struct opts *o)
{
	struct loader *c = NULL;
	struct pollfd *fds = NULL;
	long *owner = NULL;
	char *bearer = NULL, *req = NULL;
	size_t len = 0, cap = 0;
	struct outcomes out;
	struct samples lat = {NULL, 0, 0};
	double t0, t, end;
	long i, issued = 0, ok = 0, total = 0;
	int rc = EXIT_SETUP, n;

	memset(&out, 0, sizeof(out));
	bearer = read_bearer(o->bearer_file);
	if (!bearer)
		goto out;
	cap = strlen(o->path) + strlen(bearer) + 256;
	req = malloc(cap);
	c = calloc((size_t)o->clients, sizeof(*c));
	fds = calloc((size_t)o->clients, sizeof(*fds));
	owner = calloc((size_t)o->clients, sizeof(*owner));
	if (!req || !c || !fds || !owner || raise_nofile(o->clients))
		goto out;
	n = snprintf(req, cap,
		     "GET %s HTTP/1.1\r\nHost: %s:%ld\r\n"
		     "Authorization: Bearer %s\r\n\r\n",
		     o->path, inet_ntoa(target.sin_addr), o->port, bearer);
	if (n < 0 || (size_t)n >= cap)
		goto out;
	len = (size_t)n;
	for (i = 0; i < o->clients; i++)
		c[i].fd = -1;
	t0 = now();
	end = t0 + (double)o->duration_s;
	for (;;) {
		double wake = end;
		size_t k = 0;
		int r;

		t = now();
		for (i = 0; i < o->clients; i++) {
			struct loader *l = &c[i];

			if (l->busy &&
			    t - l->t_req >= (double)o->timeout_ms / 1000.0)
				load_done(l, &out, O_TIMEOUT, false);
			if (!l->busy && t < end &&
			    (o->requests <= 0 || issued < o->requests)) {
				if (l->fd < 0) {
					l->fd = tcp_open(0);
					l->connected = false;
					if (l->fd < 0) {
						outcome_add(&out, O_CONNECT);
						continue;
					}
				}
				l->busy = true;
				l->sent = 0;
				l->t_req = t;
				resp_reset(&l->r);
				issued++;
			}
			if (l->fd < 0)
				continue;
			fds[k].fd = l->fd;
			fds[k].events = POLLIN;
			if (!l->connected || (l->busy && l->sent < len))
				fds[k].events |= POLLOUT;
			fds[k].revents = 0;
			owner[k++] = i;
			if (l->busy &&
			    l->t_req + (double)o->timeout_ms / 1000.0 < wake)
				wake =
				    l->t_req + (double)o->timeout_ms / 1000.0;
		}
		{
			bool busy = false;

			for (i = 0; i < o->clients; i++)
				busy = busy || c[i].busy;
			if (!busy && (t >= end || (o->requests > 0 &&
						   issued >= o->requests)))
				break;
		}
		r = poll(fds, k, wait_ms(wake));
		if (r < 0 && errno != EINTR) {
			perror("hostile-client: poll");
			goto out;
		}
		t = now();
		for (size_t j = 0; r > 0 && j < k; j++) {
			if (!fds[j].revents)
				continue;
			if (load_event(&c[owner[j]], fds[j].revents, req, len,
				       &out, &lat, t))
				goto out;
		}
	}
	for (i = 0; i < out.n; i++) {
		total += out.count[i];
		if (out.code[i] == 200)
			ok = out.count[i];
	}
	qsort(lat.v, lat.n, sizeof(double), cmp_double);
	{
		double secs = now() - t0;

		printf("load: clients=%ld GET %s seconds=%.2f requests=%ld "
		       "rps=%.0f",
		       o->clients, o->path, secs, total,
		       secs > 0 ? (double)lat.n / secs : 0.0);
		if (lat.n)
			printf(" p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
			       lat.v[(lat.n - 1) / 2] * 1000.0,
			       lat.v[(size_t)((double)(lat.n - 1) * 0.99)] *
				   1000.0,
			       lat.v[lat.n - 1] * 1000.0);
		else
			printf(" p50_ms=- p99_ms=- max_ms=-");
		printf(" outcomes:");
		outcome_print(&out);
		printf("\n");
	}
	rc = 0;
	if (total == 0 || ok != total) {
		printf("hostile-client: FAIL: %ld of %ld requests not "
		       "answered 200\n",
		       total - ok, total);
		rc = EXIT_CHECK;
	}
out:
	if (c)
		for (i = 0; i < o->clients; i++)
			close_fd(&c[i].fd);
	wipe_free(bearer, BEARER_MAX + 1);
	wipe_free(req, cap);
	free(lat.v);
	free(c);
	free(fds);
	free(owner);
	return rc;
}

/* --- main ------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: hostile-client slow|probe|flood|load --port PORT "
		"[options]\n"
		"  slow  [--count N] [--from IP --to IP] [--interval MS] "
		"[--duration S]\n"
		"        [--trickle headers|body|both] [--probe-interval MS] "
		"[--probe-timeout MS]\n"
		"        [--max-open N] [--all-cut]\n"
		"  probe [--interval MS] [--duration S] [--timeout MS]\n"
		"  flood --path PATH [--method M] [--clients C] [--bytes B] "
		"[--chunked] [--no-body]\n"
		"        [--barrier] [--bearer-file F] [--expect LIST] "
		"[--timeout MS]\n"
		"        [--pid PID] [--max-hwm-mb MB]\n"
		"  load  --path PATH --bearer-file F [--clients C] "
		"[--duration S]\n"
		"        [--requests N] [--timeout MS]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"host", required_argument, NULL, 'H'},
	    {"port", required_argument, NULL, 'p'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"count", required_argument, NULL, 'n'},
	    {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"trickle", required_argument, NULL, 'k'},
	    {"probe-interval", required_argument, NULL, 'I'},
	    {"probe-timeout", required_argument, NULL, 'T'},
	    {"max-open", required_argument, NULL, 'o'},
	    {"all-cut", no_argument, NULL, 'a'},
	    {"path", required_argument, NULL, 'P'},
	    {"method", required_argument, NULL, 'm'},
	    {"clients", required_argument, NULL, 'c'},
	    {"bytes", required_argument, NULL, 'b'},
	    {"chunked", no_argument, NULL, 'C'},
	    {"barrier", no_argument, NULL, 'R'},
	    {"no-body", no_argument, NULL, 'N'},
	    {"bearer-file", required_argument, NULL, 'B'},
	    {"expect", required_argument, NULL, 'e'},
	    {"timeout", required_argument, NULL, 'x'},
	    {"pid", required_argument, NULL, 'D'},
	    {"max-hwm-mb", required_argument, NULL, 'M'},
	    {"requests", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {
	    .host = "127.0.0.1",
	    .port = -1,
	    .from = "127.0.0.2",
	    .to = "127.0.0.250",
	    .count = 1000,
	    .interval_ms = 500,
	    .duration_s = 10,
	    .trickle = "headers",
	    .probe_interval_ms = 0,
	    .probe_timeout_ms = 10000,
	    .max_open = -1,
	    .method = "POST",
	    .clients = 64,
	    .bytes = 2 * 1024 * 1024,
	    .timeout_ms = 10000,
	    .max_hwm_mb = 0,
	};
	const char *cmd;
	int ch, bad = 0;

	if (argc < 2) {
		usage();
		return EXIT_USAGE;
	}
	cmd = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o.host = optarg;
			break;
		case 'p':
			bad |= parse_num(optarg, 1, 65535, &o.port);
			break;
		case 'f':
			o.from = optarg;
			break;
		case 't':
			o.to = optarg;
			break;
		case 'n':
			bad |= parse_num(optarg, 1, MAX_CONNS, &o.count);
			break;
		case 'i':
			bad |= parse_num(optarg, 1, 3600000, &o.interval_ms);
			break;
		case 'd':
			bad |= parse_num(optarg, 0, 3600, &o.duration_s);
			break;
		case 'k':
			o.trickle = optarg;
			break;
		case 'I':
			bad |= parse_num(optarg, 10, 3600000,
					 &o.probe_interval_ms);
			break;
		case 'T':
			bad |=
			    parse_num(optarg, 1, 3600000, &o.probe_timeout_ms);
			break;
		case 'o':
			bad |= parse_num(optarg, 0, MAX_CONNS, &o.max_open);
			break;
		case 'a':
			o.all_cut = true;
			break;
		case 'P':
			o.path = optarg;
			break;
		case 'm':
			o.method = optarg;
			break;
		case 'c':
			bad |= parse_num(optarg, 1, MAX_CONNS, &o.clients);
			break;
		case 'b':
			bad |= parse_num(optarg, 32, 1L << 30, &o.bytes);
			break;
		case 'C':
			o.chunked = true;
			break;
		case 'R':
			o.barrier = true;
			break;
		case 'N':
			o.no_body = true;
			break;
		case 'B':
			o.bearer_file = optarg;
			break;
		case 'e':
			o.expect = optarg;
			break;
		case 'x':
			bad |= parse_num(optarg, 1, 3600000, &o.timeout_ms);
			break;
		case 'D':
			bad |= parse_num(optarg, 1, 1L << 30, &o.pid);
			break;
		case 'M':
			bad |= parse_num(optarg, 1, 1L << 20, &o.max_hwm_mb);
			break;
		case 'r':
			bad |= parse_num(optarg, 1, 1L << 30, &o.requests);
			break;
		default:
			bad = 1;
		}
	}
	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	if (o.port > 0)
		target.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.host, &target.sin_addr) != 1)
		bad = 1;
	if (bad || optind != argc || o.port < 0 ||
	    ((strcmp(cmd, "flood") == 0 || strcmp(cmd, "load") == 0) &&
	     !o.path) ||
	    (strcmp(cmd, "load") == 0 && !o.bearer_file) ||
	    (strcmp(o.trickle, "headers") != 0 &&
	     strcmp(o.trickle, "body") != 0 &&
	     strcmp(o.trickle, "both") != 0)) {
		usage();
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "slow") == 0)
		return cmd_slow(&o);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(&o);
	if (strcmp(cmd, "flood") == 0)
		return cmd_flood(&o);
	if (strcmp(cmd, "load") == 0)
		return cmd_load(&o);
	usage();
	return EXIT_USAGE;
}
