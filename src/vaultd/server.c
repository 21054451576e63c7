/* server.c - the daemon: options, keys, start and stop. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "codec.h"
#include "conntrack.h"
#include "err.h"
#include "faults.h"
#include "kek.h"
#include "log.h"
#include "replay.h"
#include "rotator.h"
#include "secmem.h"
#include "store.h"
#include "wirelog.h"

#define TLS_FILE_MAX (1024u * 1024)
/* Seconds a kept-alive connection may idle, or a response stall. */
#define IDLE_TIMEOUT 30
/* Descriptors kept for the database, logs, the KEK token and accepts. */
#define FD_RESERVE 64

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

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct oc_server *s = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		oc_conntrack_opened(s->track, c, ctx);
	else
		oc_conntrack_closed(s->track, ctx);
}

/* --- start / stop ------------------------------------------------------- */

static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon, *h, *port_s;
	size_t hl;
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
	if (oc_decimal_parse(port_s, 0, 65535, &port))
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

/* The connection limit the descriptor limit allows: raised to its hard
 * limit first, since each connection is one descriptor. */
static unsigned connection_limit(unsigned wanted)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return wanted;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)wanted + 2 * FD_RESERVE) {
		unsigned fit = rl.rlim_cur > 2 * FD_RESERVE
				   ? (unsigned)(rl.rlim_cur - FD_RESERVE)
				   : FD_RESERVE;

		oc_log_warning("oneclaw-vaultd: %u connections do not fit "
			       "the descriptor limit %llu; serving %u",
			       wanted, (unsigned long long)rl.rlim_cur, fit);
		return fit;
	}
	return wanted;
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
	unsigned flags, threads, max_conns, per_ip;
	size_t no = 0;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return OC_ERR_NOMEM;
	threads = cfg->threads ? cfg->threads : OC_DEFAULT_THREADS;
	max_conns =
	    connection_limit(cfg->max_connections ? cfg->max_connections
						  : OC_DEFAULT_MAX_CONNECTIONS);
	per_ip = cfg->max_per_ip ? cfg->max_per_ip : OC_DEFAULT_MAX_PER_IP;
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
	rc = oc_replay_new(OC_REPLAY_MAX, &s->auth.dpop_seen);
	if (rc)
		goto fail;
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
	rc = oc_rotator_new(cfg->db_path, s->kek, s->faults, &s->rotator);
	if (rc)
		goto fail;

	rc = oc_conntrack_new(cfg->request_timeout ? cfg->request_timeout
						   : OC_DEFAULT_REQUEST_TIMEOUT,
			      &s->track);
	if (rc)
		goto fail;
	/* Event-driven: a slow client costs a socket, not a thread. */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
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
					     (intptr_t)oc_request_completed, s};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
					     (intptr_t)on_connection, s};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK,
					     (intptr_t)unescape_none, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					     OC_MAX_HEADERS, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
					     (intptr_t)threads, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
					     (intptr_t)max_conns, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					     (intptr_t)per_ip, NULL};
	/* Idle keep-alive and stalled responses; receiving a request has
	 * its own total deadline (conntrack). */
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
					     IDLE_TIMEOUT, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER,
					     (intptr_t)mhd_log, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, oc_request_access, s,
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
	oc_log_info(
	    "oneclaw-vaultd %s: serving %s, listening on %s port %u%s%s "
	    "(%u threads, %u connections, %u per address)",
	    PACKAGE_VERSION, cfg->db_path, cfg->listen, (unsigned)s->port,
	    s->tls ? " (TLS)" : "",
	    oc_kek_uses_token(s->kek) ? ", KEK in PKCS#11 token" : "", threads,
	    max_conns, per_ip);
	*out = s;
	return OC_OK;
fail:
	oc_secure_free(key);
	oc_secure_free(cert);
	oc_server_stop(s);
	return rc;
}

void oc_server_reopen_logs(struct oc_server *s)
{
	if (oc_log_reopen() != OC_OK)
		oc_log_error("oneclaw-vaultd: cannot reopen the debug log; "
			     "writing on to the old one");
	if (s)
		oc_wirelog_reopen(s->wire);
}

void oc_server_stop(struct oc_server *s)
{
	if (!s)
		return;
	/* Sleeping requests wake first: the daemon stops only with none
	 * suspended; closes still notify the tracker until it has. */
	oc_conntrack_quiesce(s->track);
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	oc_conntrack_free(s->track);
	oc_rotator_free(s->rotator);
	oc_wirelog_close(s->wire);
	oc_faults_free(s->faults);
	oc_replay_free(s->auth.dpop_seen);
	oc_signer_free(s->signer);
	oc_kek_free(s->kek);
	oc_store_close(s->store);
	free(s);
}
