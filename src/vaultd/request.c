/* request.c - one request's life: the route and its budgets known from the
 * headers, the bearer checked before any body byte is kept, a bounded body,
 * dispatch to the handler, the response. */
#include "config.h"

#include "request.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "conntrack.h"
#include "dpop-verify.h"
#include "err.h"
#include "faults.h"
#include "handlers.h"
#include "log.h"
#include "problem.h"
#include "secmem.h"
#include "server.h"
#include "wirelog.h"

/* Each route takes the body it needs, in bytes and in JSON values, and no
 * more: the rest is refused with 413 before it is parsed. */
#define BODY_NONE   1024, 16 /* a stray small body is ignored */
#define BODY_TOKEN  1024, 32 /* with a DPoP key as WebCrypto exports it */
#define BODY_SMALL  (16u * 1024), 32
#define BODY_POLICY (64u * 1024), 1024
#define BODY_AGENT  (1024u * 1024), 1024
#define BODY_SECRET OC_WIRE_BODY_MAX, 16384
/* What an unknown path may send before its 404. */
#define UNROUTED_BODY 1024u
/* A refused body is read and dropped up to this much (past the route's
 * budget when it was refused mid-body), so that a client still sending
 * sees the answer rather than a reset; a longer one is answered at once, or
 * as soon as it passes this, and the connection closed. */
#define DRAIN_MAX (1024u * 1024)

static const struct oc_route routes[] = {
    {"GET", "/v1/health", oc_h_health, OC_ROUTE_PUBLIC, BODY_NONE},
    {"POST", "/v1/auth/agent-token", oc_h_agent_token, OC_ROUTE_PUBLIC,
     BODY_TOKEN},
    {"POST", "/v1/auth/api-key-token", oc_h_api_key_token, OC_ROUTE_PUBLIC,
     BODY_TOKEN},
    {"DELETE", "/v1/auth/token", oc_h_token_revoke, 0, BODY_NONE},
    {"POST", "/v1/vaults", oc_h_vault_create, 0, BODY_SMALL},
    {"GET", "/v1/vaults", oc_h_vault_list, 0, BODY_NONE},
    {"GET", "/v1/vaults/{id}", oc_h_vault_get, 0, BODY_NONE},
    {"DELETE", "/v1/vaults/{id}", oc_h_vault_delete, 0, BODY_NONE},
    {"POST", "/v1/vaults/{id}/cmek", oc_h_cmek_enable, 0, BODY_SMALL},
    {"DELETE", "/v1/vaults/{id}/cmek", oc_h_cmek_disable, 0, BODY_NONE},
    {"POST", "/v1/vaults/{id}/cmek-rotate", oc_h_cmek_rotate, 0, BODY_SMALL},
    {"GET", "/v1/vaults/{id}/cmek-rotate/{id}", oc_h_cmek_job, 0, BODY_NONE},
    {"GET", "/v1/vaults/{id}/secrets", oc_h_secret_list, 0, BODY_NONE},
    {"PUT", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_put, 0, BODY_SECRET},
    {"GET", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_get, 0, BODY_NONE},
    {"DELETE", "/v1/vaults/{id}/secrets/{*}", oc_h_secret_delete, 0, BODY_NONE},
    {"GET", "/v1/vaults/{id}/secret-versions/{*}", oc_h_secret_versions, 0,
     BODY_NONE},
    {"GET", "/v1/vaults/{id}/secret-version/{*}/{n}", oc_h_secret_version, 0,
     BODY_NONE},
    {"POST", "/v1/vaults/{id}/secret-version-disable/{*}/{n}",
     oc_h_secret_version_disable, 0, BODY_NONE},
    {"POST", "/v1/vaults/{id}/policies", oc_h_policy_create, 0, BODY_POLICY},
    {"GET", "/v1/vaults/{id}/policies", oc_h_policy_list, 0, BODY_NONE},
    {"GET", "/v1/vaults/{id}/policies/{id}", oc_h_policy_get, 0, BODY_NONE},
    {"PUT", "/v1/vaults/{id}/policies/{id}", oc_h_policy_update, 0,
     BODY_POLICY},
    {"DELETE", "/v1/vaults/{id}/policies/{id}", oc_h_policy_delete, 0,
     BODY_NONE},
    {"POST", "/v1/agents", oc_h_agent_create, 0, BODY_AGENT},
    {"GET", "/v1/agents", oc_h_agent_list, 0, BODY_NONE},
    {"GET", "/v1/agents/me", oc_h_agent_me, 0, BODY_NONE},
    {"GET", "/v1/agents/{id}", oc_h_agent_get, 0, BODY_NONE},
    {"PATCH", "/v1/agents/{id}", oc_h_agent_update, 0, BODY_AGENT},
    {"DELETE", "/v1/agents/{id}", oc_h_agent_delete, 0, BODY_NONE},
    {"POST", "/v1/agents/{id}/rotate-key", oc_h_agent_rotate_key, 0, BODY_NONE},
};

