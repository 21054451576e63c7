/* conf.c - configuration: defaults, the file, the environment, then the
 * reserved string from p11-kit, later layers winning.
 *
 * Every value is checked as it is set and the first problem stops the load
 * with one message "<where>: <key>: <reason>" that never quotes a value.
 * Vault semantics: vaults[] holds the explicit list and every [vault ID]
 * section; when vaults_explicit is set, every entry is a slot.  A later
 * "vaults" setting replaces the earlier list (entries that carry a
 * section of their own, a key or a name, stay).  Setting one CMEK key
 * source (file, env, uri) in a layer replaces the others of the same scope,
 * so at most one is set. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "codec.h"
#include "err.h"
#include "log.h"
#include "secmem.h"
#include "sealkey.h"
#include "wire.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define DEFAULT_CONF	   SYSCONFDIR "/oneclaw/pkcs11.conf"
#define MAX_URL		   2048u
#define MAX_PATH	   4096u
#define MAX_ID		   128u
#define MAX_ENV_NAME	   128u
#define MAX_CRED	   8192u
#define MAX_RESERVED	   (16u * 1024)
#define MAX_VALUE_SIZE_CAP (16u * 1024 * 1024)

struct loader {
	struct oc_conf *c;
	char *cred_file; /* credential_file from any layer */
	char *errbuf;
	size_t errlen;
	const char *where; /* "file:line", "environment", "x-init-reserved" */
	const char *alias; /* names the env variable instead of the key */
	char where_buf[MAX_PATH + 32];
};

