/* server.h - the HTTP front: the libmicrohttpd daemon (event-driven, a
 * small thread pool, connection limits in total and per address, a total
 * deadline per request), the keys and stores the handlers share. */
#ifndef OC_VAULTD_SERVER_H
#define OC_VAULTD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "auth.h"
#include "request.h"

/* Request line + headers (MHD answers 431/414 past it). */
#define OC_MAX_HEADERS (64u * 1024)
/* Defaults of the connection options (oneclaw-vaultd(8)). */
#define OC_DEFAULT_REQUEST_TIMEOUT 30
#define OC_DEFAULT_MAX_CONNECTIONS 4096
#define OC_DEFAULT_MAX_PER_IP	   128
#define OC_DEFAULT_THREADS	   4

struct MHD_Connection;
struct MHD_Daemon;
struct oc_conntrack;
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
	unsigned request_timeout; /* seconds; 0: the default */
	unsigned max_connections;
	unsigned max_per_ip;
	unsigned threads;
};

struct oc_server {
	struct oc_store *store;
	struct oc_kek *kek;
	struct oc_signer *signer;
	struct oc_auth auth;
	struct oc_rotator *rotator;
	struct oc_faults *faults;
	struct oc_wirelog *wire;
	struct oc_conntrack *track;
	struct MHD_Daemon *mhd;
	atomic_size_t inflight; /* body bytes held by requests */
	uint16_t port;
	bool tls;
};

/* Loads the database, keys and options, and starts listening; writes the
 * port file.  Errors were already reported. */
int oc_server_start(const struct oc_server_config *cfg, struct oc_server **out);
/* Opens the log files again at their paths (SIGHUP): the debug log and the
 * wire log.  A file that cannot be opened is reported and the old one kept;
 * serving goes on either way. */
void oc_server_reopen_logs(struct oc_server *s);
/* Stops the daemon, then the rotation jobs, then frees everything. */
void oc_server_stop(struct oc_server *s);

#endif
