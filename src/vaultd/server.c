/* server.c - libmicrohttpd daemon, request bodies, dispatch, responses. */
#include "config.h"

#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "err.h"
#include "faults.h"
#include "handlers.h"
#include "kek.h"
#include "log.h"
#include "problem.h"
#include "rotate.h"
#include "secmem.h"
#include "store.h"
#include "wirelog.h"

#define TLS_FILE_MAX (1024u * 1024)

static const struct oc_route routes[] = {
    {"GET", "/v1/health", oc_h_health, OC_ROUTE_PUBLIC},
    {"POST", "/v1/auth/agent-token", oc_h_agent_token, OC_ROUTE_PUBLIC},
    {"POST", "/v1/auth/api-key-token", oc_h_api_key_token, OC_ROUTE_PUBLIC},
    {"DELETE", "/v1/auth/token", oc_h_token_revoke, 0},
    {"POST", "/v1/vaults", oc_h_vault_create, 0},
    {"GET", "/v1/vaults", oc_h_vault_list, 0},
    {"GET", "/v1/vaults/{id}", oc_h_vault_get, 0},
    {"DELETE", "/v1/vaults/{id}", oc_h_vault_delete, 0},
    {"POST", "/v1/vaults/{id}/cmek", oc_h_cmek_enable, 0},
    {"DELETE", "/v1/vaults/{id}/cmek", oc_h_cmek_disable, 0},
    {"POST", "/v1/vaults/{id}/cmek-rotate", oc_h_cmek_rotate, 0},
    {"GET", "/v1/vaults/{id}/cmek-rotate/{id}", oc_h_cmek_job, 0},
    {"GET", "/v1/vaults/{id}/secrets", oc_h_secret_list, 0},
    {"PUT", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_put, 0},
    {"GET", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_get, 0},
    {"DELETE", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_delete, 0},
    {"GET", "/v1/vaults/{id}/secret-versions/{*}", oc_h_secret_versions, 0},
    {"GET", "/v1/vaults/{id}/secret-version/{*}/{n}", oc_h_secret_version, 0},
    {"POST", "/v1/vaults/{id}/secret-version-disable/{*}/{n}",
     oc_h_secret_version_disable, 0},
    {"POST", "/v1/vaults/{id}/policies", oc_h_policy_create, 0},
    {"GET", "/v1/vaults/{id}/policies", oc_h_policy_list, 0},
    {"GET", "/v1/vaults/{id}/policies/{id}", oc_h_policy_get, 0},
    {"PUT", "/v1/vaults/{id}/policies/{id}", oc_h_policy_update, 0},
    {"DELETE", "/v1/vaults/{id}/policies/{id}", oc_h_policy_delete, 0},
    {"POST", "/v1/agents", oc_h_agent_create, 0},
    {"GET", "/v1/agents", oc_h_agent_list, 0},
    {"GET", "/v1/agents/me", oc_h_agent_me, 0},
    {"GET", "/v1/agents/{id}", oc_h_agent_get, 0},
    {"PATCH", "/v1/agents/{id}", oc_h_agent_update, 0},
    {"DELETE", "/v1/agents/{id}", oc_h_agent_delete, 0},
    {"POST", "/v1/agents/{id}/rotate-key", oc_h_agent_rotate_key, 0},
};

/* --- helpers for handlers ----------------------------------------------- */