static void fail(struct loader *ld, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "<where>: <key>: <reason>" (key left out when NULL). */
static void fail(struct loader *ld, const char *key, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	if (ld->errbuf == NULL || ld->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (ld->alias != NULL)
		key = ld->alias;
	if (key != NULL)
		snprintf(ld->errbuf, ld->errlen, "%s: %s: %s", ld->where, key,
			 reason);
	else
		snprintf(ld->errbuf, ld->errlen, "%s: %s", ld->where, reason);
}

static void verrmsg(char *errbuf, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void verrmsg(char *errbuf, size_t errlen, const char *fmt, va_list ap)
{
	if (errbuf != NULL && errlen > 0)
		vsnprintf(errbuf, errlen, fmt, ap);
}

static void errmsg(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A whole message (file-level problems name the path themselves). */
static void errmsg(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(errbuf, errlen, fmt, ap);
	va_end(ap);
}

static void msg(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void msg(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg(ld->errbuf, ld->errlen, fmt, ap);
	va_end(ap);
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static int set_str(char **field, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		return OC_ERR_NOMEM;
	free(*field);
	*field = d;
	return OC_OK;
}

/* --- value checks ------------------------------------------------------ */

static int valid_path(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n < MAX_PATH && !has_ctl(v);
}

/* Visible ASCII only, no blanks: what goes into a header or a URL as
 * it is. */
static bool visible_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

bool oc_conf_runtime_id_ok(const char *v)
{
	size_t n = v ? strnlen(v, OC_CONF_MAX_RUNTIME_ID + 1) : 0;

	return n > 0 && n <= OC_CONF_MAX_RUNTIME_ID && visible_ascii(v, n);
}

static int valid_id(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > MAX_ID)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return 0;
	}
	return 1;
}

static int valid_env_name(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > MAX_ENV_NAME || (v[0] >= '0' && v[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
	}
	return 1;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1")) {
		*out = true;
		return 1;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0")) {
		*out = false;
		return 1;
	}
	return 0;
}

static int host_is_loopback(const char *host, size_t n, int bracketed)
{
	char tmp[64];
	unsigned char addr[16];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, host, n);
	tmp[n] = '\0';
	if (bracketed)
		return inet_pton(AF_INET6, tmp, addr) == 1 &&
		       memcmp(addr, &in6addr_loopback, 16) == 0;
	if (strcasecmp(tmp, "localhost") == 0)
		return 1;
	return inet_pton(AF_INET, tmp, addr) == 1 && addr[0] == 127;
}

int oc_conf_url_allowed(const char *url)
{
	const char *p, *auth, *end, *host, *port;
	size_t n, hn, i;
	int https, bracketed = 0;

	if (url == NULL)
		return 0;
	n = strnlen(url, MAX_URL + 1);
	if (n == 0 || n > MAX_URL || !visible_ascii(url, n))
		return 0;
	if (strncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		return 0;
	}
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return 0; /* no userinfo */
	if (*auth == '[') {
		bracketed = 1;
		host = auth + 1;
		p = memchr(host, ']', (size_t)(end - host));
		if (p == NULL)
			return 0;
		hn = (size_t)(p - host);
		for (i = 0; i < hn; i++)
			if (!(host[i] == ':' || host[i] == '.' ||
			      (host[i] >= '0' && host[i] <= '9') ||
			      (host[i] >= 'a' && host[i] <= 'f') ||
			      (host[i] >= 'A' && host[i] <= 'F')))
				return 0;
		port = p + 1;
	} else {
		host = auth;
		p = memchr(host, ':', (size_t)(end - host));
		hn = (size_t)((p ? p : end) - host);
		for (i = 0; i < hn; i++)
			if (!(host[i] == '-' || host[i] == '.' ||
			      (host[i] >= '0' && host[i] <= '9') ||
			      (host[i] >= 'a' && host[i] <= 'z') ||
			      (host[i] >= 'A' && host[i] <= 'Z')))
				return 0;
		port = p ? p : end;
	}
	if (hn == 0)
		return 0;
	if (port < end) {
		unsigned long v = 0;

		if (*port != ':' || port + 1 == end || end - port > 6)
			return 0;
		for (p = port + 1; p < end; p++) {
			if (*p < '0' || *p > '9')
				return 0;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v == 0 || v > 65535)
			return 0;
	}
	if (https)
		return 1;
	return host_is_loopback(host, hn, bracketed);
}

enum oc_cred_kind oc_conf_cred_kind(const char *s)
{
	const char *d;
	int dots = 0;

	if (s == NULL || *s == '\0')
		return OC_CRED_NONE;
	if (strncmp(s, "ocv_", 4) == 0)
		return OC_CRED_AGENT_KEY;
	if (strncmp(s, "1ck_", 4) == 0)
		return OC_CRED_USER_KEY;
	for (d = s; *d; d++)
		if (*d == '.')
			dots++;
	return dots == 2 ? OC_CRED_TOKEN : OC_CRED_NONE;
}

/* --- the struct -------------------------------------------------------- */

static void key_free(struct oc_conf_key *k)
{
	free(k->file);
	free(k->env);
	free(k->uri);
	free(k->module);
	free(k->pin_file);
	free(k->fingerprint);
	memset(k, 0, sizeof(*k));
}

static int key_has_source(const struct oc_conf_key *k)
{
	return k->file != NULL || k->env != NULL || k->uri != NULL;
}

void oc_conf_free(struct oc_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->api_url);
	free(c->ca_file);
	free(c->ca_path);
	oc_secure_free(c->credential);
	free(c->agent_id);
	free(c->runtime_id);
	for (i = 0; i < c->n_vaults && i < OC_CONF_MAX_VAULTS; i++) {
		free(c->vaults[i].id);
		free(c->vaults[i].name);
		key_free(&c->vaults[i].key);
	}
	key_free(&c->key);
	free(c->dpop_key_uri);
	free(c->dpop_key_module);
	free(c->token_cache);
	free(c->dpop_key_pin_file);
	free(c->unseal.key_uri);
	free(c->unseal.module);
	free(c->unseal.pin_file);
	free(c->credential_sealed);
	free(c->debug);
	free(c->debug_file);
	free(c->audit_file);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

static int set_defaults(struct oc_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->api_url = strdup(OC_DEFAULT_API_URL);
	if (c->api_url == NULL)
		return OC_ERR_NOMEM;
	c->cache_ttl_s = 300;
	c->connect_timeout_s = 10;
	c->timeout_s = 30;
	c->retries = 2;
	c->read_only = false;
	c->max_value_size = OC_WIRE_VALUE_MAX;
	return OC_OK;
}

static int vault_index(struct loader *ld, const char *id, const char *key,
		       size_t *idx)
{
	struct oc_conf *c = ld->c;
	size_t i;

	for (i = 0; i < c->n_vaults; i++) {
		if (strcmp(c->vaults[i].id, id) == 0) {
			*idx = i;
			return OC_OK;
		}
	}
	if (c->n_vaults >= OC_CONF_MAX_VAULTS) {
		fail(ld, key, "more than %d vaults", OC_CONF_MAX_VAULTS);
		return OC_ERR_CONFIG;
	}
	c->vaults[c->n_vaults].id = strdup(id);
	if (c->vaults[c->n_vaults].id == NULL)
		return OC_ERR_NOMEM;
	*idx = c->n_vaults++;
	return OC_OK;
}

/* A later "vaults" list replaces the earlier one; entries that carry a
 * section of their own stay. */
static void drop_plain_vaults(struct oc_conf *c)
{
	size_t i, j = 0;

	for (i = 0; i < c->n_vaults; i++) {
		if (key_has_source(&c->vaults[i].key) ||
		    c->vaults[i].key.module || c->vaults[i].key.pin_file ||
		    c->vaults[i].key.fingerprint || c->vaults[i].name ||
		    c->vaults[i].allow_unsealed || c->vaults[i].cmek_values) {
			c->vaults[j++] = c->vaults[i];
		} else {
			free(c->vaults[i].id);
			key_free(&c->vaults[i].key);
		}
	}
	for (i = j; i < c->n_vaults; i++)
		memset(&c->vaults[i], 0, sizeof(c->vaults[i]));
	c->n_vaults = j;
}

static int set_vaults(struct loader *ld, const char *key, const char *v)
{
	char id[MAX_ID + 1];
	const char *p = v, *e;
	size_t n, idx;
	int rc;

	drop_plain_vaults(ld->c);
	while (*p) {
		while (*p == ',' || is_space(*p))
			p++;
		if (!*p)
			break;
		e = p;
		while (*e && *e != ',' && !is_space(*e))
			e++;
		n = (size_t)(e - p);
		if (n > MAX_ID) {
			fail(ld, key, "a vault id is too long");
			return OC_ERR_CONFIG;
		}
		memcpy(id, p, n);
		id[n] = '\0';
		if (!valid_id(id)) {
			fail(ld, key, "invalid vault id");
			return OC_ERR_CONFIG;
		}
		rc = vault_index(ld, id, key, &idx);
		if (rc != OC_OK)
			return rc;
		p = e;
	}
	ld->c->vaults_explicit = true;
	return OC_OK;
}

enum vtype {
	V_URL,
	V_PATH,
	V_ID,
	V_HEADER,
	V_VAULTS,
	V_ENVNAME,
	V_URI,
	V_FPR,
	V_UINT,
	V_BOOL,
	V_DEBUG,
	V_CMEK_VALUES,
	V_AUDIT,
	V_NAME,
};

enum target {
	T_API_URL,
	T_CA_FILE,
	T_CA_PATH,
	T_CRED_FILE,
	T_AGENT_ID,
	T_RUNTIME_ID,
	T_VAULTS,
	T_KEY_FILE,
	T_KEY_ENV,
	T_KEY_URI,
	T_KEY_MODULE,
	T_KEY_PIN_FILE,
	T_KEY_FPR,
	T_UNSEAL_KEY_URI,
	T_UNSEAL_MODULE,
	T_UNSEAL_PIN_FILE,
	T_ALLOW_UNSEALED,
	T_CMEK_VALUES,
	T_DPOP_URI,
	T_DPOP_MODULE,
	T_DPOP_PIN_FILE,
	T_TOKEN_CACHE,
	T_CACHE_TTL,
	T_CONNECT_TIMEOUT,
	T_TIMEOUT,
	T_RETRIES,
	T_READ_ONLY,
	T_DEBUG,
	T_DEBUG_FILE,
	T_MAX_VALUE_SIZE,
	T_AUDIT,
	T_NAME,
};

static const struct keydef {
	const char *name;
	enum vtype type;
	enum target target;
	bool in_section; /* allowed inside [vault ID] */
	unsigned long min, max;
} keydefs[] = {
    {"api_url", V_URL, T_API_URL, false, 0, 0},
    {"ca_file", V_PATH, T_CA_FILE, false, 0, 0},
    {"ca_path", V_PATH, T_CA_PATH, false, 0, 0},
    {"credential_file", V_PATH, T_CRED_FILE, false, 0, 0},
    {"agent_id", V_ID, T_AGENT_ID, false, 0, 0},
    {"runtime_id", V_HEADER, T_RUNTIME_ID, false, 0, 0},
    {"vaults", V_VAULTS, T_VAULTS, false, 0, 0},
    {"cmek_key_file", V_PATH, T_KEY_FILE, true, 0, 0},
    {"cmek_key_env", V_ENVNAME, T_KEY_ENV, true, 0, 0},
    {"cmek_key_uri", V_URI, T_KEY_URI, true, 0, 0},
    {"cmek_key_module", V_PATH, T_KEY_MODULE, true, 0, 0},
    {"cmek_key_pin_file", V_PATH, T_KEY_PIN_FILE, true, 0, 0},
    {"cmek_key_fingerprint", V_FPR, T_KEY_FPR, true, 0, 0},
    {"unseal_key_uri", V_URI, T_UNSEAL_KEY_URI, false, 0, 0},
    {"unseal_module", V_PATH, T_UNSEAL_MODULE, false, 0, 0},
    {"unseal_pin_file", V_PATH, T_UNSEAL_PIN_FILE, false, 0, 0},
    {"allow_unsealed", V_BOOL, T_ALLOW_UNSEALED, true, 0, 0},
    {"cmek_values", V_CMEK_VALUES, T_CMEK_VALUES, true, 0, 0},
    {"dpop_key_uri", V_URI, T_DPOP_URI, false, 0, 0},
    {"dpop_key_module", V_PATH, T_DPOP_MODULE, false, 0, 0},
    {"dpop_key_pin_file", V_PATH, T_DPOP_PIN_FILE, false, 0, 0},
    {"token_cache", V_PATH, T_TOKEN_CACHE, false, 0, 0},
    {"cache_ttl", V_UINT, T_CACHE_TTL, false, 0, 86400},
    {"connect_timeout", V_UINT, T_CONNECT_TIMEOUT, false, 1, 600},
    {"timeout", V_UINT, T_TIMEOUT, false, 1, 600},
    {"retries", V_UINT, T_RETRIES, false, 0, 10},
    {"read_only", V_BOOL, T_READ_ONLY, false, 0, 0},
    {"debug", V_DEBUG, T_DEBUG, false, 0, 0},
    {"debug_file", V_PATH, T_DEBUG_FILE, false, 0, 0},
    {"max_value_size", V_UINT, T_MAX_VALUE_SIZE, false, 1, MAX_VALUE_SIZE_CAP},
    {"audit", V_AUDIT, T_AUDIT, false, 0, 0},
    {"name", V_NAME, T_NAME, true, 0, 0},
};

/* Key names are echoed in messages only when they look like key names. */
static const char *printable_key(const char *k)
{
	size_t n = strlen(k), i;

	if (n == 0 || n > 40)
		return "(invalid key)";
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		      k[i] == '-' || k[i] == '.'))
			return "(invalid key)";
	return k;
}

/* Sets one CMEK key source, clearing the other sources of the scope. */
static int set_key_source(struct oc_conf_key *k, enum target t, const char *v)
{
	char **field = t == T_KEY_FILE	? &k->file
		       : t == T_KEY_ENV ? &k->env
					: &k->uri;
	char *d = strdup(v);

	if (d == NULL)
		return OC_ERR_NOMEM;
	free(k->file);
	free(k->env);
	free(k->uri);
	k->file = k->env = k->uri = NULL;
	*field = d;
	return OC_OK;
}

/* audit = off | syslog | /path (checked by apply). */
static int set_audit(struct oc_conf *c, const char *v)
{
	free(c->audit_file);
	c->audit_file = NULL;
	c->audit = OC_CONF_AUDIT_OFF;
	if (strcmp(v, "off") == 0)
		return OC_OK;
	if (strcmp(v, "syslog") == 0) {
		c->audit = OC_CONF_AUDIT_SYSLOG;
		return OC_OK;
	}
	c->audit = OC_CONF_AUDIT_FILE;
	return set_str(&c->audit_file, v);
}

/* Applies key = value; section is the vault index or -1 for global. */
static int apply(struct loader *ld, long section, const char *key,
		 const char *v)
{
	struct oc_conf *c = ld->c;
	const struct keydef *d = NULL;
	struct oc_conf_key *k;
	unsigned long num = 0;
	char fpr[65];
	size_t i;
	bool b = false;
	enum oc_cmek_values values = OC_CMEK_VALUES_UNSET;

	for (i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]); i++)
		if (strcmp(keydefs[i].name, key) == 0)
			d = &keydefs[i];
	if (d == NULL) {
		fail(ld, printable_key(key), "unknown key");
		return OC_ERR_CONFIG;
	}
	if (section >= 0 && !d->in_section) {
		fail(ld, key, "not allowed in a [vault] section");
		return OC_ERR_CONFIG;
	}
	if (section < 0 && d->target == T_NAME) {
		fail(ld, key, "only in a [vault ID] section");
		return OC_ERR_CONFIG;
	}
	if (*v == '\0' && d->type != V_DEBUG) {
		fail(ld, key, "empty value");
		return OC_ERR_CONFIG;
	}
	switch (d->type) {
	case V_URL:
		if (!oc_conf_url_allowed(v)) {
			fail(ld, key,
			     "must be an https:// URL, or http:// to a "
			     "loopback address, without user info");
			return OC_ERR_CONFIG;
		}
		break;
	case V_PATH:
		if (!valid_path(v)) {
			fail(ld, key, "invalid path");
			return OC_ERR_CONFIG;
		}
		break;
	case V_ID:
		if (!valid_id(v)) {
			fail(ld, key, "invalid id");
			return OC_ERR_CONFIG;
		}
		break;
	case V_HEADER:
		if (!oc_conf_runtime_id_ok(v)) {
			fail(ld, key,
			     "must be 1 to %d visible ASCII characters",
			     OC_CONF_MAX_RUNTIME_ID);
			return OC_ERR_CONFIG;
		}
		break;
	case V_VAULTS:
		return set_vaults(ld, key, v);
	case V_ENVNAME:
		if (!valid_env_name(v)) {
			fail(ld, key, "invalid environment variable name");
			return OC_ERR_CONFIG;
		}
		break;
	case V_URI:
		if (strncmp(v, "pkcs11:", 7) != 0 || strlen(v) >= MAX_PATH ||
		    has_ctl(v)) {
			fail(ld, key, "must be a pkcs11: URI");
			return OC_ERR_CONFIG;
		}
		break;
	case V_FPR:
		if (strlen(v) != 64) {
			fail(ld, key, "must be 64 hex characters");
			return OC_ERR_CONFIG;
		}
		for (i = 0; i < 64; i++) {
			char ch = v[i];

			if (ch >= 'A' && ch <= 'F')
				ch = (char)(ch - 'A' + 'a');
			if (!((ch >= '0' && ch <= '9') ||
			      (ch >= 'a' && ch <= 'f'))) {
				fail(ld, key, "must be 64 hex characters");
				return OC_ERR_CONFIG;
			}
			fpr[i] = ch;
		}
		fpr[64] = '\0';
		v = fpr;
		break;
	case V_UINT:
		if (oc_decimal_parse(v, d->min, d->max, &num)) {
			fail(ld, key, "must be a whole number from %lu to %lu",
			     d->min, d->max);
			return OC_ERR_CONFIG;
		}
		break;
	case V_BOOL:
		if (!parse_bool(v, &b)) {
			fail(ld, key, "must be true or false");
			return OC_ERR_CONFIG;
		}
		break;
	case V_CMEK_VALUES:
		if (strcmp(v, "sealed") == 0) {
			values = OC_CMEK_VALUES_SEALED;
		} else if (strcmp(v, "opened") == 0) {
			values = OC_CMEK_VALUES_OPENED;
		} else {
			fail(ld, key, "must be sealed or opened");
			return OC_ERR_CONFIG;
		}
		break;
	case V_DEBUG:
		/* Never refused: a debug switch must not stop loading; the
		 * log warns once about a name it does not know. */
		break;
	case V_NAME:
		if (!oc_conf_vault_name_ok(v)) {
			fail(ld, key,
			     "must be UTF-8 text without control characters, "
			     "at most %d bytes",
			     OC_WIRE_NAME_MAX);
			return OC_ERR_CONFIG;
		}
		break;
	case V_AUDIT:
		if (strcmp(v, "off") != 0 && strcmp(v, "syslog") != 0 &&
		    (v[0] != '/' || !valid_path(v))) {
			fail(ld, key,
			     "must be off, syslog or an absolute path");
			return OC_ERR_CONFIG;
		}
		break;
	}

	k = section >= 0 ? &c->vaults[section].key : &c->key;
	switch (d->target) {
	case T_API_URL:
		return set_str(&c->api_url, v);
	case T_CA_FILE:
		return set_str(&c->ca_file, v);
	case T_CA_PATH:
		return set_str(&c->ca_path, v);
	case T_CRED_FILE:
		return set_str(&ld->cred_file, v);
	case T_AGENT_ID:
		return set_str(&c->agent_id, v);
	case T_RUNTIME_ID:
		return set_str(&c->runtime_id, v);
	case T_KEY_FILE:
	case T_KEY_ENV:
	case T_KEY_URI:
		return set_key_source(k, d->target, v);
	case T_KEY_MODULE:
		return set_str(&k->module, v);
	case T_KEY_PIN_FILE:
		return set_str(&k->pin_file, v);
	case T_KEY_FPR:
		return set_str(&k->fingerprint, v);
	case T_DPOP_URI:
		return set_str(&c->dpop_key_uri, v);
	case T_DPOP_MODULE:
		return set_str(&c->dpop_key_module, v);
	case T_DPOP_PIN_FILE:
		return set_str(&c->dpop_key_pin_file, v);
	case T_UNSEAL_KEY_URI:
		return set_str(&c->unseal.key_uri, v);
	case T_UNSEAL_MODULE:
		return set_str(&c->unseal.module, v);
	case T_UNSEAL_PIN_FILE:
		return set_str(&c->unseal.pin_file, v);
	case T_ALLOW_UNSEALED:
		if (section >= 0)
			c->vaults[section].allow_unsealed = b;
		else
			c->allow_unsealed = b;
		break;
	case T_CMEK_VALUES:
		if (section >= 0)
			c->vaults[section].cmek_values = values;
		else
			c->cmek_values = values;
		break;
	case T_TOKEN_CACHE:
		return set_str(&c->token_cache, v);
	case T_CACHE_TTL:
		c->cache_ttl_s = (unsigned)num;
		break;
	case T_CONNECT_TIMEOUT:
		c->connect_timeout_s = (unsigned)num;
		break;
	case T_TIMEOUT:
		c->timeout_s = (unsigned)num;
		break;
	case T_RETRIES:
		c->retries = (unsigned)num;
		break;
	case T_READ_ONLY:
		c->read_only = b;
		break;
	case T_DEBUG:
		return set_str(&c->debug, v);
	case T_DEBUG_FILE:
		return set_str(&c->debug_file, v);
	case T_MAX_VALUE_SIZE:
		c->max_value_size = num;
		break;
	case T_AUDIT:
		return set_audit(c, v);
	case T_NAME:
		return set_str(&c->vaults[section].name, v);
	case T_VAULTS:
		break;
	}
	return OC_OK;
}

