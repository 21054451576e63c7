/* rotate.c - both CMEK rotation modes and the final verification. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rotate.h"

#include "err.h"
#include "jobstate.h"
#include "keyarg.h"
#include "log.h"
#include "output.h"
#include "par.h"
#include "progress.h"
#include "secmem.h"

/* How often the server's job is polled. */
#define POLL_INTERVAL_MS 500
/* A job that does not move for this long is given up on (it can still
 * be followed or resumed by running the same command again). */
#define STALL_LIMIT_MS (10u * 60 * 1000)
/* Per-secret errors shown before "... and N more". */
#define MAX_SHOWN_ERRORS 5

/* What is known of a secret's read limit (the rotation pass's marks). */
enum {
	LIMIT_UNKNOWN,
	LIMIT_NONE, /* its own read's answer showed none */
	LIMIT_SET,
};

/* Why the verification left a secret unread (its marks). */
enum {
	READ,
	SKIP_LIMITED,
	SKIP_UNKNOWN,
};

/* One secret's read limit as the rotation pass learnt it. */
struct seen {
	char *path;
	unsigned char limit; /* LIMIT_NONE or LIMIT_SET */
};

/* What the rotation pass learnt for the verification, which lists the
 * vault again (so by path, not by index). */
struct known {
	struct seen *v; /* sorted by path */
	size_t n;
	bool unlisted; /* an answer showed a limit its list entry did not */
};

/* State shared by the workers of one pass over the vault. */
struct pass {
	struct oc_tool *t;
	struct oc_api *a;
	const char *vault_id;
	const struct oc_secret_meta *list;
	unsigned char *mark; /* one per list entry: LIMIT_* or READ/SKIP_* */
	const struct oc_cmek_key *old_key; /* NULL when verifying */
	const struct oc_cmek_key *new_key;
	char old_hex[OC_CMEK_FPR_HEX_LEN + 1];
	char new_hex[OC_CMEK_FPR_HEX_LEN + 1];
	const struct known *known; /* verifying after client mode, or NULL */
	struct oc_progress progress;
	pthread_mutex_t lock;
	size_t resealed, already, rerecorded, plain, gone, failed, verified;
	size_t limited, unknown, limited_reads;
	bool unlisted; /* see struct known */
	size_t shown;
	int fatal; /* OC_ERR_* that stopped the pass, 0 if none */
	char fatal_msg[2048];
};

/* Counts a secret that failed, showing the first few reasons. */
static void note_error(struct pass *p, const char *path, const char *reason)
{
	char safe[600];

	pthread_mutex_lock(&p->lock);
	p->failed++;
	if (p->shown < MAX_SHOWN_ERRORS) {
		p->shown++;
		oc_tool_err("secret %s: %s",
			    oc_out_safe(path, safe, sizeof(safe)), reason);
	}
	pthread_mutex_unlock(&p->lock);
	oc_progress_add(&p->progress, 1);
}

/* A request for path failed: the first failure that makes going on
 * pointless stops the pass (returns 1), any other counts the secret as
 * failed (returns 0). */
static int request_failed(struct pass *p, struct oc_api *a, int rc,
			  const char *path)
{
	char reason[768], safe[600];

	oc_tool_reason(p->t, rc, oc_api_last_status(a), oc_api_last_error(a),
		       reason, sizeof(reason));
	/* A 402 would be the answer to every request that follows. */
	if (!oc_par_fatal(rc) && rc != OC_ERR_PAYMENT) {
		note_error(p, path, reason);
		return 0;
	}
	pthread_mutex_lock(&p->lock);
	if (!p->fatal) {
		p->fatal = rc;
		snprintf(p->fatal_msg, sizeof(p->fatal_msg), "secret %s: %s",
			 oc_out_safe(path, safe, sizeof(safe)), reason);
	}
	pthread_mutex_unlock(&p->lock);
	return 1;
}

static void count(struct pass *p, size_t *field)
{
	pthread_mutex_lock(&p->lock);
	(*field)++;
	pthread_mutex_unlock(&p->lock);
	oc_progress_add(&p->progress, 1);
}

/* Opens blob with k into a new secure buffer. */
static int try_open(const struct oc_cmek_key *k, const uint8_t *blob, size_t n,
		    uint8_t **pt, size_t *pt_len)
{
	uint8_t *buf;
	size_t len = 0;
	int rc;

	if (n < OC_CMEK_OVERHEAD)
		return OC_ERR_TOO_SHORT;
	buf = oc_secure_alloc(n - OC_CMEK_OVERHEAD + 1);
	if (!buf)
		return OC_ERR_NOMEM;
	rc = oc_cmek_open(k, blob, n, buf, n - OC_CMEK_OVERHEAD + 1, &len);
	if (rc) {
		oc_secure_free(buf);
		return rc;
	}
	*pt = buf;
	*pt_len = len;
	return 0;
}