/* --- helpers for handlers ----------------------------------------------- */

/* The header values named name (case-insensitive), the first in *first. */
struct header_count {
	const char *name;
	const char *first;
	unsigned n;
};

static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct header_count *c = cls;

	(void)kind;
	if (strcasecmp(key, c->name) != 0)
		return MHD_YES;
	if (c->n++ == 0)
		c->first = value ? value : "";
	return MHD_YES;
}

static const char dpop_challenge[] =
    "DPoP error=\"invalid_dpop_proof\", algs=\"ES256\"";

int oc_req_dpop(struct oc_req *r, const char *jkt, unsigned status,
		char key_jkt[OC_JWK_THUMBPRINT_LEN + 1])
{
	struct header_count proofs = {"DPoP", NULL, 0};
	struct oc_dpop_request want = {
	    .method = r->method,
	    .tls = r->srv->tls,
	    .host = oc_req_header(r, MHD_HTTP_HEADER_HOST),
	    .path = r->url,
	    .now = r->now,
	};
	const char *why = "DPoP proof required";
	int64_t retry_at = 0;
	int rc = OC_ERR_UNAUTHORIZED;

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, each_header,
				  &proofs);
	/* One proof per request (RFC 9449 §4.3, check 1). */
	if (proofs.n > 1)
		why = "More than one DPoP header";
	else if (proofs.n == 1)
		rc = oc_dpop_verify(
		    status == 400 ? NULL : r->srv->auth.dpop_seen, proofs.first,
		    &want, jkt, key_jkt, &retry_at, &why);
	if (rc == OC_ERR_UNAUTHORIZED) {
		if (status == 401)
			r->www_auth = dpop_challenge;
		oc_problem(r, status, why);
	} else if (rc == OC_ERR_RATE_LIMITED) {
		snprintf(
		    r->retry_after, sizeof(r->retry_after), "%lld",
		    (long long)(retry_at > r->now ? retry_at - r->now : 1));
		oc_problem(r, 503, why);
	} else if (rc) {
		oc_problem_err(r, rc, NULL);
	}
	return rc;
}

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
	if (strlen(v) > OC_WIRE_PATH_MAX * 3)
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
	rc = oc_json_parse_limited((const char *)r->body.data, r->body.len,
				   r->m.route->max_values, &j);
	if (rc == OC_ERR_RANGE) {
		char msg[128];

		snprintf(msg, sizeof(msg),
			 "JSON body exceeds this endpoint's %zu values or %d "
			 "levels",
			 r->m.route->max_values, OC_JSON_MAX_DEPTH);
		oc_problem(r, 413, msg);
		return OC_ERR_BAD_REQUEST;
	}
	if (rc) {
		oc_problem(r, 400, "Malformed JSON body");
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
	oc_log_info("oneclaw-vaultd: %s %s %u in=%zu out=%zu", r->method,
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
					r->www_auth);
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, PUT, POST, PATCH, DELETE");
	ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->done = true;
	log_request(r, len);
	return ret;
}

/* --- the in-flight body total -------------------------------------------- */

/* Bodies being received or parsed at once share OC_MAX_INFLIGHT bytes, so
 * N concurrent requests cannot multiply what one may hold. */
static bool inflight_take(struct oc_req *r, size_t n)
{
	atomic_size_t *in = &r->srv->inflight;
	size_t cur = atomic_load(in);

	do {
		if (n > OC_MAX_INFLIGHT - cur)
			return false;
	} while (!atomic_compare_exchange_weak(in, &cur, cur + n));
	r->reserved += n;
	return true;
}

