/* conntrack.h - what the event loop cannot do by itself: a total deadline
 * for receiving each request, and timed wake-ups of suspended requests.
 *
 * libmicrohttpd's own timeout is an inactivity timeout, which one byte
 * every few seconds resets forever.  Here every connection is known from
 * accept to close; while it is receiving a request (from accept, or from the
 * end of the previous response on a kept-alive connection, until the whole
 * body is in) it must finish before the deadline, or one thread shuts its
 * socket down and the event loop closes it.  The same thread resumes
 * requests suspended for a while (injected delays), so a sleeping request
 * never holds a worker thread. */
#ifndef OC_VAULTD_CONNTRACK_H
#define OC_VAULTD_CONNTRACK_H

#include <stdint.h>

struct MHD_Connection;
struct oc_conntrack;
struct oc_conn;

/* Starts the deadline thread; request_timeout in seconds (> 0). */
int oc_conntrack_new(unsigned request_timeout, struct oc_conntrack **out);
/* Resumes every sleeping request now and stops the thread; later sleeps
 * return at once.  Call before stopping the daemon. */
void oc_conntrack_quiesce(struct oc_conntrack *t);
/* After the daemon has stopped (closes notify the tracker until then). */
void oc_conntrack_free(struct oc_conntrack *t);

/* MHD_OPTION_NOTIFY_CONNECTION glue: *ctx is the connection's socket
 * context. */
void oc_conntrack_opened(struct oc_conntrack *t, struct MHD_Connection *c,
			 void **ctx);
void oc_conntrack_closed(struct oc_conntrack *t, void **ctx);

/* The connection's entry (from its socket context), or NULL. */
struct oc_conn *oc_conntrack_of(struct MHD_Connection *c);
/* The whole request is in: no deadline while it is handled. */
void oc_conntrack_received(struct oc_conntrack *t, struct oc_conn *e);
/* The response is done: the next request's deadline starts now. */
void oc_conntrack_answered(struct oc_conntrack *t, struct oc_conn *e);
/* Suspends c (from inside the access handler) and resumes it after ms
 * (at once when quiescing: OC_ERR_STATE); the handler is then called
 * again.  OC_ERR_ARGS when e is NULL: the caller sleeps inline instead. */
int oc_conntrack_sleep(struct oc_conntrack *t, struct oc_conn *e,
		       struct MHD_Connection *c, unsigned ms);

#endif