/* PUTs a blob back as a new version with every attribute of s: type,
 * metadata, expiry and read limit.
 *
 * The read limit is carried over as it is.  The new version's count of
 * reads starts at zero, as every new version's does, and the reads used
 * on the old version (this rotation's own among them) are not carried:
 * the API reports no count of reads used, so the number left is not
 * known here.  A limited secret is thus allowed its full count again after
 * a client-side rotation; carrying a guess instead could take away reads
 * that are owed, and a limit of 0 would mean none at all.  (Server mode
 * re-seals the version in place and keeps its count.) */
static int put_blob(struct pass *p, struct oc_api *a, const struct oc_secret *s,
		    const uint8_t *blob, size_t blob_len)
{
	struct oc_secret_put in;
	struct oc_secret_meta out;
	int rc;

	memset(&in, 0, sizeof(in));
	in.type = s->meta.type[0] ? s->meta.type : NULL;
	in.value = blob;
	in.value_len = blob_len;
	in.value_is_blob = true;
	in.metadata = s->meta.metadata;
	in.expires_at = s->meta.expires_at[0] ? s->meta.expires_at : NULL;
	in.max_access_count = s->meta.max_access_count;
	/* Read just now: no list needed to tell a lost answer's fate. */
	in.known_version = s->meta.version;
	memset(&out, 0, sizeof(out));
	rc = oc_api_secret_put(a, p->vault_id, s->meta.path, &in, &out);
	if (rc == 0)
		oc_secret_meta_clear(&out);
	return rc;
}

/* Seals pt with the new key and PUTs it back. */
static int reseal(struct pass *p, struct oc_api *a, const struct oc_secret *s,
		  const uint8_t *pt, size_t pt_len)
{
	uint8_t *blob;
	size_t blob_len = 0, size = oc_cmek_blob_len(pt_len);
	int rc;

	blob = malloc(size);
	if (!blob)
		return OC_ERR_NOMEM;
	rc = oc_cmek_seal(p->new_key, pt, pt_len, blob, size, &blob_len);
	if (rc == 0)
		rc = put_blob(p, a, s, blob, blob_len);
	free(blob);
	return rc;
}

/* A value already under the new key whose version the server records
 * under another fingerprint (written while the vault still named the old
 * key, e.g. by another client) is written back unchanged, so that the
 * record is true again: the server's own rotation jobs select versions by
 * it.  Returns 1 to stop the pass. */
static int fix_record(struct pass *p, struct oc_api *a,
		      const struct oc_secret *s)
{
	int rc;

	if (!s->meta.cmek_fingerprint[0] ||
	    strcmp(s->meta.cmek_fingerprint, p->new_hex) == 0) {
		count(p, &p->already);
		return 0;
	}
	rc = put_blob(p, a, s, s->value, s->value_len);
	if (rc)
		return request_failed(p, a, rc, s->meta.path);
	count(p, &p->rerecorded);
	return 0;
}

/* Whether m's list entry says it is not CMEK-sealed (then counted). */
static bool listed_plain(struct pass *p, const struct oc_secret_meta *m)
{
	if (m->cmek_known && !m->cmek_encrypted) {
		count(p, &p->plain);
		return true;
	}
	return false;
}

/* Gets secret m for a worker (one read of it).  Returns true with *s
 * filled when it holds a CMEK-sealed value; otherwise the secret has been
 * counted (plain, gone or failed) and *stop says whether the pass ends. */
static bool fetch(struct pass *p, struct oc_api *a,
		  const struct oc_secret_meta *m, struct oc_secret *s,
		  int *stop)
{
	int rc;

	*stop = 0;
	memset(s, 0, sizeof(*s));
	rc = oc_api_secret_get(a, p->vault_id, m->path, s);
	if (rc == OC_ERR_NOT_FOUND || rc == OC_ERR_GONE) {
		count(p, &p->gone);
		return false;
	}
	if (rc) {
		*stop = request_failed(p, a, rc, m->path);
		return false;
	}
	if (!s->meta.cmek_encrypted) {
		count(p, &p->plain);
		oc_secret_clear(s);
		return false;
	}
	return true;
}

/* The rotation's read of m told its read limit: kept for the
 * verification (p->mark), and carried over by the PUT (s). */
static void learn_limit(struct pass *p, size_t i,
			const struct oc_secret_meta *m, struct oc_secret *s)
{
	if (s->meta.max_access_count > 0 && m->max_access_count <= 0) {
		oc_debug(OC_LOG_TOOL,
			 "a secret's read limit shows in its answer, not in "
			 "the list: the list does not show read limits");
		pthread_mutex_lock(&p->lock);
		p->unlisted = true;
		pthread_mutex_unlock(&p->lock);
	}
	if (s->meta.max_access_count <= 0)
		s->meta.max_access_count =
		    m->max_access_count > 0 ? m->max_access_count : 0;
	p->mark[i] = s->meta.max_access_count > 0 ? LIMIT_SET : LIMIT_NONE;
}