static void inflight_release(struct oc_req *r)
{
	if (r->reserved)
		atomic_fetch_sub(&r->srv->inflight, r->reserved);
	r->reserved = 0;
}

/* --- the request lifecycle ---------------------------------------------- */

static void too_large(struct oc_req *r)
{
	char msg[96];

	snprintf(msg, sizeof(msg),
		 "Request body exceeds %zu bytes for this endpoint",
		 r->body_max);
	oc_problem(r, 413, msg);
}

static void busy(struct oc_req *r)
{
	snprintf(r->retry_after, sizeof(r->retry_after), "1");
	oc_problem(r, 503, "Too many request bodies in flight; retry shortly");
}

/* Counts the Content-Length headers; two that differ are a framing error
 * (which one a proxy in front would have used is anyone's guess). */
struct lengths {
	const char *first;
	bool differ;
};

static enum MHD_Result each_length(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct lengths *l = cls;

	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (!l->first)
		l->first = value ? value : "";
	else if (strcmp(l->first, value ? value : "") != 0)
		l->differ = true;
	return MHD_YES;
}

/* The declared length: 0 when absent (chunked or empty), 1 when valid,
 * -1 when it cannot be a length at all. */
static int declared_length(struct oc_req *r, uint64_t *len)
{
	const char *cl;
	char *end;

	*len = 0;
	cl = oc_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl)
		return 0;
	errno = 0;
	*len = strtoull(cl, &end, 10);
	if (errno || end == cl || *end || cl[0] == '-')
		return -1;
	return 1;
}

static bool authenticate(struct oc_req *r)
{
	const char *why = NULL;
	int rc;

	if (r->rr != OC_ROUTE_OK || (r->m.route->flags & OC_ROUTE_PUBLIC))
		return true;
	rc = oc_auth_bearer(&r->srv->auth,
			    oc_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION),
			    r->now, &r->who, &why);
	if (rc == OC_ERR_UNAUTHORIZED) {
		r->www_auth = "Bearer";
		oc_problem(r, 401, why);
		return false;
	}
	if (rc == OC_ERR_FORBIDDEN) {
		oc_problem(r, 403, why);
		return false;
	}
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return false;
	}
	/* A bound token is no good without a proof of its key.  A proof that
	 * comes with a bearer token is ignored (RFC 9449 §7.2 leaves it to
	 * the server): the client may have asked for a binding that its
	 * exchange did not make, and its token is no weaker for the proof. */
	if (r->who.jkt[0]) {
		char key_jkt[OC_JWK_THUMBPRINT_LEN + 1];

		return oc_req_dpop(r, r->who.jkt, 401, key_jkt) == OC_OK;
	}
	return true;
}

static void wire_log(struct oc_req *r)
{
	if (r->srv->wire && !r->logged)
		oc_wirelog_request(r->srv->wire, r->conn, r->method, r->url,
				   r->version, r->body.data, r->body.len);
	r->logged = true;
}

/* Headers are in: the route, its budget, the bearer and the in-flight
 * share are settled before any body byte is kept.  Returns false when the
 * answer is already set. */
static bool admit(struct oc_req *r)
{
	struct lengths l = {NULL, false};
	uint64_t len;
	int has_len;

	r->now = (int64_t)time(NULL);
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, each_length, &l);
	if (l.differ) {
		oc_problem(r, 400, "Two different Content-Length values");
		return false;
	}
	r->rr = oc_route_find(routes, sizeof(routes) / sizeof(routes[0]),
			      r->method, r->url, &r->m);
	r->body_max =
	    r->rr == OC_ROUTE_OK ? r->m.route->max_body : UNROUTED_BODY;
	oc_buf_init(&r->body, r->body_max, true);
	has_len = declared_length(r, &len);
	r->declared = len;
	if (has_len < 0) {
		oc_problem(r, 400, "Malformed Content-Length");
		return false;
	}
	if (len > r->body_max) {
		too_large(r);
		return false;
	}
	if (!authenticate(r))
		return false;
	if (len && !inflight_take(r, (size_t)len)) {
		busy(r);
		return false;
	}
	return true;
}

/* The answer is set: what is left of the body is read up to drain_to
 * bytes and dropped, so that a client still sending sees the answer rather
 * than a reset. */