/* --- reading files ----------------------------------------------------- */

int oc_conf_check_file(const char *path, const struct stat *st, bool secret,
		       char *errbuf, size_t errlen)
{
	unsigned long me = (unsigned long)geteuid();
	const char *why, *fix;

	if (st->st_uid != me && st->st_uid != 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(
			    errbuf, errlen,
			    "%s is owned by uid %lu, not by you (uid %lu) or "
			    "root; refusing it (chown %lu %s, or use "
			    "a file of your own)",
			    path, (unsigned long)st->st_uid, me, me, path);
		return OC_ERR_PERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		why = "writable by group or others";
		fix = "chmod go-w";
	} else if (secret && (st->st_mode & S_IROTH)) {
		why = "readable by others";
		fix = "chmod o-r";
	} else {
		return OC_OK;
	}
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s is %s; refusing it (%s %s)", path,
			 why, fix, path);
	return OC_ERR_PERM;
}

/* Reads a whole regular file of at most max bytes into a NUL-terminated
 * buffer (secure memory when secret).  The file must pass
 * oc_conf_check_file.  Messages name the path. */
static int read_file(const char *path, size_t max, bool secret, char **out,
		     size_t *out_len, struct stat *st_out, char *errbuf,
		     size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, rc = OC_ERR_CONFIG, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		errmsg(errbuf, errlen, "%s: cannot open: %s", path,
		       strerror(e));
		return e == ENOENT ? OC_ERR_IO : OC_ERR_CONFIG;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		errmsg(errbuf, errlen, "%s: cannot stat: %s", path,
		       strerror(e));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errmsg(errbuf, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (oc_conf_check_file(path, &st, secret, errbuf, errlen) != OC_OK)
		goto out;
	if ((unsigned long long)st.st_size > max) {
		errmsg(errbuf, errlen, "%s: larger than %zu bytes; refusing it",
		       path, max);
		goto out;
	}
	rc = OC_ERR_NOMEM;
	data = secret ? oc_secure_alloc(max + 2) : malloc(max + 2);
	if (data == NULL)
		goto out;
	rc = OC_ERR_CONFIG;
	while (len <= max) {
		r = read(fd, data + len, max + 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			errmsg(errbuf, errlen, "%s: cannot read: %s", path,
			       strerror(e));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		errmsg(errbuf, errlen, "%s: larger than %zu bytes; refusing it",
		       path, max);
		goto out;
	}
	data[len] = '\0';
	if (memchr(data, '\0', len) != NULL) {
		errmsg(errbuf, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	*out = data;
	*out_len = len;
	if (st_out != NULL)
		*st_out = st;
	data = NULL;
	rc = OC_OK;
out:
	if (data != NULL) {
		if (secret) {
			oc_secure_free(data);
		} else {
			free(data);
		}
	}
	close(fd);
	return rc;
}

static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	return s;
}

/* Splits text into lines for oc_conf_read_lines. */
static int split_lines(const char *path, char *text, size_t len,
		       oc_conf_line_fn fn, void *ctx, char *errbuf,
		       size_t errlen)
{
	char where[MAX_PATH + 32];
	char *line = text, *nl, *p, *eq;
	struct oc_conf_line l;
	unsigned lineno = 0;
	size_t n;
	int rc;

	while (line < text + len) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		nl = memchr(line, '\n', (size_t)(text + len - line));
		n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		if (nl)
			*nl = '\0';
		if (n > OC_CONF_MAX_LINE) {
			errmsg(errbuf, errlen, "%s: line longer than %u bytes",
			       where, OC_CONF_MAX_LINE);
			return OC_ERR_CONFIG;
		}
		/* A comment starts at a '#' at the start or after a blank. */
		for (p = line; *p; p++) {
			if (*p == '#' && (p == line || is_space(p[-1]))) {
				*p = '\0';
				break;
			}
		}
		p = trim(line);
		line = nl ? nl + 1 : text + len;
		if (*p == '\0')
			continue;
		memset(&l, 0, sizeof(l));
		l.where = where;
		if (*p == '[') {
			l.section = p;
		} else {
			eq = strchr(p, '=');
			if (eq == NULL) {
				errmsg(errbuf, errlen,
				       "%s: expected key = value", where);
				return OC_ERR_CONFIG;
			}
			*eq = '\0';
			l.key = trim(p);
			l.value = trim(eq + 1);
			if (*l.key == '\0') {
				errmsg(errbuf, errlen,
				       "%s: expected key = value", where);
				return OC_ERR_CONFIG;
			}
		}
		rc = fn(ctx, &l);
		if (rc != OC_OK)
			return rc;
	}
	return OC_OK;
}

int oc_conf_read_lines(const char *path, oc_conf_line_fn fn, void *ctx,
		       char *errbuf, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (path == NULL || fn == NULL)
		return OC_ERR_ARGS;
	rc = read_file(path, OC_CONF_MAX_FILE, false, &text, &len, NULL, errbuf,
		       errlen);
	if (rc != OC_OK)
		return rc;
	rc = split_lines(path, text, len, fn, ctx, errbuf, errlen);
	free(text);
	return rc;
}

/* The module's reading of one line: [vault ID] sections, then keys that
 * apply to the section they are in. */
struct file_pass {
	struct loader *ld;
	long section;
};

static int module_line(void *ctx, const struct oc_conf_line *l)
{
	struct file_pass *fp = ctx;
	struct loader *ld = fp->ld;
	char *p = l->section, *val;
	size_t idx, n;
	int rc;

	/* Kept: the checks after the file still name its last line. */
	snprintf(ld->where_buf, sizeof(ld->where_buf), "%s", l->where);
	ld->where = ld->where_buf;
	if (p == NULL)
		return apply(ld, fp->section, l->key, l->value);
	n = strlen(p);
	if (p[n - 1] != ']' || strncmp(p + 1, "vault", 5) != 0 ||
	    !is_space(p[6])) {
		fail(ld, NULL, "malformed section (expected [vault ID])");
		return OC_ERR_CONFIG;
	}
	p[n - 1] = '\0';
	val = trim(p + 6);
	if (!valid_id(val)) {
		fail(ld, "vault", "invalid vault id");
		return OC_ERR_CONFIG;
	}
	rc = vault_index(ld, val, "vault", &idx);
	if (rc == OC_OK)
		fp->section = (long)idx;
	return rc;
}

/* missing_ok: the default path may be absent. */
static int load_conf_file(struct loader *ld, const char *path, bool missing_ok)
{
	struct file_pass fp = {.ld = ld, .section = -1};
	int rc;

	rc = oc_conf_read_lines(path, module_line, &fp, ld->errbuf, ld->errlen);
	if (rc == OC_ERR_IO && missing_ok) {
		if (ld->errbuf && ld->errlen)
			ld->errbuf[0] = '\0';
		return OC_OK;
	}
	if (rc == OC_OK)
		rc = set_str(&ld->c->source, path);
	else if (rc != OC_ERR_NOMEM)
		rc = OC_ERR_CONFIG;
	return rc;
}

/* --- credentials ------------------------------------------------------- */

/* Checks a credential: printable ASCII, no blanks, bounded. */
static int valid_cred(const char *s, size_t n)
{
	return n > 0 && n <= MAX_CRED && visible_ascii(s, n);
}

static int load_cred_file(struct loader *ld)
{
	struct oc_conf *c = ld->c;
	struct stat st;
	char *text = NULL, *s, *e;
	size_t len = 0;
	enum oc_cred_kind kind;
	int rc;

	rc = read_file(ld->cred_file, OC_SEALKEY_MAX_FILE, true, &text, &len,
		       &st, ld->errbuf, ld->errlen);
	if (rc != OC_OK)
		return OC_ERR_CONFIG;
	if (oc_sealkey_looks((const uint8_t *)text, len)) {
		/* Sealed: a front end that reaches the token opens it. */
		rc = set_str(&c->credential_sealed, ld->cred_file);
		goto out;
	}
	rc = OC_ERR_CONFIG;
	s = text;
	e = text + len;
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	if (!valid_cred(s, (size_t)(e - s))) {
		msg(ld,
		    "%s: credential_file: not a single credential (one "
		    "line of printable characters)",
		    ld->cred_file);
		goto out;
	}
	*e = '\0';
	kind = oc_conf_cred_kind(s);
	if (kind == OC_CRED_NONE) {
		msg(ld,
		    "%s: credential_file: not an ocv_ agent key, a 1ck_ "
		    "user key or a token",
		    ld->cred_file);
		goto out;
	}
	rc = OC_ERR_NOMEM;
	c->credential = oc_secure_strdup(s);
	if (c->credential == NULL)
		goto out;
	c->cred_kind = kind;
	if (st.st_mode & S_IRGRP)
		oc_debug(OC_LOG_CONF,
			 "credential file is readable by its group");
	rc = OC_OK;
out:
	oc_secure_free(text);
	return rc;
}

static int load_cred_env(struct loader *ld)
{
	static const struct {
		const char *name;
		enum oc_cred_kind kind;
	} vars[] = {
	    {"ONECLAW_TOKEN", OC_CRED_TOKEN},
	    {"ONECLAW_AGENT_API_KEY", OC_CRED_AGENT_KEY},
	    {"ONECLAW_API_KEY", OC_CRED_USER_KEY},
	};
	enum oc_cred_kind kind;
	const char *v;
	size_t i, n;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = secure_getenv(vars[i].name);
		if (v == NULL || *v == '\0')
			continue;
		n = strnlen(v, MAX_CRED + 1);
		if (!valid_cred(v, n)) {
			fail(ld, vars[i].name,
			     "not a credential (printable characters, no "
			     "blanks, at most %u)",
			     MAX_CRED);
			return OC_ERR_CONFIG;
		}
		kind = vars[i].kind;
		if (kind != OC_CRED_TOKEN &&
		    oc_conf_cred_kind(v) != OC_CRED_NONE)
			kind = oc_conf_cred_kind(v);
		ld->c->credential = oc_secure_strdup(v);
		if (ld->c->credential == NULL)
			return OC_ERR_NOMEM;
		ld->c->cred_kind = kind;
		oc_debug(OC_LOG_CONF, "credential from %s (%zu bytes)",
			 vars[i].name, n);
		return OC_OK;
	}
	return OC_OK;
}

/* --- environment and reserved string ----------------------------------- */

static const char *env(const char *name)
{
	const char *v = secure_getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static int load_env(struct loader *ld)
{
	struct oc_conf *c = ld->c;
	const char *v;
	size_t idx;
	int rc;

	ld->where = "environment";
#define APPLY(var, key)                                                        \
	do {                                                                   \
		if ((v = env(var)) != NULL) {                                  \
			if (strnlen(v, MAX_PATH + 1) > MAX_PATH) {             \
				fail(ld, var, "value too long");               \
				return OC_ERR_CONFIG;                          \
			}                                                      \
			ld->alias = var; /* name it, not the key */            \
			rc = apply(ld, -1, key, v);                            \
			ld->alias = NULL;                                      \
			if (rc != OC_OK)                                       \
				return rc;                                     \
		}                                                              \
	} while (0)

	if (env("ONECLAW_API_URL") != NULL)
		APPLY("ONECLAW_API_URL", "api_url");
	else
		APPLY("ONECLAW_BASE_URL", "api_url");
	APPLY("ONECLAW_CA_FILE", "ca_file");
	APPLY("ONECLAW_CREDENTIAL_FILE", "credential_file");
	APPLY("ONECLAW_AGENT_ID", "agent_id");
	APPLY("ONECLAW_RUNTIME_ID", "runtime_id");
	if ((v = env("ONECLAW_VAULT_ID")) != NULL) {
		if (strnlen(v, MAX_ID + 1) > MAX_ID || !valid_id(v)) {
			fail(ld, "ONECLAW_VAULT_ID", "invalid vault id");
			return OC_ERR_CONFIG;
		}
		rc = vault_index(ld, v, "ONECLAW_VAULT_ID", &idx);
		if (rc != OC_OK)
			return rc;
		c->vaults_explicit = true;
		/* What the vault is called before anything is asked of the
		 * server (a front end's label for it). */
		/* apply() bounds it (oc_conf_vault_name_ok). */
		if ((v = env("ONECLAW_VAULT_NAME")) != NULL) {
			ld->alias = "ONECLAW_VAULT_NAME";
			rc = apply(ld, (long)idx, "name", v);
			ld->alias = NULL;
			if (rc != OC_OK)
				return rc;
		}
	} else if (env("ONECLAW_VAULT_NAME") != NULL) {
		/* A name alone cannot choose a vault without asking the
		 * server, which loading the module never does. */
		fail(ld, "ONECLAW_VAULT_NAME", "set without ONECLAW_VAULT_ID");
		return OC_ERR_CONFIG;
	}
	if (env("ONECLAW_CMEK_KEY") != NULL) {
		rc = set_key_source(&c->key, T_KEY_ENV, "ONECLAW_CMEK_KEY");
		if (rc != OC_OK)
			return rc;
	}
	APPLY("ONECLAW_CMEK_KEY_FILE", "cmek_key_file");
	APPLY("ONECLAW_DPOP_KEY_URI", "dpop_key_uri");
	APPLY("ONECLAW_DPOP_KEY_MODULE", "dpop_key_module");
	APPLY("ONECLAW_TOKEN_CACHE", "token_cache");
	APPLY("ONECLAW_DPOP_KEY_PIN_FILE", "dpop_key_pin_file");
	/* The log reads ONECLAW_PKCS11_DEBUG itself (oc_log_init, with no
	 * length limit) and a debug switch never stops loading: a value too
	 * long to copy here is left to the log alone. */
	if ((v = env("ONECLAW_PKCS11_DEBUG")) == NULL ||
	    strnlen(v, MAX_PATH + 1) <= MAX_PATH)
		APPLY("ONECLAW_PKCS11_DEBUG", "debug");
	APPLY("ONECLAW_PKCS11_DEBUG_FILE", "debug_file");
	APPLY("ONECLAW_PKCS11_AUDIT", "audit");
#undef APPLY
	return OC_OK;
}

static int load_reserved(struct loader *ld, const char *reserved)
{
	char *copy, *p, *e, *eq;
	size_t n;
	int rc = OC_OK;

	ld->where = "x-init-reserved";
	n = strnlen(reserved, MAX_RESERVED + 1);
	if (n > MAX_RESERVED) {
		fail(ld, NULL, "longer than %u bytes", MAX_RESERVED);
		return OC_ERR_CONFIG;
	}
	copy = strdup(reserved);
	if (copy == NULL)
		return OC_ERR_NOMEM;
	p = copy;
	while (*p) {
		while (*p == ';' || is_space(*p))
			p++;
		if (!*p)
			break;
		e = p;
		while (*e && *e != ';' && !is_space(*e))
			e++;
		if (*e)
			*e++ = '\0';
		eq = strchr(p, '=');
		if (eq == NULL || eq == p) {
			fail(ld, NULL, "expected key=value pairs");
			rc = OC_ERR_CONFIG;
			break;
		}
		*eq = '\0';
		rc = apply(ld, -1, p, eq + 1);
		if (rc != OC_OK)
			break;
		p = e;
	}
	free(copy);
	return rc;
}

static void log_summary(const struct oc_conf *c)
{
	static const char *kinds[] = {"none (PIN mode)", "agent key",
				      "user key", "token"};

	oc_debug(OC_LOG_CONF,
		 "config from %s: api_url %s, credential %s, %zu vault "
		 "entries%s, default key %s, ttl %us, timeouts %us/%us, "
		 "retries %u, %s",
		 c->source ? c->source : "(no file)", c->api_url,
		 kinds[c->cred_kind], c->n_vaults,
		 c->vaults_explicit ? " (explicit)" : "",
		 key_has_source(&c->key) ? "set" : "none", c->cache_ttl_s,
		 c->connect_timeout_s, c->timeout_s, c->retries,
		 c->read_only ? "read-only" : "read-write");
}

/* The DPoP key's module and PIN mean nothing without its URI: a setting
 * silently ignored would leave tokens unbound that the user meant bound. */
static int check_dpop(struct loader *ld)
{
	const struct oc_conf *c = ld->c;

	if (c->dpop_key_uri || (!c->dpop_key_module && !c->dpop_key_pin_file))
		return OC_OK;
	ld->where = "configuration";
	fail(ld, c->dpop_key_module ? "dpop_key_module" : "dpop_key_pin_file",
	     "set without dpop_key_uri (ONECLAW_DPOP_KEY_URI)");
	return OC_ERR_CONFIG;
}

/* Opened values need the vault's key in the module: without one, the
 * setting could only give blobs where the application expects
 * plaintext. */
static int check_cmek_values(struct loader *ld)
{
	const struct oc_conf *c = ld->c;
	const char *scope = NULL;

	/* Globally: the global key, unless the vaults are listed (each
	 * listed vault is then checked below). */
	if (c->cmek_values == OC_CMEK_VALUES_OPENED && !c->vaults_explicit &&
	    oc_conf_key_for(c, NULL) == NULL)
		scope = "(global)";
	for (size_t i = 0; scope == NULL && i < c->n_vaults; i++)
		if (oc_conf_cmek_opened(c, c->vaults[i].id) &&
		    oc_conf_key_for(c, c->vaults[i].id) == NULL)
			scope = c->vaults[i].id;
	if (scope == NULL)
		return OC_OK;
	ld->where = "configuration";
	fail(ld, "cmek_values",
	     "opened needs a CMEK key (cmek_key_file, cmek_key_env or "
	     "cmek_key_uri) for the same vaults; none for %s",
	     scope);
	return OC_ERR_CONFIG;
}

/* Both loads: defaults, the file at path (NULL: $ONECLAW_PKCS11_CONF, else
 * the default file, which may be missing), with all_layers the environment
 * and the reserved string, then the credential.  On failure c is freed and
 * errbuf holds the reason. */
static int load(struct oc_conf *c, const char *path, bool all_layers,
		const char *reserved, char *errbuf, size_t errlen)
{
	struct loader ld = {
	    .c = c, .errbuf = errbuf, .errlen = errlen, .where = "config"};
	bool missing_ok = false;
	int rc;

	if (errbuf != NULL && errlen != 0)
		errbuf[0] = '\0';
	if (c == NULL || (path == NULL && !all_layers))
		return OC_ERR_ARGS;
	rc = set_defaults(c);
	if (rc != OC_OK)
		goto out;
	if (path == NULL) {
		path = env("ONECLAW_PKCS11_CONF");
		if (path != NULL && !valid_path(path)) {
			ld.where = "environment";
			fail(&ld, "ONECLAW_PKCS11_CONF", "invalid path");
			rc = OC_ERR_CONFIG;
			goto out;
		}
		missing_ok = path == NULL;
		if (missing_ok)
			path = DEFAULT_CONF;
	}
	rc = load_conf_file(&ld, path, missing_ok);
	if (rc == OC_OK && all_layers)
		rc = load_env(&ld);
	if (rc == OC_OK && all_layers && reserved != NULL)
		rc = load_reserved(&ld, reserved);
	if (rc == OC_OK && ld.cred_file != NULL)
		rc = load_cred_file(&ld);
	else if (rc == OC_OK && all_layers)
		rc = load_cred_env(&ld);
	if (rc == OC_OK)
		rc = check_dpop(&ld);
	if (rc == OC_OK)
		rc = check_cmek_values(&ld);
	if (rc == OC_OK)
		log_summary(c);
out:
	free(ld.cred_file);
	if (rc != OC_OK) {
		if (rc == OC_ERR_NOMEM && errbuf && errlen)
			snprintf(errbuf, errlen,
				 "configuration: out of memory");
		oc_conf_free(c);
		rc = rc == OC_ERR_NOMEM ? rc : OC_ERR_CONFIG;
	}
	return rc;
}

int oc_conf_load(struct oc_conf *c, const char *reserved, char *errbuf,
		 size_t errlen)
{
	return load(c, NULL, true, reserved, errbuf, errlen);
}

int oc_conf_load_file(struct oc_conf *c, const char *path, char *errbuf,
		      size_t errlen)
{
	return load(c, path, false, NULL, errbuf, errlen);
}

const struct oc_conf_key *oc_conf_key_for(const struct oc_conf *c,
					  const char *vault_id)
{
	size_t i;

	if (c == NULL)
		return NULL;
	if (vault_id != NULL) {
		for (i = 0; i < c->n_vaults; i++)
			if (c->vaults[i].id &&
			    strcmp(c->vaults[i].id, vault_id) == 0 &&
			    key_has_source(&c->vaults[i].key))
				return &c->vaults[i].key;
	}
	return key_has_source(&c->key) ? &c->key : NULL;
}

bool oc_conf_allow_unsealed(const struct oc_conf *c, const char *vault_id)
{
	if (c == NULL)
		return false;
	for (size_t i = 0; vault_id != NULL && i < c->n_vaults; i++)
		if (c->vaults[i].id && strcmp(c->vaults[i].id, vault_id) == 0 &&
		    c->vaults[i].allow_unsealed)
			return true;
	return c->allow_unsealed;
}

bool oc_conf_vault_name_ok(const char *v)
{
	size_t n = v ? strnlen(v, OC_WIRE_NAME_MAX + 1) : 0;

	return n > 0 && n <= OC_WIRE_NAME_MAX &&
	       oc_wire_utf8((const uint8_t *)v, n,
			    OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL);
}

const char *oc_conf_vault_name(const struct oc_conf *c, const char *vault_id)
{
	for (size_t i = 0; c != NULL && vault_id != NULL && i < c->n_vaults;
	     i++)
		if (c->vaults[i].id && strcmp(c->vaults[i].id, vault_id) == 0)
			return c->vaults[i].name;
	return NULL;
}

bool oc_conf_cmek_opened(const struct oc_conf *c, const char *vault_id)
{
	if (c == NULL)
		return false;
	for (size_t i = 0; vault_id != NULL && i < c->n_vaults; i++)
		if (c->vaults[i].id && strcmp(c->vaults[i].id, vault_id) == 0 &&
		    c->vaults[i].cmek_values != OC_CMEK_VALUES_UNSET)
			return c->vaults[i].cmek_values ==
			       OC_CMEK_VALUES_OPENED;
	return c->cmek_values == OC_CMEK_VALUES_OPENED;
}
