/* progress.c - a progress bar on a terminal, plain lines otherwise. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#include "main.h"

#define BAR_WIDTH 30
/* Redraw a bar at most this often (seconds). */
#define DRAW_INTERVAL 0.1
/* Plain lines: one per tenth of the work, and at least every 2 s. */
#define LINE_INTERVAL 2.0

static void draw_locked(struct oc_progress *p, bool final)
{
	double now = oc_tool_now(), el = now - p->start, rate;
	char bar[BAR_WIDTH + 1];
	int64_t step;
	int pct, fill, i;

	if (p->quiet)
		return;
	rate = el > 0 ? (double)p->done / el : 0;
	pct = p->total > 0 ? (int)(p->done * 100 / p->total) : 100;
	if (pct > 100)
		pct = 100;
	if (p->tty) {
		if (!final && now - p->last_draw < DRAW_INTERVAL)
			return;
		fill = pct * BAR_WIDTH / 100;
		for (i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		fprintf(stderr, "\r[%s] %3d%% %s %lld/%lld  %.0f/s ", bar, pct,
			p->verb, (long long)p->done, (long long)p->total, rate);
		p->drawn = true;
		if (final) {
			fputc('\n', stderr);
			p->drawn = false;
		}
		fflush(stderr);
		p->last_draw = now;
		return;
	}
	step = p->total / 10;
	if (step < 1)
		step = 1;
	if (p->done == p->last_line && !(final && p->last_line < 0))
		return;
	if (final || p->done - p->last_line >= step ||
	    now - p->last_draw >= LINE_INTERVAL) {
		fprintf(stderr, "%s %lld/%lld\n", p->verb, (long long)p->done,
			(long long)p->total);
		p->last_line = p->done;
		p->last_draw = now;
	}
}

void oc_progress_start(struct oc_progress *p, const char *verb, int64_t total,
		       bool quiet)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->verb = verb;
	p->total = total;
	p->quiet = quiet;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->start = oc_tool_now();
	p->last_draw = p->start;
	p->last_line = -1;
}

void oc_progress_add(struct oc_progress *p, int64_t n)
{
	pthread_mutex_lock(&p->lock);
	p->done += n;
	draw_locked(p, false);
	pthread_mutex_unlock(&p->lock);
}

void oc_progress_set(struct oc_progress *p, int64_t done, int64_t total)
{
	pthread_mutex_lock(&p->lock);
	p->done = done;
	if (total >= 0)
		p->total = total;
	draw_locked(p, false);
	pthread_mutex_unlock(&p->lock);
}

void oc_progress_end(struct oc_progress *p)
{
	pthread_mutex_lock(&p->lock);
	draw_locked(p, true);
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_destroy(&p->lock);
}