static int client_one(void *ctx, struct oc_api *a, size_t i)
{
	struct pass *p = ctx;
	const struct oc_secret_meta *m = &p->list[i];
	struct oc_secret s;
	uint8_t *pt = NULL;
	size_t pt_len = 0;
	bool new_first;
	int rc, stop;

	if (listed_plain(p, m))
		return 0;
	/* A read would use up one of an access-limited secret's reads: one
	 * the server records under the new key (rotated by an earlier run)
	 * is taken at its word and not read again. */
	if (m->max_access_count > 0 &&
	    strcmp(m->cmek_fingerprint, p->new_hex) == 0) {
		p->mark[i] = LIMIT_SET;
		count(p, &p->already);
		return 0;
	}
	if (!fetch(p, a, m, &s, &stop))
		return stop;
	learn_limit(p, i, m, &s);
	/* The server's per-version fingerprint is a hint for which key to
	 * try first; whether a key opens the blob is what decides. */
	new_first = strcmp(s.meta.cmek_fingerprint, p->new_hex) == 0;
	if (new_first) {
		rc = try_open(p->new_key, s.value, s.value_len, &pt, &pt_len);
		if (rc == 0) {
			count(p, &p->already);
			goto out;
		}
	}
	rc = try_open(p->old_key, s.value, s.value_len, &pt, &pt_len);
	if (rc != 0 && !new_first) {
		uint8_t *pt2 = NULL;
		size_t len2 = 0;

		if (try_open(p->new_key, s.value, s.value_len, &pt2, &len2) ==
		    0) {
			oc_secure_free(pt2);
			stop = fix_record(p, a, &s);
			goto out;
		}
	}
	if (rc != 0) {
		note_error(p, m->path,
			   rc == OC_ERR_DECRYPT
			       ? "opens with neither the old nor the new "
				 "key (sealed with some other key?)"
			       : oc_strerror(rc));
		goto out;
	}
	rc = reseal(p, a, &s, pt, pt_len);
	if (rc) {
		stop = request_failed(p, a, rc, m->path);
		goto out;
	}
	count(p, &p->resealed);
out:
	oc_secure_free(pt);
	oc_secret_clear(&s);
	return stop;
}

static int seen_cmp(const void *x, const void *y)
{
	return strcmp(((const struct seen *)x)->path,
		      ((const struct seen *)y)->path);
}

/* Whether the verification may read m: not when it is known to be
 * access-limited (its list entry, or the rotation's read of it, says so),
 * nor when the list has been seen to hide limits and nothing else told
 * m's. */
static int verify_plan(struct pass *p, const struct oc_secret_meta *m)
{
	const struct seen *k = NULL;
	struct seen key = {m->path, LIMIT_UNKNOWN};
	bool unlisted;

	if (m->max_access_count > 0)
		return SKIP_LIMITED;
	if (p->known && p->known->n) {
		k = bsearch(&key, p->known->v, p->known->n, sizeof(*k),
			    seen_cmp);
	}
	if (k)
		return k->limit == LIMIT_SET ? SKIP_LIMITED : READ;
	pthread_mutex_lock(&p->lock);
	unlisted = p->unlisted;
	pthread_mutex_unlock(&p->lock);
	return unlisted ? SKIP_UNKNOWN : READ;
}

static int verify_one(void *ctx, struct oc_api *a, size_t i)
{
	struct pass *p = ctx;
	const struct oc_secret_meta *m = &p->list[i];
	struct oc_secret s;
	uint8_t *pt = NULL;
	size_t pt_len = 0;
	char safe[600];
	bool first;
	int stop;

	if (listed_plain(p, m))
		return 0;
	p->mark[i] = (unsigned char)verify_plan(p, m);
	if (p->mark[i] != READ) {
		count(p,
		      p->mark[i] == SKIP_LIMITED ? &p->limited : &p->unknown);
		return 0;
	}
	if (!fetch(p, a, m, &s, &stop))
		return stop;
	if (s.meta.max_access_count > 0) {
		/* Too late for this one; the list's silence is no longer
		 * taken to mean "no limit". */
		pthread_mutex_lock(&p->lock);
		first = p->limited_reads++ == 0;
		p->unlisted = true;
		pthread_mutex_unlock(&p->lock);
		if (first)
			oc_tool_warn(p->t,
				     "secret %s is access-limited, but the "
				     "server's list does not say so: checking "
				     "it used one of its reads.  Secrets whose "
				     "limit nothing shows are not read from "
				     "now on",
				     oc_out_safe(m->path, safe, sizeof(safe)));
	}
	if (try_open(p->new_key, s.value, s.value_len, &pt, &pt_len) == 0)
		count(p, &p->verified);
	else
		note_error(p, m->path, "does not open with the new key");
	oc_secure_free(pt);
	oc_secret_clear(&s);
	return 0;
}

static void pass_init(struct pass *p, struct oc_tool *t, struct oc_api *a,
		      const char *vault_id)
{
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->a = a;
	p->vault_id = vault_id;
	pthread_mutex_init(&p->lock, NULL);
}

/* Runs fn over every secret of the vault, then done (may be NULL) while
 * the list and the marks are still there.  Returns 0, or OC_EXIT_FAIL
 * (OC_EXIT_PAYMENT) after printing why the pass stopped. */
