/* faults.c - deterministic fault injection for tests. */
#include "config.h"

#include "faults.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "log.h"

#define MAX_RULES 16

struct rule {
	char method[16];
	char path[256];
	char hold[PATH_MAX];
	unsigned long rate;
	unsigned long count; /* 0: unlimited */
	unsigned long seen;
	unsigned long fired;
	struct oc_fault_action act;
};

struct oc_faults {
	struct rule rules[MAX_RULES];
	size_t n;
	unsigned rotate_delay;
	char rotate_hold[PATH_MAX];
	pthread_mutex_t lock;
};

/* A hold file: an absolute path (vaultd's working directory is not the
 * test's). */
static int hold_file(const char *v, char *dst, size_t size)
{
	if (v[0] != '/' || strlen(v) >= size)
		return OC_ERR_PARSE;
	memcpy(dst, v, strlen(v) + 1);
	return OC_OK;
}

static int item(struct oc_faults *f, struct rule *r, char *kv)
{
	char *eq = strchr(kv, '=');
	const char *v = eq ? eq + 1 : NULL;
	unsigned long x = 0;

	if (eq)
		*eq = '\0';
	if (strcmp(kv, "truncate") == 0 && !v) {
		r->act.truncate = true;
		return OC_OK;
	}
	if (!v)
		return OC_ERR_PARSE;
	if (strcmp(kv, "method") == 0) {
		if (strlen(v) == 0 || strlen(v) >= sizeof(r->method))
			return OC_ERR_PARSE;
		memcpy(r->method, v, strlen(v) + 1);
		return OC_OK;
	}
	if (strcmp(kv, "path") == 0) {
		if (v[0] != '/' || strlen(v) >= sizeof(r->path))
			return OC_ERR_PARSE;
		memcpy(r->path, v, strlen(v) + 1);
		return OC_OK;
	}
	if (strcmp(kv, "rate") == 0)
		return oc_decimal_parse(v, 1, 1000000, &r->rate);
	if (strcmp(kv, "count") == 0)
		return oc_decimal_parse(v, 1, 1000000000, &r->count);
	if (strcmp(kv, "delay") == 0) {
		if (oc_decimal_parse(v, 0, 60000, &x))
			return OC_ERR_PARSE;
		r->act.delay_ms = (unsigned)x;
		return OC_OK;
	}
	if (strcmp(kv, "hold") == 0)
		return hold_file(v, r->hold, sizeof(r->hold));
	if (strcmp(kv, "status") == 0) {
		if (oc_decimal_parse(v, 400, 599, &x))
			return OC_ERR_PARSE;
		r->act.status = (unsigned)x;
		return OC_OK;
	}
	if (strcmp(kv, "retry-after") == 0) {
		if (oc_decimal_parse(v, 0, 86400, &x))
			return OC_ERR_PARSE;
		r->act.retry_after = (unsigned)x;
		return OC_OK;
	}
	if (strcmp(kv, "rotate-delay") == 0) {
		if (oc_decimal_parse(v, 0, 60000, &x))
			return OC_ERR_PARSE;
		f->rotate_delay = (unsigned)x;
		return OC_OK;
	}
	if (strcmp(kv, "rotate-hold") == 0)
		return hold_file(v, f->rotate_hold, sizeof(f->rotate_hold));
	return OC_ERR_PARSE;
}

int oc_faults_parse(const char *spec, struct oc_faults **out)
{
	struct oc_faults *f;
	char *copy, *rule_save = NULL, *rs;
	int rc = OC_OK;

	f = calloc(1, sizeof(*f));
	copy = spec ? strdup(spec) : NULL;
	if (!f || !copy) {
		free(f);
		free(copy);
		return OC_ERR_NOMEM;
	}
	pthread_mutex_init(&f->lock, NULL);
	for (rs = strtok_r(copy, ";", &rule_save); rs && !rc;
	     rs = strtok_r(NULL, ";", &rule_save)) {
		struct rule r;
		char *item_save = NULL, *it;
		bool effect = false;

		memset(&r, 0, sizeof(r));
		r.rate = 1;
		for (it = strtok_r(rs, ",", &item_save); it;
		     it = strtok_r(NULL, ",", &item_save)) {
			if (item(f, &r, it)) {
				oc_log_error("oneclaw-vaultd: --faults: bad "
					     "item '%s'",
					     it);
				rc = OC_ERR_PARSE;
				break;
			}
		}
		effect = r.act.delay_ms || r.hold[0] || r.act.status ||
			 r.act.truncate;
		if (rc || !effect)
			continue;
		if (f->n == MAX_RULES) {
			oc_log_error(
			    "oneclaw-vaultd: --faults: too many rules");
			rc = OC_ERR_RANGE;
			break;
		}
		f->rules[f->n] = r;
		/* The action names the rule's own copy of the path. */
		if (r.hold[0])
			f->rules[f->n].act.hold = f->rules[f->n].hold;
		f->n++;
	}
	free(copy);
	if (rc) {
		oc_faults_free(f);
		return rc;
	}
	*out = f;
	return OC_OK;
}

void oc_faults_free(struct oc_faults *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void oc_faults_check(struct oc_faults *f, const char *method, const char *path,
		     struct oc_fault_action *act)
{
	size_t i;

	memset(act, 0, sizeof(*act));
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->n; i++) {
		struct rule *r = &f->rules[i];

		if (r->method[0] && strcmp(r->method, method) != 0)
			continue;
		if (r->path[0] && strncmp(path, r->path, strlen(r->path)) != 0)
			continue;
		r->seen++;
		if (r->seen % r->rate == 0 &&
		    (r->count == 0 || r->fired < r->count)) {
			r->fired++;
			*act = r->act;
			act->fired = true;
		}
		break;
	}
	pthread_mutex_unlock(&f->lock);
}

unsigned oc_faults_rotate_delay(const struct oc_faults *f)
{
	return f ? f->rotate_delay : 0;
}

const char *oc_faults_rotate_hold(const struct oc_faults *f)
{
	return f && f->rotate_hold[0] ? f->rotate_hold : NULL;
}
