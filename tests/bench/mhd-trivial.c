/* mhd-trivial.c - the baseline of tests/bench/vaultd-load.sh: a trivial
 * libmicrohttpd responder in the shape oneclaw-vaultd's server is meant
 * to have (epoll in a small pool of internal threads, connection limits
 * and a per-connection memory limit like vaultd's defaults), measured in
 * the same run as the server.  Any GET (any request with a body of at
 * most 1 KiB) gets a fixed small JSON; a body announced over 1 KiB by
 * Content-Length gets 413 before a byte of it is read.
 *
 *   mhd-trivial PORT_FILE
 *
 * Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE and
 * serves until SIGTERM or SIGINT. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <microhttpd.h>

#define POOL_THREADS 4
#define BODY_MAX     1024
#define ANSWER	     "{\"status\":\"ok\"}"
#define TOO_LARGE    "{\"status\":413}"

static int marker;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *json)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(json), (void *)json,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	if (!*con_cls) {
		const char *cl = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

		*con_cls = &marker;
		if (cl) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(cl, &end, 10);
			if (errno || *end || v > BODY_MAX)
				return reply(c, 413, TOO_LARGE);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a small body: read and dropped */
		return MHD_YES;
	}
	return reply(c, MHD_HTTP_OK, ANSWER);
}

static int write_port(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct rlimit rl;
	sigset_t set;
	int sig = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mhd-trivial PORT_FILE\n");
		return 64;
	}
	/* As many connections as the hard limit allows (the bench holds
	 * 1,000 slow ones open). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_access, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)128,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mhd-trivial: cannot start the daemon\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || write_port(argv[1], info->port) != 0) {
		fprintf(stderr, "mhd-trivial: cannot write %s\n", argv[1]);
		MHD_stop_daemon(d);
		return 1;
	}
	while (sigwait(&set, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	MHD_stop_daemon(d);
	return 0;
}
