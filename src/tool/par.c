/* par.c - a small fixed pool of worker threads over an index range. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "par.h"

#include "err.h"
#include "main.h"

struct par {
	pthread_mutex_t lock;
	size_t next;
	size_t n;
	bool stop;
	oc_par_fn fn;
	void *ctx;
};

struct worker {
	struct par *p;
	struct oc_api *a;
	pthread_t th;
};

bool oc_par_fatal(int rc)
{
	return rc == OC_ERR_NET || rc == OC_ERR_UNAUTHORIZED ||
	       rc == OC_ERR_FORBIDDEN || rc == OC_ERR_NOMEM ||
	       rc == OC_ERR_RATE_LIMITED;
}

/* The next item index, or n when done or stopping. */
static size_t take(struct par *p)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	if (oc_tool_interrupted)
		p->stop = true;
	i = p->stop ? p->n : p->next;
	if (i < p->n)
		p->next++;
	pthread_mutex_unlock(&p->lock);
	return i;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct par *p = w->p;
	size_t i;

	while ((i = take(p)) < p->n) {
		if (p->fn(p->ctx, w->a, i) != 0) {
			pthread_mutex_lock(&p->lock);
			p->stop = true;
			pthread_mutex_unlock(&p->lock);
		}
	}
	return NULL;
}

int oc_par_run(struct oc_tool *t, size_t n, unsigned jobs, oc_par_fn fn,
	       void *ctx)
{
	struct worker w[OC_PAR_MAX_JOBS];
	struct par p;
	unsigned i, started = 0;

	if (jobs < 1)
		jobs = 1;
	if (jobs > OC_PAR_MAX_JOBS)
		jobs = OC_PAR_MAX_JOBS;
	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	memset(w, 0, sizeof(w));
	p.next = 0;
	p.n = n;
	p.stop = false;
	p.fn = fn;
	p.ctx = ctx;
	pthread_mutex_init(&p.lock, NULL);
	for (i = 0; i < jobs; i++) {
		w[i].p = &p;
		if (i == 0)
			w[i].a = t->api;
		else if (oc_api_new(&t->conf, &w[i].a) != 0)
			break; /* fewer workers, same work */
		else if (oc_tool_dpop(t, w[i].a) != 0) {
			oc_api_free(w[i].a); /* cannot fail: opened before */
			w[i].a = NULL;
			break;
		}
	}
	jobs = i;
	if (jobs == 1) {
		work(&w[0]);
	} else {
		for (i = 0; i < jobs; i++) {
			if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0)
				break;
			started++;
		}
		/* With no thread at all, do the work here. */
		if (started == 0)
			work(&w[0]);
		for (i = 0; i < started; i++)
			pthread_join(w[i].th, NULL);
	}
	for (i = 1; i < OC_PAR_MAX_JOBS; i++)
		oc_api_free(w[i].a);
	pthread_mutex_destroy(&p.lock);
	return p.stop || p.next < p.n ? 1 : 0;
}
