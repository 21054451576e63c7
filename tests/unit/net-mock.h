/* net-mock.h - a tiny loopback HTTP/1.1 server for the http and api unit
 * tests.  It runs in threads of the test process (one per connection),
 * records every request, and answers through a handler the test supplies,
 * which can also misbehave on purpose: delay, close without answering,
 * reset, truncate the body, or send it chunked. */
#ifndef OC_NET_MOCK_H
#define OC_NET_MOCK_H

#include <stdbool.h>
#include <stddef.h>

#define MOCK_MAX_TARGET 4096
#define MOCK_MAX_REQS	4096

struct mock_req {
	char method[16];
	char target[MOCK_MAX_TARGET]; /* path and query as sent */
	char *headers;		      /* raw header lines, NUL-terminated */
	char *body;		      /* NUL-terminated */
	size_t body_len;
	int conn; /* connection number, from 1 */
};

enum mock_action {
	MOCK_NORMAL = 0,
	MOCK_CLOSE,    /* close the connection after answering */
	MOCK_NOREPLY,  /* close at once without an answer */
	MOCK_RESET,    /* RST without an answer */
	MOCK_TRUNCATE, /* announce more body than sent, then close */
	MOCK_CHUNKED,  /* body with Transfer-Encoding: chunked */
};

struct mock_reply {
	int status;
	char headers[2048]; /* extra "Name: value\r\n" lines */
	char *body;	    /* heap, freed by the server */
	size_t body_len;
	enum mock_action action;
	unsigned delay_ms; /* before answering */
};

struct mock;
typedef void (*mock_handler)(struct mock *m, const struct mock_req *rq,
			     struct mock_reply *rp, void *ctx);

/* Starts listening on 127.0.0.1 (a free port).  A NULL handler answers
 * from the script (mock_push), then 200 {} once it is empty. */
struct mock *mock_start(mock_handler h, void *ctx);
void mock_stop(struct mock *m);
int mock_port(const struct mock *m);
/* "http://127.0.0.1:PORT" */
const char *mock_url(const struct mock *m);

/* Queues a canned reply for the script handler. */
void mock_push(struct mock *m, int status, const char *headers,
	       const char *body, enum mock_action action, unsigned delay_ms);
void mock_reply_set(struct mock_reply *rp, int status, const char *headers,
		    const char *body);

/* Requests seen so far, and connections accepted. */
int mock_nreq(struct mock *m);
int mock_nconn(struct mock *m);
/* A copy of request i (free with mock_req_free); false if out of range. */
bool mock_req_get(struct mock *m, int i, struct mock_req *out);
void mock_req_free(struct mock_req *r);
/* The value of a request header (case-insensitive name) into buf. */
bool mock_req_header(const struct mock_req *r, const char *name, char *buf,
		     size_t len);
void mock_reset_counts(struct mock *m);

/* A port where nothing listens (connect is refused). */
int mock_closed_port(void);

#endif