static int run_pass(struct pass *p, const char *verb, oc_par_fn fn,
		    unsigned jobs, size_t *total,
		    int (*done)(struct pass *, size_t, void *), void *ctx)
{
	struct oc_secret_meta *list = NULL;
	size_t n = 0;
	int rc;

	rc = oc_api_secret_list(p->a, p->vault_id, NULL, &list, &n);
	if (rc)
		return oc_tool_fail(p->t, rc, "vault %s: listing secrets",
				    p->vault_id);
	p->mark = calloc(n ? n : 1, 1);
	if (!p->mark) {
		oc_secret_meta_list_free(list, n);
		return oc_tool_fail(p->t, OC_ERR_NOMEM, "vault %s",
				    p->vault_id);
	}
	*total = n;
	p->list = list;
	oc_progress_start(&p->progress, verb, (int64_t)n, p->t->quiet);
	oc_par_run(p->t, n, jobs, fn, p);
	oc_progress_end(&p->progress);
	rc = done ? done(p, n, ctx) : 0;
	p->list = NULL;
	oc_secret_meta_list_free(list, n);
	free(p->mark);
	p->mark = NULL;
	if (p->shown < p->failed)
		oc_tool_err("... and %zu more secrets failed",
			    p->failed - p->shown);
	if (p->fatal) {
		oc_tool_err("%s", p->fatal_msg);
		return p->fatal == OC_ERR_PAYMENT ? OC_EXIT_PAYMENT
						  : OC_EXIT_FAIL;
	}
	if (rc)
		return oc_tool_fail(p->t, rc, "vault %s", p->vault_id);
	if (oc_tool_interrupted) {
		oc_tool_err("interrupted; run the same command again to "
			    "finish (work done so far is kept)");
		return OC_EXIT_FAIL;
	}
	return 0;
}

/* The verification's end: the first access-limited secrets it skipped,
 * named for the summary (in the list's order). */
static int name_limited(struct pass *p, size_t n, void *ctx)
{
	struct oc_rotate_stats *st = ctx;
	size_t i, k = 0;

	for (i = 0; i < n && k < OC_ROTATE_NAMED; i++) {
		if (p->mark[i] != SKIP_LIMITED)
			continue;
		st->limited_paths[k] = strdup(p->list[i].path);
		if (!st->limited_paths[k])
			return OC_ERR_NOMEM;
		k++;
	}
	return 0;
}

/* Checks that every CMEK secret of the vault opens with key, reading none
 * that known (from the rotation pass; may be NULL) or its list entry says
 * is access-limited. */
static int verify(struct oc_tool *t, const char *vault_id,
		  const struct oc_cmek_key *key, const struct known *known,
		  unsigned jobs, struct oc_rotate_stats *st)
{
	struct oc_api *a;
	struct pass p;
	double t0 = oc_tool_now();
	size_t total = 0;
	int rc;

	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	pass_init(&p, t, a, vault_id);
	p.new_key = key;
	p.known = known;
	p.unlisted = known && known->unlisted;
	oc_keyarg_fpr_hex(key, p.new_hex);
	rc = run_pass(&p, "verified", verify_one, jobs, &total, name_limited,
		      st);
	st->verified = p.verified;
	st->limited = p.limited;
	st->unknown = p.unknown;
	st->limited_reads = p.limited_reads;
	if (!st->total)
		st->total = total;
	st->verify_s = oc_tool_now() - t0;
	if (!rc && p.failed) {
		oc_tool_err("verification failed: %zu of %zu secrets in vault "
			    "%s do not open with the new key (an unfinished "
			    "client-side rotation is finished by running it "
			    "again with --mode client)",
			    p.failed, total, vault_id);
		rc = OC_EXIT_FAIL;
	}
	st->failed += p.failed;
	pthread_mutex_destroy(&p.lock);
	return rc;
}

static void known_free(struct known *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i].path);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* The rotation pass's end: what it learnt of read limits, by path. */
static int keep_known(struct pass *p, size_t n, void *ctx)
{
	struct known *k = ctx;
	size_t i, c = 0;

	k->unlisted = p->unlisted;
	for (i = 0; i < n; i++)
		c += p->mark[i] != LIMIT_UNKNOWN;
	if (!c)
		return 0;
	k->v = calloc(c, sizeof(*k->v));
	if (!k->v)
		return OC_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (p->mark[i] == LIMIT_UNKNOWN)
			continue;
		k->v[k->n].path = strdup(p->list[i].path);
		if (!k->v[k->n].path)
			return OC_ERR_NOMEM;
		k->v[k->n++].limit = p->mark[i];
	}
	qsort(k->v, k->n, sizeof(*k->v), seen_cmp);
	return 0;
}

static int rotate_client(struct oc_tool *t, struct oc_api *a,
			 const struct oc_rotate_opts *o, struct known *known,
			 struct oc_rotate_stats *st)
{
	struct oc_vault v;
	struct pass p;
	double t0 = oc_tool_now();
	int rc;

