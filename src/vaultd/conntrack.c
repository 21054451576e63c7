/* conntrack.c - request deadlines and timed resumes, one thread. */
#include "config.h"

#include "conntrack.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "err.h"
#include "log.h"

/* Resumes are made without the lock held, a batch at a time. */
#define WAKE_BATCH 64
/* The thread looks again at least this often (ms). */
#define IDLE_WAIT 1000

struct oc_conn {
	struct oc_conn *prev, *next;
	struct MHD_Connection *conn;
	int fd;
	int64_t since; /* receiving since (ms); -1 while handled */
	int64_t wake;  /* suspended until (ms); 0 when not */
	bool cut;      /* already shut down */
};

struct oc_conntrack {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started;
	bool quiescing;
	int64_t timeout;
	struct oc_conn *head;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under the lock: shuts down connections past their deadline, takes up to
 * WAKE_BATCH due sleepers into wake[], and returns when to look again. */
static int64_t sweep(struct oc_conntrack *t, int64_t now,
		     struct MHD_Connection **wake, size_t *n_wake)
{
	int64_t next = now + IDLE_WAIT;
	size_t cut = 0;
	struct oc_conn *e;

	*n_wake = 0;
	for (e = t->head; e; e = e->next) {
		if (e->wake) {
			if (e->wake > now) {
				next = e->wake < next ? e->wake : next;
			} else if (*n_wake < WAKE_BATCH) {
				wake[(*n_wake)++] = e->conn;
				e->wake = 0;
			} else {
				next = now;
			}
			continue;
		}
		if (e->since < 0 || e->cut)
			continue;
		if (e->since + t->timeout <= now) {
			/* The event loop sees the end of the stream and
			 * closes the connection itself. */
			shutdown(e->fd, SHUT_RDWR);
			e->cut = true;
			cut++;
		} else if (e->since + t->timeout < next) {
			next = e->since + t->timeout;
		}
	}
	if (cut)
		oc_debug(OC_LOG_SERVER,
			 "closed %zu connection(s) that did not send a whole "
			 "request within %lld s",
			 cut, (long long)(t->timeout / 1000));
	return next;
}

static void resume_all(struct MHD_Connection **wake, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		MHD_resume_connection(wake[i]);
}

static void *run(void *arg)
{
	struct oc_conntrack *t = arg;
	struct MHD_Connection *wake[WAKE_BATCH];
	size_t n_wake;
	int64_t next;

	pthread_mutex_lock(&t->lock);
	while (!t->quiescing) {
		next = sweep(t, now_ms(), wake, &n_wake);
		if (n_wake) {
			pthread_mutex_unlock(&t->lock);
			resume_all(wake, n_wake);
			pthread_mutex_lock(&t->lock);
			continue;
		}
		if (next > now_ms()) {
			struct timespec ts = {(time_t)(next / 1000),
					      (long)(next % 1000) * 1000000L};

			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int oc_conntrack_new(unsigned request_timeout, struct oc_conntrack **out)
{
	struct oc_conntrack *t;
	pthread_condattr_t ca;

	if (request_timeout == 0)
		return OC_ERR_ARGS;
	t = calloc(1, sizeof(*t));
	if (!t)
		return OC_ERR_NOMEM;
	t->timeout = (int64_t)request_timeout * 1000;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		oc_conntrack_free(t);
		return OC_ERR_NOMEM;
	}
	t->started = true;
	*out = t;
	return OC_OK;
}

void oc_conntrack_quiesce(struct oc_conntrack *t)
{
	struct MHD_Connection *wake[WAKE_BATCH];
	size_t n;
	struct oc_conn *e;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->quiescing = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (t->started)
		pthread_join(t->thread, NULL);
	t->started = false;
	do {
		n = 0;
		pthread_mutex_lock(&t->lock);
		for (e = t->head; e && n < WAKE_BATCH; e = e->next) {
			if (e->wake) {
				wake[n++] = e->conn;
				e->wake = 0;
			}
		}
		pthread_mutex_unlock(&t->lock);
		resume_all(wake, n);
	} while (n == WAKE_BATCH);
}

void oc_conntrack_free(struct oc_conntrack *t)
{
	struct oc_conn *e, *next;

	if (!t)
		return;
	oc_conntrack_quiesce(t);
	for (e = t->head; e; e = next) {
		next = e->next;
		free(e);
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void oc_conntrack_opened(struct oc_conntrack *t, struct MHD_Connection *c,
			 void **ctx)
{
	const union MHD_ConnectionInfo *fd;
	struct oc_conn *e;

	*ctx = NULL;
	fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	e = calloc(1, sizeof(*e));
	if (!e || !fd) {
		/* Served without a deadline rather than not at all. */
		free(e);
		return;
	}
	e->conn = c;
	e->fd = fd->connect_fd;
	e->since = now_ms();
	pthread_mutex_lock(&t->lock);
	e->next = t->head;
	if (t->head)
		t->head->prev = e;
	t->head = e;
	pthread_mutex_unlock(&t->lock);
	*ctx = e;
}

void oc_conntrack_closed(struct oc_conntrack *t, void **ctx)
{
	struct oc_conn *e = *ctx;

	if (!e)
		return;
	pthread_mutex_lock(&t->lock);
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&t->lock);
	free(e);
	*ctx = NULL;
}

struct oc_conn *oc_conntrack_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

void oc_conntrack_received(struct oc_conntrack *t, struct oc_conn *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&t->lock);
	e->since = -1;
	pthread_mutex_unlock(&t->lock);
}

void oc_conntrack_answered(struct oc_conntrack *t, struct oc_conn *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&t->lock);
	e->since = now_ms();
	e->cut = false;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

int oc_conntrack_sleep(struct oc_conntrack *t, struct oc_conn *e,
		       struct MHD_Connection *c, unsigned ms)
{
	bool now;

	if (!e)
		return OC_ERR_ARGS;
	/* Suspended first (the thread may resume it at once), and never
	 * under the lock: the library takes its own. */
	MHD_suspend_connection(c);
	pthread_mutex_lock(&t->lock);
	now = t->quiescing;
	if (!now) {
		e->wake = now_ms() + (ms ? ms : 1);
		pthread_cond_signal(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	if (now)
		MHD_resume_connection(c);
	return now ? OC_ERR_STATE : OC_OK;
}