const char *oc_req_header(struct oc_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int oc_req_query(struct oc_req *r, const char *name, char **out)
{
	const char *v;

	*out = NULL;
	v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	if (!v)
		return OC_OK;
	if (strlen(v) > OC_SECRET_PATH_MAX * 3)
		return OC_ERR_RANGE;
	return oc_percent_decode(v, strlen(v), out);
}

int oc_req_json(struct oc_req *r, struct oc_json **out)
{
	struct oc_json *j = NULL;
	int rc;

	if (r->body.len == 0) {
		oc_problem(r, 400, "A JSON body is required");
		return OC_ERR_BAD_REQUEST;
	}
	rc = oc_json_parse((const char *)r->body.data, r->body.len, &j);
	if (rc) {
		oc_problem(r, 400,
			   rc == OC_ERR_RANGE
			       ? "JSON body is too deep or too large"
			       : "Malformed JSON body");
		return OC_ERR_BAD_REQUEST;
	}
	if (oc_json_type(j) != OC_JSON_OBJECT) {
		oc_json_free(j);
		oc_problem(r, 400, "The JSON body must be an object");
		return OC_ERR_BAD_REQUEST;
	}
	*out = j;
	return OC_OK;
}

int oc_reply_begin(struct oc_req *r, struct oc_jgen *j, bool secret)
{
	int rc;

	oc_buf_free(&r->out);
	oc_buf_init(&r->out, OC_MAX_RESPONSE, secret);
	r->is_problem = false;
	r->has_resp = false;
	rc = oc_jgen_init(j, &r->out);
	if (rc) {
		/* Last resort: a static body (no allocation). */
		r->status = 500;
		r->has_resp = true;
		r->is_problem = true;
	}
	return rc;
}

void oc_reply_end(struct oc_req *r, struct oc_jgen *j, unsigned status)
{
	int rc = oc_jgen_status(j);

	oc_jgen_free(j);
	if (rc) {
		oc_log_error("oneclaw-vaultd: response generation failed: %s",
			     oc_strerror(rc));
		if (status >= 500 || r->is_problem) {
			oc_buf_reset(&r->out);
			r->status = 500;
			r->has_resp = true;
			return;
		}
		oc_problem(r, 500, "Internal server error");
		return;
	}
	r->status = status;
	r->has_resp = true;
}

void oc_reply_empty(struct oc_req *r, unsigned status)
{
	oc_buf_reset(&r->out);
	r->is_problem = false;
	r->status = status;
	r->has_resp = true;
}

/* --- the request lifecycle ---------------------------------------------- */

static void log_request(struct oc_req *r, size_t out_len)
{
	/* Method, path (no query), status and sizes only. */
	fprintf(stderr, "oneclaw-vaultd: %s %s %u in=%zu out=%zu\n", r->method,
		r->url, r->status, r->body_seen, out_len);
}

struct trunc {
	unsigned char *data;
	size_t len;
	size_t limit;
	bool secret;
};

static ssize_t trunc_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct trunc *t = cls;
	size_t n;

	if (pos >= t->limit)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = t->limit - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, t->data + pos, n);
	return (ssize_t)n;
}

static void trunc_free(void *cls)
{
	struct trunc *t = cls;

	if (t->secret)
		oc_secure_free(t->data);
	else
		free(t->data);
	free(t);
}

static enum MHD_Result send_reply(struct oc_req *r, bool truncate)
{
	struct MHD_Response *resp = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	bool secret = r->out.secret;

	if (!r->has_resp)
		oc_problem(r, 500, "Internal server error");
	if (r->out.len)
		data = oc_buf_steal(&r->out, &len);
	if (data && truncate && len > 1) {
		struct trunc *t = calloc(1, sizeof(*t));

		if (t) {
			t->data = data;
			t->len = len;
			t->limit = len / 2;
			t->secret = secret;
			resp = MHD_create_response_from_callback(
			    len, 4096, trunc_read, t, trunc_free);
			if (!resp)
				trunc_free(t);
			data = NULL;
		}
	}
	if (!resp && data) {
		resp = MHD_create_response_from_buffer_with_free_callback(
		    len, data, secret ? oc_secure_free : free);
		if (!resp) {
			if (secret)
				oc_secure_free(data);
			else
				free(data);
		}
		data = NULL;
	} else if (!resp) {
		resp = MHD_create_response_from_buffer(0, NULL,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	if (len)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->is_problem
					    ? "application/problem+json"
					    : "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	if (r->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
					r->location);
	if (r->retry_after[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					r->retry_after);
	if (r->www_auth)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, PUT, POST, PATCH, DELETE");
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->done = true;
	log_request(r, len);
	return ret;
}

static void authenticate_and_run(struct oc_req *r)
{
	const struct oc_route *route = r->m.route;
	const char *why = NULL;
	int rc;

	if (!(route->flags & OC_ROUTE_PUBLIC)) {
		rc = oc_auth_bearer(
		    &r->srv->auth,
		    oc_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION), r->now,
		    &r->who, &why);
		if (rc == OC_ERR_UNAUTHORIZED) {
			r->www_auth = true;
			oc_problem(r, 401, why);
			return;
		}
		if (rc) {
			oc_problem_err(r, rc, NULL);
			return;
		}
	}
	route->fn(r);
}

static enum MHD_Result dispatch(struct oc_req *r)
{
	struct oc_fault_action fa;
	enum oc_route_result rr;