	pass_init(&p, t, a, o->vault.id);
	p.old_key = o->old_key;
	p.new_key = o->new_key;
	oc_keyarg_fpr_hex(o->old_key, p.old_hex);
	oc_keyarg_fpr_hex(o->new_key, p.new_hex);
	/* The vault names the new key before any value is written back:
	 * the server records each version under the vault's fingerprint at
	 * write time, and its own rotation jobs later trust that record.
	 * Meanwhile writers holding only the old key are refused, and a
	 * value not yet rotated still records the old key, which is true. */
	if (strcmp(o->vault.cmek_fingerprint, p.new_hex) != 0) {
		rc = oc_api_cmek_enable(a, o->vault.id, p.new_hex, &v);
		if (rc) {
			pthread_mutex_destroy(&p.lock);
			return oc_tool_fail(t, rc,
					    "vault %s: recording the new "
					    "fingerprint; nothing was changed",
					    o->vault.id);
		}
	}
	rc = run_pass(&p, "rotated", client_one, o->jobs, &st->total,
		      keep_known, known);
	st->resealed = p.resealed;
	st->already = p.already;
	st->rerecorded = p.rerecorded;
	st->plain = p.plain;
	st->gone = p.gone;
	st->failed = p.failed;
	pthread_mutex_destroy(&p.lock);
	if (rc)
		return rc;
	if (p.failed) {
		oc_tool_err("%zu of %zu secrets could not be rotated.  Fix "
			    "them and run the same command again",
			    p.failed, st->total);
		return OC_EXIT_FAIL;
	}
	st->rotate_s = oc_tool_now() - t0;
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && !oc_tool_interrupted)
		;
}

/* Whether the vault already records new_hex (an earlier run finished). */
static bool vault_has_fpr(struct oc_api *a, const char *vault_id,
			  const char *hex)
{
	struct oc_vault v;

	return oc_api_vault_get(a, vault_id, &v) == 0 && v.cmek_enabled &&
	       strcmp(v.cmek_fingerprint, hex) == 0;
}

/* --- server mode: one rotate call, every answer handled on its own --- */

/* Records the job this run started (jobstate.h), so that a later run
 * meeting the 409 can follow it; a failure only costs that. */
static void record_job(struct oc_tool *t, const char *vault_id,
		       const char *job_id, const char *new_hex)
{
	struct oc_jobstate js;
	char path[4200], safe[300];
	int rc;

	memset(&js, 0, sizeof(js));
	snprintf(js.vault_id, sizeof(js.vault_id), "%s", vault_id);
	snprintf(js.job_id, sizeof(js.job_id), "%s", job_id);
	snprintf(js.new_fpr, sizeof(js.new_fpr), "%s", new_hex);
	rc = oc_jobstate_save(&js);
	if (!rc)
		return;
	oc_jobstate_path(vault_id, path, sizeof(path));
	oc_tool_warn(t,
		     "cannot record rotation job %s in %s (%s): should this "
		     "run stop early, a later one will not find the job",
		     oc_out_safe(job_id, safe, sizeof(safe)),
		     path[0] ? path : "the state directory",
		     rc == OC_ERR_IO ? strerror(errno) : oc_strerror(rc));
}

/* Forgets the record of the vault's job once it has ended: the one named
 * job_id, or (job_id NULL) one that rotated to new_hex. */
static void forget_job(const char *vault_id, const char *job_id,
		       const char *new_hex)
{
	struct oc_jobstate js;

	if (oc_jobstate_load(vault_id, &js) != 0)
		return;
	if (job_id ? strcmp(js.job_id, job_id) == 0
		   : !js.new_fpr[0] || strcmp(js.new_fpr, new_hex) == 0)
		oc_jobstate_remove(vault_id);
}

/* The vault names the new key: an earlier run finished; only verify. */
static int already_rotated(struct oc_tool *t, const struct oc_rotate_opts *o,
			   const char *new_hex, struct oc_rotate_stats *st)
{
	st->server_done_before = true;
	forget_job(o->vault.id, NULL, new_hex);
	if (!t->quiet)
		fprintf(stderr,
			"already rotated: an earlier run finished (vault %s "
			"names the new key); verifying\n",
			o->vault.id);
	return 0;
}

/* A 409 whose job cannot be followed. */
static int unknown_job(const char *vault_id, const char *why)
{
	oc_tool_err("a rotation is already running for vault %s; its job id "
		    "is not known here (%s).  Nothing was changed: 'oneclaw-"
		    "tool cmek status %s' shows the vault's key and how many "
		    "secrets the server records under it; run this command "
		    "again once that rotation has ended",
		    vault_id, why, vault_id);
	return OC_EXIT_FAIL;
}

/* The answer to a job request that failed, as an exit code. */
static int job_failed(struct oc_tool *t, int rc, const char *vault_id,
		      const char *job_id)
{
	char safe[300];

	return oc_tool_fail(t, rc, "vault %s: rotation job %s", vault_id,
			    oc_out_safe(job_id, safe, sizeof(safe)));
}

