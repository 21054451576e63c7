/* request.h - one HTTP request from its headers to its answer, and what
 * handlers use to read it and answer.
 *
 * Each route states the body it takes (bytes and JSON values).  When the
 * headers are in, the request is routed, a declared body over the route's
 * budget is refused with 413, a route that needs a bearer checks it (401;
 * 403 for a revoked agent token) and, for a DPoP-bound token, its DPoP
 * proof (401), and the declared body takes its share of
 * the bytes all requests may hold at once (OC_MAX_INFLIGHT; past it 503
 * with Retry-After) -- all before a body byte is kept.  A chunked body is
 * held to the same bounds as it comes.  A refused body is dropped, not
 * kept; up to 1 MiB of it is read first so that the client sees the answer
 * rather than a reset. */
#ifndef OC_VAULTD_REQUEST_H
#define OC_VAULTD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "buf.h"
#include "faults.h"
#include "json.h"
#include "jwk.h"
#include "jwt.h"
#include "router.h"

/* Body bytes all requests may hold at once (received or being parsed). */
#define OC_MAX_INFLIGHT (4u * OC_WIRE_BODY_MAX)
#define OC_MAX_RESPONSE (64u * 1024 * 1024)

struct oc_conn;
struct oc_server;

struct oc_req {
	struct oc_server *srv;
	struct MHD_Connection *conn;
	struct oc_conn *track;
	const char *method;
	const char *url;
	const char *version;
	enum oc_route_result rr;
	struct oc_route_match m;
	struct oc_principal who;
	int64_t now;
	/* body */
	struct oc_buf body;
	size_t body_max;   /* the route's budget */
	uint64_t declared; /* Content-Length, 0 when absent */
	size_t body_seen;  /* including what was dropped */
	size_t reserved;   /* this request's share of the in-flight bytes */
	bool refused;	   /* answered from the headers */
	bool dropping;	   /* the answer is set; the body is dropped */
	size_t drain_to;   /* ...and read up to this many bytes */
	/* test faults, decided once (a delayed request comes back) */
	struct oc_fault_action fault;
	bool fault_checked;
	unsigned hold_polls; /* times a hold=FILE fault has waited */
	bool logged;
	/* response */
	bool done;
	unsigned status;
	bool has_resp;
	bool is_problem;
	struct oc_buf out;
	char location[512];
	char retry_after[24];
	const char *www_auth; /* the challenge of a 401, or NULL */
};

/* libmicrohttpd's access handler and completion callback; cls is the
 * struct oc_server. */
enum MHD_Result oc_request_access(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls);
void oc_request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe);

/* --- for handlers ------------------------------------------------------- */

/* A request header (case-insensitive name) or NULL. */
const char *oc_req_header(struct oc_req *r, const char *name);
/* A query parameter, percent-decoded into *out (heap; NULL when absent).
 * OC_ERR_PARSE on a bad escape. */
int oc_req_query(struct oc_req *r, const char *name, char **out);
/* The body as a JSON object within the route's value budget.  On failure
 * the problem (400, or 413 past the budget) is already set and non-zero is
 * returned. */
int oc_req_json(struct oc_req *r, struct oc_json **out);

/* Checks the request's one DPoP proof (dpop-verify.h) for the key thumbprint
 * jkt, or for any key when jkt is NULL; key_jkt gets the proof key's
 * thumbprint.  A missing or bad proof is answered with status (401 at a
 * resource, with WWW-Authenticate: DPoP as RFC 9449 §7.1 says; 400 at the
 * token endpoint, §5) and a detail saying what is wrong; a full replay set
 * with 503 and Retry-After.  At the token endpoint (status 400) the
 * proof's jti is not recorded: the exchange checks the API key after
 * this, and the replay set is for bound tokens' holders only.  Non-zero
 * when the answer is set. */
int oc_req_dpop(struct oc_req *r, const char *jkt, unsigned status,
		char key_jkt[OC_JWK_THUMBPRINT_LEN + 1]);

/* Starts a JSON response; secret when it carries a value or a token (the
 * buffer is then wiped on free). */
int oc_reply_begin(struct oc_req *r, struct oc_jgen *j, bool secret);
/* Finishes it with status (500 when generation failed). */
void oc_reply_end(struct oc_req *r, struct oc_jgen *j, unsigned status);
void oc_reply_empty(struct oc_req *r, unsigned status);

#endif