	r->now = (int64_t)time(NULL);
	if (r->srv->wire)
		oc_wirelog_request(r->srv->wire, r->conn, r->method, r->url,
				   r->version, r->body.data, r->body.len);
	oc_faults_check(r->srv->faults, r->method, r->url, &fa);
	if (fa.fired && fa.delay_ms) {
		struct timespec ts = {fa.delay_ms / 1000,
				      (long)(fa.delay_ms % 1000) * 1000000L};

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (fa.fired && fa.status) {
		if (fa.retry_after)
			snprintf(r->retry_after, sizeof(r->retry_after), "%u",
				 fa.retry_after);
		oc_problem(r, fa.status, "Injected fault");
		return send_reply(r, fa.truncate);
	}
	if (r->too_large) {
		oc_problem(r, 413, "Request body exceeds 5 MB");
		return send_reply(r, false);
	}
	rr = oc_route_find(routes, sizeof(routes) / sizeof(routes[0]),
			   r->method, r->url, &r->m);
	switch (rr) {
	case OC_ROUTE_OK:
		authenticate_and_run(r);
		break;
	case OC_ROUTE_BAD_METHOD:
		oc_problem(r, 405, "Method not allowed on this path");
		break;
	case OC_ROUTE_BAD_PATH:
		oc_problem(r, 400, "Malformed path");
		break;
	default:
		oc_problem(r, 404, "No such endpoint");
		break;
	}
	/* Any secret body is no longer needed: wipe it now. */
	oc_buf_free(&r->body);
	return send_reply(r, fa.fired && fa.truncate);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct oc_req *r = *con_cls;

	if (!r) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = cls;
		r->conn = c;
		r->url = url;
		r->method = method;
		r->version = version;
		/* Values and keys may be in the body: a secret buffer. */
		oc_buf_init(&r->body, OC_MAX_BODY, true);
		*con_cls = r;
		cl = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(cl, &end, 10);
			if (errno || *end || v > OC_MAX_BODY) {
				/* Refuse before reading a byte of it. */
				r->too_large = true;
				r->status = 413;
				oc_problem(r, 413, "Request body exceeds 5 MB");
				return send_reply(r, false);
			}
		}
		return MHD_YES;
	}
	if (r->done) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		r->body_seen += *upload_size;
		if (!r->too_large &&
		    oc_buf_append(&r->body, upload, *upload_size) != OC_OK) {
			r->too_large = true;
			oc_buf_free(&r->body);
		}
		*upload_size = 0;
		/* A chunked body over the limit is drained (so the client
		 * can read the 413) up to twice the limit, then cut. */
		if (r->too_large && r->body_seen > 2 * (size_t)OC_MAX_BODY) {
			oc_problem(r, 413, "Request body exceeds 5 MB");
			return send_reply(r, false);
		}
		return MHD_YES;
	}
	return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct oc_req *r = *con_cls;

	if (!r)
		return;
	oc_buf_free(&r->body);
	oc_buf_free(&r->out);
	oc_route_match_clear(&r->m);
	oc_principal_clear(&r->who);
	free(r);
	*con_cls = NULL;
}

