/* http.h - the one owner of libcurl.
 *
 * A client keeps connections alive and reuses them across calls and threads
 * (a pool of easy handles, each keeping its own connection alive; only
 * the DNS cache is shared, since libcurl does not support sharing
 * connections between threads).  TLS verification
 * is always on; plain http:// only to loopback.  Bounded: connect and total
 * timeouts, a response size cap, a retry budget.  Idempotent requests are
 * retried with backoff on connection errors and 5xx; any request on 429
 * waits Retry-After (capped by the remaining budget).  Debug output goes
 * through a redacting callback (Authorization, x-cmek-* and bodies are
 * never printed; only sizes). */
#ifndef OC_HTTP_H
#define OC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define OC_HTTP_MAX_RESPONSE_DEFAULT (64u * 1024 * 1024)

struct oc_http_opts {
	const char *base_url;	/* e.g. https://api.1claw.xyz (no trailing /) */
	const char *ca_file;	/* may be NULL */
	const char *ca_path;	/* may be NULL */
	const char *runtime_id; /* sent as X-1Claw-Runtime-Id; may be NULL */
	unsigned connect_timeout_ms;
	unsigned timeout_ms; /* whole request, per try */
	unsigned retries;    /* extra tries after the first */
	size_t max_response; /* 0: OC_HTTP_MAX_RESPONSE_DEFAULT */
};

struct oc_http_header {
	const char *name;
	const char *value; /* secret headers are wiped by the caller */
};

/* Where a large success body goes as it arrives, instead of rs->body: the
 * sink bounds what it keeps, so the response size cap does not apply.
 * restart (may be NULL) is called before every try, so that a retried
 * request starts the sink afresh.  write returns OC_OK, or an OC_ERR_*
 * that aborts the transfer and becomes oc_http_do's result. */
struct oc_http_sink {
	int (*write)(void *ctx, const char *p, size_t n);
	void (*restart)(void *ctx);
	void *ctx;
};

/* A header made afresh for every try (a DPoP proof: each try needs its
 * own).  make gets the method and the full URL as sent and returns the
 * value in *value (heap; wiped and freed by http).  Its failure fails the
 * request: nothing is sent without the header. */
struct oc_http_fresh_header {
	const char *name;
	int (*make)(void *ctx, const char *method, const char *url,
		    char **value);
	void *ctx;
};

struct oc_http_req {
	const char *method; /* GET PUT POST DELETE */
	const char *path;   /* already encoded, starts with '/' */
	const char *bearer; /* Authorization: Bearer ...; may be NULL */
	const struct oc_http_header *headers;
	size_t n_headers;
	const void *body; /* JSON; Content-Type: application/json */
	size_t body_len;
	bool idempotent; /* GET/PUT/DELETE: retried on 5xx/errors */
	/* On a new connection: libcurl sends a request again, whatever its
	 * method, when a reused connection dies before an answer, and the
	 * server may have acted on the first (a key made once). */
	bool fresh_connection;
	const struct oc_http_sink *sink; /* a 2xx body's reader, or NULL */
	const struct oc_http_fresh_header *fresh; /* or NULL */
};

struct oc_http_resp {
	long status;
	struct oc_buf body; /* secret buffer; bounded by max_response */
	char *location;	    /* Location header, or NULL */
	long retry_after_s; /* -1 when absent */
};

struct oc_http;

/* Global libcurl init happens once via pthread_once. */
int oc_http_new(const struct oc_http_opts *o, struct oc_http **out);
void oc_http_free(struct oc_http *h);
/* After fork in the child: drop every handle without closing the parent's
 * sockets or sending anything; frees what it can. */
void oc_http_abandon(struct oc_http *h);
/* Thread-safe.  Returns OC_OK with rs->status set for any HTTP answer
 * (including 4xx/5xx after retries), OC_ERR_NET for transport failures
 * (after retries), OC_ERR_TOO_LARGE past max_response.  rs must be freed
 * with oc_http_resp_free in every case. */
int oc_http_do(struct oc_http *h, const struct oc_http_req *rq,
	       struct oc_http_resp *rs);
void oc_http_resp_free(struct oc_http_resp *rs);
/* Why this thread's last oc_http_do got no HTTP answer: "BASE_URL: curl's
 * message" (never a header or a body); "" after an answer. */
const char *oc_http_last_failure(void);

/* Counters for tests and benchmarks. */
struct oc_http_stats {
	unsigned long requests;	   /* tries sent */
	unsigned long connections; /* TCP connections opened */
};
void oc_http_stats(const struct oc_http *h, struct oc_http_stats *out);

/* Copies s[0..n) into dst, cut to dsz - 1 bytes and NUL-terminated, with
 * anything but printable ASCII as '?': text off the wire made fit for a
 * log line or an error message. */
void oc_http_printable(char *dst, size_t dsz, const char *s, size_t n);

/* Percent-encodes a secret path: literal '/', and everything outside
 * [A-Za-z0-9._~/-] as %XX.  Appends to out. */
int oc_http_path_escape(struct oc_buf *out, const char *path);

#endif