/* The rotate call got 409: a job already runs for the vault.  Finds it
 * (named by the answer, else recorded here when a run started it) and
 * checks that it is one to follow.  Returns 0 with *job current,
 * DONE_BEFORE when the job has just finished this very rotation, or an
 * exit code after saying why not. */
#define DONE_BEFORE (-1)
static int find_running(struct oc_tool *t, struct oc_api *a,
			const struct oc_rotate_opts *o, const char *new_hex,
			struct oc_rotation_job *job)
{
	const char *vid = o->vault.id, *from = "named by the server";
	char id[OC_WIRE_ID_MAX + 1], safe[300], fsafe[100];
	struct oc_jobstate js;
	bool recorded = false;
	int rc;

	if (job->id[0]) {
		snprintf(id, sizeof(id), "%s", job->id);
	} else {
		if (oc_jobstate_load(vid, &js) != 0)
			return unknown_job(vid, "the server did not name it, "
						"and no run on this machine "
						"recorded one");
		snprintf(id, sizeof(id), "%s", js.job_id);
		recorded = true;
		from = "recorded here when it was started";
	}
	oc_out_safe(id, safe, sizeof(safe));
	rc = oc_api_cmek_job(a, vid, id, job);
	if (rc == OC_ERR_NOT_FOUND && recorded) {
		oc_jobstate_remove(vid);
		return unknown_job(vid, "the job recorded here is unknown to "
					"the server");
	}
	if (rc)
		return job_failed(t, rc, vid, id);
	if (job->status == OC_JOB_COMPLETED || job->status == OC_JOB_FAILED) {
		/* It ended since the 409. */
		if (recorded)
			oc_jobstate_remove(vid);
		if (job->status == OC_JOB_COMPLETED &&
		    vault_has_fpr(a, vid, new_hex))
			return DONE_BEFORE;
		return unknown_job(
		    vid, recorded ? "the job recorded here has ended; "
				    "the one running is another"
				  : "the job the server named has "
				    "ended; the one running is "
				    "another");
	}
	if (job->new_fingerprint[0] &&
	    strcmp(job->new_fingerprint, new_hex) != 0) {
		oc_tool_err(
		    "vault %s: rotation job %s, already running, "
		    "rotates to key %s, not to the --new key (%s); "
		    "nothing was changed: rotate from that key once "
		    "it has ended",
		    vid, safe,
		    oc_out_safe(job->new_fingerprint, fsafe, sizeof(fsafe)),
		    new_hex);
		return OC_EXIT_FAIL;
	}
	if (!t->quiet)
		fprintf(stderr,
			"a rotation job is already running for vault %s; "
			"following job %s (%s)\n",
			vid, safe, from);
	return 0;
}

/* Any other failure of the rotate call: say why (status and detail of
 * its answer, when there was one), and what it changed. */
static int refused(struct oc_tool *t, int rc, long status, const char *detail,
		   const char *vault_id)
{
	bool answered = (rc <= OC_ERR_SERVER && rc >= OC_ERR_TOO_LARGE) ||
			rc == OC_ERR_PAYMENT;
	char reason[1024];

	oc_tool_reason(t, rc, answered ? status : 0, answered ? detail : "",
		       reason, sizeof(reason));
	if (rc == OC_ERR_SERVER || rc == OC_ERR_NET)
		oc_tool_err("vault %s: starting the rotation: %s.  The server "
			    "may have started a job all the same: 'oneclaw-"
			    "tool cmek status %s' shows the vault's key",
			    vault_id, reason, vault_id);
	else
		oc_tool_err("vault %s: starting the rotation: %s; nothing "
			    "was changed",
			    vault_id, reason);
	return rc == OC_ERR_PAYMENT ? OC_EXIT_PAYMENT : OC_EXIT_FAIL;
}

/* Polls the job until it ends.  Its record is forgotten when it does;
 * a run that stops following it first keeps the record, so that the same
 * command finds the job again. */
static int follow(struct oc_tool *t, struct oc_api *a,
		  const struct oc_rotate_opts *o, struct oc_rotation_job *job,
		  struct oc_rotate_stats *st)
{
	struct oc_progress prog;
	char safe[300], err[300];
	double last_change;
	int64_t last_processed;
	enum oc_job_status last_status;
	int rc;

