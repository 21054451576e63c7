/* par.h - runs a function over n items on a few threads.
 *
 * The API client is thread-safe and keeps connections alive, so bulk
 * commands (rotation, verification, import, export) overlap their
 * requests.  Items are handed out in order; a worker stops taking new
 * items once the stop flag is set (an error that makes going on pointless,
 * or SIGINT). */
#ifndef OC_TOOL_PAR_H
#define OC_TOOL_PAR_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

struct oc_tool;

#define OC_PAR_MAX_JOBS	    32
#define OC_PAR_DEFAULT_JOBS 4

/* Returns 0 to go on, non-zero to stop every worker.  a is the worker's
 * own API client: the last status and detail it reports are that
 * worker's (a client shared between threads could report another
 * thread's). */
typedef int (*oc_par_fn)(void *ctx, struct oc_api *a, size_t i);

/* Whether a failed request makes the rest pointless (the network, the
 * credential, memory, rate limiting): workers stop on it rather than
 * fail every remaining item the same way. */
bool oc_par_fatal(int rc);

/* The first worker uses t's client (oc_tool_api must have made it), the
 * others get clients of their own for the run.  Returns 0 when every item
 * ran, 1 when stopped early (by fn or by oc_tool_interrupted). */
int oc_par_run(struct oc_tool *t, size_t n, unsigned jobs, oc_par_fn fn,
	       void *ctx);

#endif
