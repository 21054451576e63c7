/* problem.c - RFC 7807 error bodies. */
#include "config.h"

#include "problem.h"

#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "server.h"

static const char *status_title(unsigned status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

void oc_problem(struct oc_req *r, unsigned status, const char *detail)
{
	struct oc_jgen j;

	if (oc_reply_begin(r, &j, false))
		return;
	yajl_gen_map_open(j.g);
	oc_jgen_kv_str(&j, "type", "about:blank");
	oc_jgen_kv_str(&j, "title", status_title(status));
	oc_jgen_kv_int(&j, "status", status);
	oc_jgen_kv_str(&j, "detail", detail ? detail : status_title(status));
	yajl_gen_map_close(j.g);
	r->is_problem = true;
	oc_reply_end(r, &j, status);
}

void oc_problem_err(struct oc_req *r, int err, const char *what)
{
	char detail[160];

	switch (err) {
	case OC_ERR_NOT_FOUND:
		snprintf(detail, sizeof(detail), "%s not found",
			 what ? what : "Resource");
		oc_problem(r, 404, detail);
		break;
	case OC_ERR_GONE:
		snprintf(detail, sizeof(detail),
			 "%s is deleted, disabled, expired or past its access "
			 "count",
			 what ? what : "Resource");
		oc_problem(r, 410, detail);
		break;
	case OC_ERR_CONFLICT:
		oc_problem(r, 409, "Conflict with the current state");
		break;
	case OC_ERR_FORBIDDEN:
		oc_problem(r, 403, "Access denied");
		break;
	case OC_ERR_UNAUTHORIZED:
		oc_problem(r, 401, "Invalid or expired token");
		break;
	case OC_ERR_BAD_REQUEST:
	case OC_ERR_PARSE:
	case OC_ERR_RANGE:
	case OC_ERR_ARGS:
		oc_problem(r, 400, "Malformed request");
		break;
	default:
		oc_log_error("oneclaw-vaultd: %s %s: internal error: %s",
			     r->method, r->url, oc_strerror(err));
		oc_problem(r, 500, "Internal server error");
		break;
	}
}