	snprintf(st->job_id, sizeof(st->job_id), "%s", job->id);
	oc_out_safe(job->id, safe, sizeof(safe));
	oc_progress_start(&prog, "rotated", job->total_secrets, t->quiet);
	oc_progress_set(&prog, job->processed, job->total_secrets);
	last_change = oc_tool_now();
	last_processed = job->processed;
	last_status = job->status;
	while (job->status == OC_JOB_PENDING || job->status == OC_JOB_RUNNING) {
		sleep_ms(POLL_INTERVAL_MS);
		if (oc_tool_now() - last_change > STALL_LIMIT_MS / 1000.0) {
			oc_progress_end(&prog);
			oc_tool_err("rotation job %s of vault %s has made no "
				    "progress for %u s; run the same command "
				    "again later to follow or resume it",
				    safe, o->vault.id, STALL_LIMIT_MS / 1000);
			return OC_EXIT_FAIL;
		}
		if (oc_tool_interrupted) {
			oc_progress_end(&prog);
			oc_tool_err("stopped following rotation job %s; it "
				    "goes on in the server.  Run the same "
				    "command again to follow it to the end",
				    safe);
			return OC_EXIT_FAIL;
		}
		rc = oc_api_cmek_job(a, o->vault.id, st->job_id, job);
		if (rc) {
			oc_progress_end(&prog);
			rc = job_failed(t, rc, o->vault.id, st->job_id);
			oc_tool_err("the job may be unfinished: run the same "
				    "command again to follow or resume it");
			return rc;
		}
		oc_progress_set(&prog, job->processed, job->total_secrets);
		if (job->processed != last_processed ||
		    job->status != last_status) {
			last_change = oc_tool_now();
			last_processed = job->processed;
			last_status = job->status;
		}
	}
	oc_progress_end(&prog);
	forget_job(o->vault.id, st->job_id, NULL);
	st->server_processed = job->processed;
	st->total = (size_t)(job->total_secrets > 0 ? job->total_secrets : 0);
	if (job->status != OC_JOB_COMPLETED) {
		oc_tool_err(
		    "vault %s: rotation job %s %s after %lld of %lld "
		    "secrets: %s; run the same command again to "
		    "resume",
		    o->vault.id, safe, oc_job_status_name(job->status),
		    (long long)job->processed, (long long)job->total_secrets,
		    job->error[0] ? oc_out_safe(job->error, err, sizeof(err))
				  : "no reason given");
		return OC_EXIT_FAIL;
	}
	return 0;
}

static int rotate_server(struct oc_tool *t, struct oc_api *a,
			 const struct oc_rotate_opts *o,
			 struct oc_rotate_stats *st)
{
	struct oc_rotation_job job;
	uint8_t *keys = NULL;
	char new_hex[OC_CMEK_FPR_HEX_LEN + 1], detail[256];
	double t0 = oc_tool_now();
	long status;
	int rc;

	oc_keyarg_fpr_hex(o->new_key, new_hex);
	if (strcmp(o->vault.cmek_fingerprint, new_hex) == 0) {
		rc = already_rotated(t, o, new_hex, st);
		goto done;
	}
	keys = oc_secure_alloc(2 * OC_CMEK_KEY_LEN);
	if (!keys)
		return oc_tool_fail(t, OC_ERR_NOMEM, "rotate");
	if (oc_cmek_key_raw(o->old_key, keys) != 0 ||
	    oc_cmek_key_raw(o->new_key, keys + OC_CMEK_KEY_LEN) != 0) {
		oc_secure_free(keys);
		oc_tool_err("--mode server needs both raw keys, and a pkcs11: "
			    "key never leaves its token: use --mode client");
		return OC_EXIT_FAIL;
	}
	/* Sent once: the keys do not go out again for an answer that is not
	 * a 202; each one is answered for what it says. */
	memset(&job, 0, sizeof(job));
	rc = oc_api_cmek_rotate(a, o->vault.id, keys, keys + OC_CMEK_KEY_LEN,
				&job);
	oc_wipe(keys, 2 * OC_CMEK_KEY_LEN);
	oc_secure_free(keys);
	/* (the calls that follow replace them) */
	status = oc_api_last_status(a);
	snprintf(detail, sizeof(detail), "%s", oc_api_last_error(a));
	if (rc == 0) {
		oc_debug(OC_LOG_TOOL, "rotation job %s started", job.id);
		record_job(t, o->vault.id, job.id, new_hex);
	} else if (rc == OC_ERR_CONFLICT) {
		rc = find_running(t, a, o, new_hex, &job);
		if (rc == DONE_BEFORE) {
			rc = already_rotated(t, o, new_hex, st);
			goto done;
		}
		if (rc)
			return rc;
		st->followed = true;
	} else if (rc == OC_ERR_BAD_REQUEST &&
		   vault_has_fpr(a, o->vault.id, new_hex)) {
		/* The vault has the new key since this run read it (an
		 * earlier run's job finished meanwhile), so the server
		 * refuses the old one. */
		rc = already_rotated(t, o, new_hex, st);
		goto done;
	} else {
		return refused(t, rc, status, detail, o->vault.id);
	}
	rc = follow(t, a, o, &job, st);
done:
	st->rotate_s = oc_tool_now() - t0;
	return rc;
}

int oc_rotate_run(struct oc_tool *t, const struct oc_rotate_opts *o,
		  struct oc_rotate_stats *st)
{
	struct known known;
	struct oc_api *a;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&known, 0, sizeof(known));
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	rc = o->server ? rotate_server(t, a, o, st)
		       : rotate_client(t, a, o, &known, st);
	if (!rc)
		rc = verify(t, o->vault.id, o->new_key, &known, o->jobs, st);
	known_free(&known);
	return rc;
}

