/* progress.h - progress of a long operation on stderr: a redrawn bar on a
 * terminal, plain "<verb> N/M" lines otherwise (logs, CI), nothing when
 * quiet.  Thread-safe. */
#ifndef OC_TOOL_PROGRESS_H
#define OC_TOOL_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct oc_progress {
	pthread_mutex_t lock;
	const char *verb; /* "rotated", "verified", ... */
	int64_t total;
	int64_t done;
	int64_t last_line; /* last count printed as a line */
	double start;
	double last_draw;
	bool tty;
	bool quiet;
	bool drawn; /* a bar is on screen (needs a newline) */
};

void oc_progress_start(struct oc_progress *p, const char *verb, int64_t total,
		       bool quiet);
/* Adds n to the count. */
void oc_progress_add(struct oc_progress *p, int64_t n);
/* Sets the count (server jobs report absolute numbers). */
void oc_progress_set(struct oc_progress *p, int64_t done, int64_t total);
/* Draws the final state and ends the line; frees the lock. */
void oc_progress_end(struct oc_progress *p);

#endif