/* The router decodes paths itself: it must see %2F and literal '/'. */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* MHD's own format strings (it passes them through). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	oc_debug(OC_LOG_SERVER, "microhttpd: %s", msg);
}

/* --- start / stop ------------------------------------------------------- */

static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon, *h, *port_s;
	size_t hl;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (!s)
		return OC_ERR_ARGS;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return OC_ERR_PARSE;
		h = s + 1;
		hl = (size_t)(rb - h);
		port_s = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return OC_ERR_PARSE;
		h = s;
		hl = (size_t)(colon - s);
		port_s = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return OC_ERR_PARSE;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || errno || *end || port > 65535)
		return OC_ERR_PARSE;
	if (strcmp(host, "localhost") == 0)
		memcpy(host, "127.0.0.1", 10);
	{
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons((uint16_t)port);
			return OC_OK;
		}
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			return OC_OK;
		}
	}
	return OC_ERR_PARSE;
}

static int read_file(const char *path, char **out)
{
	struct oc_buf b;
	char chunk[4096];
	ssize_t n;
	size_t len;
	int fd, rc = OC_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot open %s: %s", path,
			     strerror(errno));
		return OC_ERR_IO;
	}
	/* The TLS key is a secret: a wiping buffer. */
	oc_buf_init(&b, TLS_FILE_MAX, true);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || oc_buf_append(&b, chunk, (size_t)n)) {
			rc = OC_ERR_IO;
			break;
		}
	}
	close(fd);
	oc_wipe(chunk, sizeof(chunk));
	if (!rc)
		rc = oc_buf_append(&b, "", 0);
	if (rc) {
		oc_log_error("oneclaw-vaultd: cannot read %s", path);
		oc_buf_free(&b);
		return rc;
	}
	*out = (char *)oc_buf_steal(&b, &len);
	return OC_OK;
}