void oc_rotate_stats_free(struct oc_rotate_stats *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < OC_ROTATE_NAMED; i++) {
		free(st->limited_paths[i]);
		st->limited_paths[i] = NULL;
	}
}

int oc_rotate_summary(struct oc_tool *t, const struct oc_rotate_opts *o,
		      const struct oc_rotate_stats *st)
{
	struct oc_out_json j;
	char new_hex[OC_CMEK_FPR_HEX_LEN + 1], name[300];
	double total_s = st->rotate_s + st->verify_s;
	size_t i;
	double rate = st->rotate_s > 0 ? (double)st->total / st->rotate_s : 0;
	const char *mode = o->server ? "server" : "client";

	oc_keyarg_fpr_hex(o->new_key, new_hex);
	if (t->json) {
		if (oc_out_json_open(&j, false))
			return OC_EXIT_FAIL;
		oc_out_json_map_open(&j.j);
		oc_jgen_kv_str(&j.j, "vault_id", o->vault.id);
		oc_jgen_kv_str(&j.j, "mode", mode);
		oc_jgen_kv_str(&j.j, "fingerprint", new_hex);
		oc_jgen_kv_int(&j.j, "total", (int64_t)st->total);
		if (o->server) {
			oc_jgen_kv_int(&j.j, "processed", st->server_processed);
			oc_jgen_kv_bool(&j.j, "already_done",
					st->server_done_before);
			oc_jgen_kv_bool(&j.j, "followed", st->followed);
			if (st->job_id[0])
				oc_jgen_kv_str(&j.j, "job_id", st->job_id);
		} else {
			oc_jgen_kv_int(&j.j, "resealed", (int64_t)st->resealed);
			oc_jgen_kv_int(&j.j, "already", (int64_t)st->already);
			oc_jgen_kv_int(&j.j, "rerecorded",
				       (int64_t)st->rerecorded);
			oc_jgen_kv_int(&j.j, "plain", (int64_t)st->plain);
			oc_jgen_kv_int(&j.j, "gone", (int64_t)st->gone);
		}
		oc_jgen_kv_int(&j.j, "verified", (int64_t)st->verified);
		oc_jgen_kv_int(&j.j, "access_limited", (int64_t)st->limited);
		oc_out_json_key(&j.j, "access_limited_paths");
		oc_out_json_array_open(&j.j);
		for (i = 0; i < OC_ROTATE_NAMED && st->limited_paths[i]; i++)
			oc_jgen_str(&j.j, st->limited_paths[i]);
		oc_out_json_array_close(&j.j);
		oc_jgen_kv_int(&j.j, "limit_unknown", (int64_t)st->unknown);
		oc_jgen_kv_int(&j.j, "limited_reads",
			       (int64_t)st->limited_reads);
		oc_out_json_kv_double(&j.j, "rotate_seconds", st->rotate_s);
		oc_out_json_kv_double(&j.j, "verify_seconds", st->verify_s);
		oc_out_json_kv_double(&j.j, "seconds", total_s);
		oc_out_json_kv_double(&j.j, "secrets_per_second", rate);
		oc_out_json_map_close(&j.j);
		return oc_out_json_close(&j) ? OC_EXIT_FAIL : 0;
	}
	printf("rotation of vault %s (%s) complete, %s mode\n",
	       oc_out_safe(o->vault.name, name, sizeof(name)), o->vault.id,
	       mode);
	if (o->server && st->server_done_before)
		printf("  secrets:     already rotated: an earlier run "
		       "finished\n");
	else if (o->server)
		printf("  secrets:     %zu, %lld processed by the server "
		       "(job %s%s)\n",
		       st->total, (long long)st->server_processed,
		       oc_out_safe(st->job_id, name, sizeof(name)),
		       st->followed ? ", already running when this run began"
				    : "");
	else
		printf("  secrets:     %zu (%zu re-sealed, %zu already under "
		       "the new key, %zu not CMEK-sealed, %zu gone: deleted, "
		       "expired or out of reads)\n",
		       st->total, st->resealed, st->already + st->rerecorded,
		       st->plain, st->gone);
	printf("  verified:    %zu open with the new key\n", st->verified);
	if (st->limited) {
		printf("  not verified: %zu access-limited, skipped (",
		       st->limited);
		for (i = 0; i < OC_ROTATE_NAMED && st->limited_paths[i]; i++)
			printf("%s%s", i ? ", " : "",
			       oc_out_safe(st->limited_paths[i], name,
					   sizeof(name)));
		printf("%s): a read would use up one of their reads\n",
		       st->limited > i ? ", ..." : "");
	}
	if (st->unknown)
		printf("  not verified: %zu whose read limit the server's "
		       "list does not show\n",
		       st->unknown);
	if (st->limited_reads)
		printf("  read:        %zu access-limited before the server "
		       "showed it (one read each)\n",
		       st->limited_reads);
	printf("  fingerprint: %s\n", new_hex);
	printf("  time:        %.2f s (rotation %.2f s, verification %.2f s)"
	       ", %.1f secrets/s\n",
	       total_s, st->rotate_s, st->verify_s, rate);
	return 0;
}
