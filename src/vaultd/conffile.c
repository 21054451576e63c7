/* conffile.c - oneclaw-vaultd's configuration file: lines read by the
 * core's reader (conf.h), each turned into the call its long option makes
 * on the command line. */
#include "config.h"

#include "conffile.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "log.h"

/* A value kept for the handler, which may hold on to it. */
struct kept {
	struct kept *next;
	char value[];
};

struct oc_vaultd_conf {
	struct kept *values;
};

struct reading {
	struct oc_vaultd_conf *conf;
	const struct option *opts;
	const char *const *command_line_only;
	bool *seen; /* per option: a key of the file named it already */
	oc_vaultd_option_fn fn;
	void *ctx;
	char *errbuf;
	size_t errlen;
};

static bool listed(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* The option a key names, '_' read as '-'; -1 when none. */
static long option_index(const struct option *opts, char *key)
{
	long i;

	for (char *p = key; *p; p++)
		if (*p == '_')
			*p = '-';
	for (i = 0; opts[i].name; i++)
		if (strcmp(opts[i].name, key) == 0)
			return i;
	return -1;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A key fit to quote in a message: cut, control bytes shown as '?'. */
static void printable(const char *key, char *out, size_t size)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < size; i++)
		out[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f
			     ? '?'
			     : key[i];
	out[i] = '\0';
}

static int keep(struct oc_vaultd_conf *c, const char *value, const char **out)
{
	size_t n = strlen(value) + 1;
	struct kept *k = malloc(sizeof(*k) + n);

	if (!k)
		return OC_ERR_NOMEM;
	memcpy(k->value, value, n);
	k->next = c->values;
	c->values = k;
	*out = k->value;
	return OC_OK;
}

static int one_line(void *ctx, const struct oc_conf_line *l)
{
	struct reading *rd = ctx;
	const struct option *o;
	char name[OC_CONF_MAX_LINE + 4200], shown[65];
	const char *value;
	long i;

	if (l->section) {
		snprintf(rd->errbuf, rd->errlen,
			 "%s: sections have no meaning here", l->where);
		return OC_ERR_CONFIG;
	}
	i = option_index(rd->opts, l->key);
	if (i < 0) {
		printable(l->key, shown, sizeof(shown));
		snprintf(rd->errbuf, rd->errlen,
			 "%s: unknown key %s (the keys are the long options "
			 "of oneclaw-vaultd(8))",
			 l->where, shown);
		return OC_ERR_CONFIG;
	}
	o = &rd->opts[i];
	if (o->has_arg == no_argument ||
	    listed(o->name, rd->command_line_only)) {
		snprintf(rd->errbuf, rd->errlen,
			 "%s: %s is not a setting: give --%s on the command "
			 "line",
			 l->where, o->name, o->name);
		return OC_ERR_CONFIG;
	}
	if (rd->seen[i]) {
		snprintf(rd->errbuf, rd->errlen, "%s: %s is set twice",
			 l->where, o->name);
		return OC_ERR_CONFIG;
	}
	rd->seen[i] = true;
	if (*l->value == '\0') {
		snprintf(rd->errbuf, rd->errlen, "%s: %s has no value",
			 l->where, o->name);
		return OC_ERR_CONFIG;
	}
	if (has_control(l->value)) {
		snprintf(rd->errbuf, rd->errlen,
			 "%s: %s has a control character in its value",
			 l->where, o->name);
		return OC_ERR_CONFIG;
	}
	if (keep(rd->conf, l->value, &value) != OC_OK) {
		snprintf(rd->errbuf, rd->errlen, "%s: out of memory", l->where);
		return OC_ERR_NOMEM;
	}
	snprintf(name, sizeof(name), "%s: %s", l->where, o->name);
	/* The handler reported its own problem: nothing to add. */
	if (rd->fn(rd->ctx, o->val, value, name) != OC_OK) {
		rd->errbuf[0] = '\0';
		return OC_ERR_CONFIG;
	}
	return OC_OK;
}

int oc_vaultd_conf_load(const char *path, const struct option *opts,
			const char *const *command_line_only,
			oc_vaultd_option_fn fn, void *ctx,
			struct oc_vaultd_conf **out)
{
	char errbuf[OC_CONF_MAX_LINE + 512];
	struct reading rd = {
	    .opts = opts,
	    .command_line_only = command_line_only,
	    .fn = fn,
	    .ctx = ctx,
	    .errbuf = errbuf,
	    .errlen = sizeof(errbuf),
	};
	size_t n = 0;
	int rc = OC_ERR_NOMEM;

	errbuf[0] = '\0';
	*out = calloc(1, sizeof(**out));
	while (opts[n].name)
		n++;
	rd.seen = calloc(n + 1, sizeof(*rd.seen));
	rd.conf = *out;
	if (*out && rd.seen)
		rc = oc_conf_read_lines(path, one_line, &rd, errbuf,
					sizeof(errbuf));
	else
		snprintf(errbuf, sizeof(errbuf), "%s: out of memory", path);
	free(rd.seen);
	if (rc == OC_OK)
		return OC_OK;
	if (errbuf[0])
		oc_log_error("oneclaw-vaultd: %s", errbuf);
	return OC_ERR_CONFIG;
}

void oc_vaultd_conf_free(struct oc_vaultd_conf *c)
{
	struct kept *k, *next;

	if (!c)
		return;
	for (k = c->values; k; k = next) {
		next = k->next;
		free(k);
	}
	free(c);
}
