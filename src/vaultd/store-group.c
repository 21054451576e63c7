/* store-group.c - group commit: concurrent writers share one transaction
 * and so one fsync.
 *
 * The first writer to find no group open begins one and leads it; writers
 * arriving while it is open join it.  Each joins under a savepoint of its
 * own, so a write that fails (a constraint, a changed vault) is undone
 * alone and answered at once, without touching the others.  The leader
 * waits for the writers already on their way (counted before they queue
 * on the lock), then commits once for all and tells every member the
 * result: a failed commit fails the whole group, and nobody is answered
 * before the commit returned.  Readers and other writers wait for an open
 * group to close (oc_sdb_lock), so nothing uncommitted is ever shown. */
#include "config.h"

#include "store-db.h"

#include <errno.h>
#include <time.h>

/* Bounds on how long a group stays open for more writers to join. */
#define GROUP_MAX_MEMBERS  256
#define GROUP_JOIN_WAIT_US 2000

/* A member waiting for its group's commit (on its own stack). */
struct group_member {
	int rc;
	bool done;
	struct group_member *next;
};

int oc_sdb_group_init(struct oc_sdb_group *g)
{
	pthread_condattr_t attr;
	bool ok;

	memset(g, 0, sizeof(*g));
	atomic_init(&g->arriving, 0);
	g->join_wait_us = GROUP_JOIN_WAIT_US;
	if (pthread_cond_init(&g->closed, NULL) != 0)
		return OC_ERR_NOMEM;
	/* The join wait is timed on the monotonic clock: a wall clock set
	 * back must not stretch it. */
	if (pthread_condattr_init(&attr) != 0)
		goto fail;
	ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&g->joined, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (ok)
		return OC_OK;
fail:
	pthread_cond_destroy(&g->closed);
	return OC_ERR_NOMEM;
}

void oc_sdb_group_destroy(struct oc_sdb_group *g)
{
	pthread_cond_destroy(&g->closed);
	pthread_cond_destroy(&g->joined);
}

void oc_sdb_group_wait_closed(struct oc_store *st)
{
	while (st->group.open)
		pthread_cond_wait(&st->group.closed, &st->lock);
}

/* Runs fn under a savepoint of its own in the open group transaction.
 * A savepoint that cannot be undone leaves the transaction in doubt: the
 * whole group is then rolled back. */
static int run_member(struct oc_store *st, oc_sdb_group_fn fn, void *ctx)
{
	int rc;

	/* Outside the transaction a savepoint would begin one of its own. */
	if (st->group.broken || sqlite3_get_autocommit(st->db))
		return OC_ERR_IO;
	rc = oc_sdb_exec(st, "SAVEPOINT member");
	if (rc)
		return rc;
	rc = fn(st, ctx);
	if (sqlite3_get_autocommit(st->db)) {
		/* SQLite gave up the transaction itself (an I/O error). */
		st->group.broken = true;
		return rc ? rc : OC_ERR_IO;
	}
	if (rc && oc_sdb_exec(st, "ROLLBACK TO member"))
		st->group.broken = true;
	if (oc_sdb_exec(st, "RELEASE member"))
		st->group.broken = true;
	return rc;
}

/* The leader's wait for the writers already queued on the lock, bounded
 * in members and time so that readers are not held off for long. */
static void wait_for_joiners(struct oc_store *st)
{
	struct oc_sdb_group *g = &st->group;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += g->join_wait_us / 1000000L;
	until.tv_nsec += (g->join_wait_us % 1000000L) * 1000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (atomic_load(&g->arriving) > 0 && g->size < GROUP_MAX_MEMBERS &&
	       !g->broken) {
		if (pthread_cond_timedwait(&g->joined, &st->lock, &until) ==
		    ETIMEDOUT)
			break;
	}
}

/* Commits the group and answers every member. */
static int close_group(struct oc_store *st)
{
	struct oc_sdb_group *g = &st->group;
	struct group_member *m;
	int rc;

	rc = oc_sdb_end_txn(st, g->broken ? OC_ERR_IO : OC_OK);
	for (m = g->members; m; m = m->next) {
		m->rc = rc;
		m->done = true;
	}
	g->members = NULL;
	g->size = 0;
	g->broken = false;
	g->open = false;
	pthread_cond_broadcast(&g->closed);
	return rc;
}

int oc_sdb_group_write(struct oc_store *st, oc_sdb_group_fn fn, void *ctx)
{
	struct oc_sdb_group *g = &st->group;
	struct group_member me = {0};
	bool leader = false;
	int rc;

	atomic_fetch_add(&g->arriving, 1);
	pthread_mutex_lock(&st->lock);
	if (!g->open) {
		rc = oc_sdb_begin(st);
		if (rc) {
			atomic_fetch_sub(&g->arriving, 1);
			pthread_mutex_unlock(&st->lock);
			return rc;
		}
		g->open = true;
		leader = true;
	}
	rc = run_member(st, fn, ctx);
	if (!rc) {
		me.next = g->members;
		g->members = &me;
		g->size++;
	}
	atomic_fetch_sub(&g->arriving, 1);
	pthread_cond_signal(&g->joined);
	if (leader) {
		wait_for_joiners(st);
		close_group(st);
	} else {
		while (!rc && !me.done)
			pthread_cond_wait(&g->closed, &st->lock);
	}
	pthread_mutex_unlock(&st->lock);
	return rc ? rc : me.rc;
}
