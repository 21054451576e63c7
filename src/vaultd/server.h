/* server.h - the HTTP front: libmicrohttpd daemon, request lifecycle,
 * bounded bodies, dispatch to the handlers, response helpers. */
#ifndef OC_VAULTD_SERVER_H
#define OC_VAULTD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "json.h"
#include "router.h"
#include "token.h"

/* 1claw's documented request limit: larger bodies get 413. */
#define OC_MAX_BODY (5u * 1024 * 1024)
/* Request line + headers (MHD answers 431/414 past it). */
#define OC_MAX_HEADERS	(64u * 1024)
#define OC_MAX_RESPONSE (64u * 1024 * 1024)

struct MHD_Connection;
struct MHD_Daemon;
struct oc_faults;
struct oc_kek;
struct oc_rotator;
struct oc_store;
struct oc_wirelog;

struct oc_server_config {
	const char *db_path;
	const char *master_key; /* default "<db>.master-key" */
	const char *listen;	/* "127.0.0.1:PORT", "[::1]:PORT" */
	const char *port_file;
	const char *tls_cert;
	const char *tls_key;
	const char *kek_module;
	const char *kek_uri;
	const char *kek_pin_file;
	const char *wire_log;
	const char *faults;
};

struct oc_server {
	struct oc_store *store;
	struct oc_kek *kek;
	struct oc_signer *signer;
	struct oc_auth auth;
	struct oc_rotator *rotator;
	struct oc_faults *faults;
	struct oc_wirelog *wire;
	struct MHD_Daemon *mhd;
	uint16_t port;
	bool tls;
};

struct oc_req {
	struct oc_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const char *version;
	struct oc_buf body;
	size_t body_seen;
	bool too_large;
	bool done;
	struct oc_route_match m;
	struct oc_principal who;
	int64_t now;
	/* response */
	unsigned status;
	bool has_resp;
	bool is_problem;
	struct oc_buf out;
	char location[512];
	char retry_after[24];
	bool www_auth;
};

/* Loads the database, keys and options, and starts listening; writes the
 * port file.  Errors were already reported. */
int oc_server_start(const struct oc_server_config *cfg, struct oc_server **out);
/* Stops the daemon, then the rotation jobs, then frees everything. */
void oc_server_stop(struct oc_server *s);

/* --- for handlers ------------------------------------------------------- */

/* A request header (case-insensitive name) or NULL. */
const char *oc_req_header(struct oc_req *r, const char *name);
/* A query parameter, percent-decoded into *out (heap; NULL when absent).
 * OC_ERR_PARSE on a bad escape. */
int oc_req_query(struct oc_req *r, const char *name, char **out);
/* The body as a JSON object.  On failure the 400 problem is already set
 * and non-zero is returned. */
int oc_req_json(struct oc_req *r, struct oc_json **out);

/* Starts a JSON response; secret when it carries a value or a token (the
 * buffer is then wiped on free). */
int oc_reply_begin(struct oc_req *r, struct oc_jgen *j, bool secret);
/* Finishes it with status (500 when generation failed). */
void oc_reply_end(struct oc_req *r, struct oc_jgen *j, unsigned status);
void oc_reply_empty(struct oc_req *r, unsigned status);

#endif