static void drop_body(struct oc_req *r, size_t drain_to)
{
	r->dropping = true;
	r->drain_to = drain_to;
	oc_buf_free(&r->body);
	inflight_release(r);
}

/* A chunk of body: kept while within the route's budget and the in-flight
 * share; past either, the answer is set and the rest dropped. */
static void take_body(struct oc_req *r, const char *data, size_t n)
{
	r->body_seen += n;
	if (r->dropping)
		return;
	if (n > r->body_max - r->body.len) {
		too_large(r);
	} else if (r->body.len + n > r->reserved &&
		   !inflight_take(r, r->body.len + n - r->reserved)) {
		busy(r);
	} else if (oc_buf_append(&r->body, data, n) == OC_OK) {
		return;
	} else {
		too_large(r);
	}
	drop_body(r, r->body_max + DRAIN_MAX);
}

#define HOLD_POLL_MS 20u

/* A hold=FILE fault: the request waits while the file exists. */
static bool held(struct oc_req *r)
{
	const char *hold = r->fault.fired ? r->fault.hold : NULL;

	return hold && access(hold, F_OK) == 0 &&
	       r->hold_polls < OC_FAULTS_HOLD_MAX_MS / HOLD_POLL_MS;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static enum MHD_Result dispatch(struct oc_req *r)
{
	struct oc_fault_action *fa = &r->fault;
	int rc;

	oc_conntrack_received(r->srv->track, r->track);
	if (!r->fault_checked) {
		r->fault_checked = true;
		wire_log(r);
		oc_faults_check(r->srv->faults, r->method, r->url, fa);
		/* A delayed request sleeps suspended, not on a worker. */
		if (fa->fired && fa->delay_ms) {
			rc = oc_conntrack_sleep(r->srv->track, r->track,
						r->conn, fa->delay_ms);
			if (rc == OC_OK || rc == OC_ERR_STATE)
				return MHD_YES;
			sleep_ms(fa->delay_ms);
		}
	}
	while (held(r)) {
		r->hold_polls++;
		rc = oc_conntrack_sleep(r->srv->track, r->track, r->conn,
					HOLD_POLL_MS);
		if (rc == OC_ERR_STATE)
			fa->hold = NULL; /* shutting down: hold no more */
		if (rc == OC_OK || rc == OC_ERR_STATE)
			return MHD_YES;
		sleep_ms(HOLD_POLL_MS);
	}
	if (fa->fired && fa->status) {
		if (fa->retry_after)
			snprintf(r->retry_after, sizeof(r->retry_after), "%u",
				 fa->retry_after);
		oc_problem(r, fa->status, "Injected fault");
	} else if (!r->dropping) {
		/* (a dropped body's answer was set when it was dropped) */
		switch (r->rr) {
		case OC_ROUTE_OK:
			r->m.route->fn(r);
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
	}
	/* Any secret body is no longer needed: wipe it now. */
	oc_buf_free(&r->body);
	inflight_release(r);
	return send_reply(r, fa->fired && fa->truncate);
}

enum MHD_Result oc_request_access(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct oc_req *r = *con_cls;

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = cls;
		r->conn = c;
		r->url = url;
		r->method = method;
		r->version = version;
		r->track = oc_conntrack_of(c);
		*con_cls = r;
		if (!admit(r)) {
			wire_log(r);
			r->refused = true;
			drop_body(r, DRAIN_MAX);
			if (r->declared > DRAIN_MAX)
				return send_reply(r, false);
		}
		return MHD_YES;
	}
	if (r->done) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		take_body(r, upload, *upload_size);
		*upload_size = 0;
		if (r->dropping && r->body_seen > r->drain_to) {
			wire_log(r);
			return send_reply(r, false);
		}
		return MHD_YES;
	}
	if (r->refused)
		return send_reply(r, false);
	return dispatch(r);
}

void oc_request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	struct oc_req *r = *con_cls;
	struct oc_server *s = cls;

	oc_conntrack_answered(s->track, oc_conntrack_of(c));
	if (!r)
		return;
	oc_buf_free(&r->body);
	inflight_release(r);
	oc_buf_free(&r->out);
	oc_route_match_clear(&r->m);
	oc_principal_clear(&r->who);
	free(r);
	*con_cls = NULL;
}
