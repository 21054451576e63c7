/* rotate.h - CMEK key rotation, server-assisted and client-side, and the
 * verification that ends both.
 *
 * Server mode sends both raw keys in the rotation headers (the only time a
 * key leaves the machine, and only when asked for), once, then follows
 * the job.  Every answer to that call is handled on its own: 202, the job
 * is recorded here (jobstate.h) and followed; 409, a job already runs for
 * the vault: the one the answer names, else the one recorded here, is
 * followed (without either the run stops and says so); 400 from a vault
 * that now names the new key, an earlier run finished: only verify; any
 * other refusal: stop, nothing was changed.
 *
 * Client mode never sends a key: it records the new fingerprint in the
 * vault, then opens each secret with the old key, seals it with the new
 * one and PUTs it back as a new version with every attribute of the old
 * one (so the server records every new version under the key that really
 * sealed it).  Both are resumable: running the same command again after
 * any interruption finishes the work.  A secret counts as rotated when it
 * opens with the new key; the server's per-version fingerprint is only a
 * hint (a client may have written a value while the vault still named
 * another key).
 *
 * A read of an access-limited secret uses up one of its reads (and a read
 * may be charged), so the verification never reads a secret known to be
 * limited, from its list entry or from the rotation's own read of it; it
 * skips it and the summary says so. */
#ifndef OC_TOOL_ROTATE_H
#define OC_TOOL_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "cmek.h"
#include "main.h"

/* Access-limited secrets named in the summary; the rest are counted. */
#define OC_ROTATE_NAMED 10

struct oc_rotate_opts {
	struct oc_vault vault; /* resolved, CMEK on */
	struct oc_cmek_key *old_key;
	struct oc_cmek_key *new_key;
	bool server;   /* server-assisted */
	unsigned jobs; /* client mode / verify threads */
};

struct oc_rotate_stats {
	size_t total;	      /* secrets in the vault */
	size_t resealed;      /* re-sealed by this run (client mode) */
	size_t already;	      /* already under the new key */
	size_t rerecorded;    /* the same, but recorded under another key by
				 the server: written back unchanged */
	size_t plain;	      /* not CMEK-sealed: left as they are */
	size_t gone;	      /* deleted, expired or out of reads */
	size_t failed;	      /* could not be rotated / did not verify */
	size_t verified;      /* open with the new key */
	size_t limited;	      /* access-limited: not read to verify */
	size_t unknown;	      /* not read to verify: the server's list does
				 not show read limits, and nothing else did */
	size_t limited_reads; /* read to verify before their
				 answer showed a limit */
	char *limited_paths[OC_ROTATE_NAMED]; /* the first of limited */
	int64_t server_processed;
	char job_id[OC_WIRE_ID_MAX + 1]; /* server mode; "" when none ran */
	bool server_done_before;	 /* the server had finished earlier */
	bool followed;			 /* the job was already running */
	double rotate_s;
	double verify_s;
};

/* Rotates, then verifies.  Prints progress and errors; the caller prints
 * the summary and frees st.  Returns OC_EXIT_OK, OC_EXIT_FAIL or
 * OC_EXIT_PAYMENT. */
int oc_rotate_run(struct oc_tool *t, const struct oc_rotate_opts *o,
		  struct oc_rotate_stats *st);
/* The summary, as text or JSON. */
int oc_rotate_summary(struct oc_tool *t, const struct oc_rotate_opts *o,
		      const struct oc_rotate_stats *st);
void oc_rotate_stats_free(struct oc_rotate_stats *st);

#endif