static int write_port_file(const char *path, uint16_t port)
{
	char tmp[4096], text[16];
	int fd, n, rc = OC_OK;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return OC_ERR_RANGE;
	n = snprintf(text, sizeof(text), "%u\n", (unsigned)port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return OC_ERR_IO;
	if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
		rc = OC_ERR_IO;
	if (close(fd) != 0)
		rc = OC_ERR_IO;
	if (!rc && rename(tmp, path) != 0)
		rc = OC_ERR_IO;
	if (rc) {
		unlink(tmp);
		oc_log_error("oneclaw-vaultd: cannot write port file %s", path);
	}
	return rc;
}

static int load_keys(struct oc_server *s, const struct oc_server_config *cfg)
{
	char mpath[4096];
	uint8_t *sealed = NULL, seed[OC_SIGNING_SEED_LEN];
	size_t sealed_len = 0, seed_len = 0;
	int n, rc;

	if (cfg->master_key) {
		n = snprintf(mpath, sizeof(mpath), "%s", cfg->master_key);
	} else {
		n = snprintf(mpath, sizeof(mpath), "%s.master-key",
			     cfg->db_path);
	}
	if (n < 0 || (size_t)n >= sizeof(mpath))
		return OC_ERR_RANGE;
	rc = oc_kek_open(mpath, &s->kek);
	if (rc)
		return rc;
	if (cfg->kek_module || cfg->kek_uri) {
		if (!cfg->kek_module || !cfg->kek_uri) {
			oc_log_error("oneclaw-vaultd: --kek-module and "
				     "--kek-uri go together");
			return OC_ERR_CONFIG;
		}
		rc = oc_kek_use_token(s->kek, cfg->kek_module, cfg->kek_uri,
				      cfg->kek_pin_file);
		if (rc)
			return rc;
	}
	rc = oc_store_meta_get(s->store, "signing_key", &sealed, &sealed_len);
	if (rc) {
		oc_log_error("oneclaw-vaultd: the database has no token "
			     "signing key");
		return rc;
	}
	rc = oc_kek_open_local(s->kek, "token signing key", sealed, sealed_len,
			       seed, sizeof(seed), &seed_len);
	free(sealed);
	if (!rc && seed_len != OC_SIGNING_SEED_LEN)
		rc = OC_ERR_DECRYPT;
	if (rc) {
		oc_log_error("oneclaw-vaultd: the master key %s does not "
			     "open this database",
			     mpath);
		oc_wipe(seed, sizeof(seed));
		return rc;
	}
	rc = oc_signer_new(seed, &s->signer);
	oc_wipe(seed, sizeof(seed));
	return rc;
}

int oc_server_start(const struct oc_server_config *cfg, struct oc_server **out)
{
	struct MHD_OptionItem opts[16];
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	char *cert = NULL, *key = NULL;
	struct oc_server *s;
	unsigned flags;
	size_t no = 0;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	rc = parse_listen(cfg->listen, &ss);
	if (rc) {
		oc_log_error("oneclaw-vaultd: --listen must be HOST:PORT "
			     "(e.g. 127.0.0.1:0)");
		goto fail;
	}
	rc = oc_store_open(cfg->db_path, &s->store);
	if (rc)
		goto fail;
	rc = load_keys(s, cfg);
	if (rc)
		goto fail;
	s->auth.store = s->store;
	s->auth.signer = s->signer;
	if (cfg->faults) {
		rc = oc_faults_parse(cfg->faults, &s->faults);
		if (rc)
			goto fail;
	}
	if (cfg->wire_log) {
		rc = oc_wirelog_open(cfg->wire_log, &s->wire);
		if (rc)
			goto fail;
	}
	/* Whatever was running when the last process died is over. */
	rc = oc_store_jobs_interrupt(s->store);
	if (rc)
		goto fail;
	rc = oc_rotator_new(cfg->db_path, s->kek,
			    oc_faults_rotate_delay(s->faults), &s->rotator);
	if (rc)
		goto fail;

	flags = MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert || cfg->tls_key) {
		if (!cfg->tls_cert || !cfg->tls_key) {
			oc_log_error("oneclaw-vaultd: --tls-cert and --tls-key "
				     "go together");
			rc = OC_ERR_CONFIG;
			goto fail;
		}
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			oc_log_error("oneclaw-vaultd: this libmicrohttpd has "
				     "no TLS support");
			rc = OC_ERR_UNSUPPORTED;
			goto fail;
		}
		rc = read_file(cfg->tls_cert, &cert);
		if (!rc)
			rc = read_file(cfg->tls_key, &key);
		if (rc)
			goto fail;
		flags |= MHD_USE_TLS;
		s->tls = true;
		opts[no++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
		opts[no++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
	}
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
					     (intptr_t)on_completed, s};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK,
					     (intptr_t)unescape_none, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					     OC_MAX_HEADERS, NULL};
	opts[no++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, 512, NULL};
	opts[no++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
					     (intptr_t)mhd_log, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	oc_secure_free(key);
	key = NULL;
	oc_secure_free(cert);
	cert = NULL;
	if (!s->mhd) {
		oc_log_error("oneclaw-vaultd: cannot listen on %s",
			     cfg->listen);
		rc = OC_ERR_IO;
		goto fail;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	if (cfg->port_file) {
		rc = write_port_file(cfg->port_file, s->port);
		if (rc)
			goto fail;
	}
	fprintf(stderr, "oneclaw-vaultd: listening on %s port %u%s%s\n",
		cfg->listen, (unsigned)s->port, s->tls ? " (TLS)" : "",
		oc_kek_uses_token(s->kek) ? ", KEK in PKCS#11 token" : "");
	*out = s;
	return OC_OK;
fail:
	oc_secure_free(key);
	oc_secure_free(cert);
	oc_server_stop(s);
	return rc;
}

void oc_server_stop(struct oc_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	oc_rotator_free(s->rotator);
	oc_wirelog_close(s->wire);
	oc_faults_free(s->faults);
	oc_signer_free(s->signer);
	oc_kek_free(s->kek);
	oc_store_close(s->store);
	free(s);
}
