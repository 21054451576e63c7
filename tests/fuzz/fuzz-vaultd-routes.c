/* fuzz-vaultd-routes.c - oneclaw-vaultd's routing and request bodies.
 *
 * The router's dispatch is static in src/vaultd/server.c and needs a
 * libmicrohttpd connection, so the whole server runs in this process
 * (oc_vaultd_init + oc_server_start on 127.0.0.1:0, the database on
 * /dev/shm when there is one) and every input becomes one HTTP request on
 * loopback.  Set up once: a vault with two secrets, an agent bound to it
 * with a read/write policy, and that agent's token.  Input layout:
 *   byte 0  the method (low 3 bits) and the bearer (bits 3-4: admin key,
 *           none, the agent's token, a malformed one)
 *   byte 1  a path prefix from a table (the vault's id filled in)
 *   then    the rest of the path, up to a '\n' (bytes a request line
 *           cannot carry are percent-encoded)
 *   rest    the body
 * A crash, a sanitizer report or a hang (libFuzzer's -timeout) in any
 * server thread is a finding; so is an answer that is not HTTP. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "vaultd/server.h"
#include "vaultd/vaultd-init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct oc_server *srv;
static uint16_t port;
static char admin_key[256];
static char agent_token[4096];
static char vault_id[64];
static char scratch[64];

/* The scratch directory goes at exit (not after a crash: then it is
 * evidence). */
static int rm_one(const char *p, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(p);
}

static void cleanup(void)
{
	if (scratch[0])
		nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *const methods[] = {"GET",   "PUT", "POST", "DELETE",
				      "PATCH", "GET", "POST", "HEAD"};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request on a fresh connection; the status (0 when the answer is
 * not HTTP) and the body after the head. */
static unsigned request(const char *method, const char *path,
			const char *bearer, const void *body, size_t len,
			struct oc_buf *resp)
{
	struct sockaddr_in sa;
	struct timeval tv = {30, 0};
	struct oc_buf rq;
	char chunk[4096];
	unsigned status = 0;
	int fd, one = 1;

	oc_buf_init(&rq, 64u * 1024 * 1024, false);
	if (oc_buf_printf(&rq, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method,
			  path) ||
	    (bearer &&
	     oc_buf_printf(&rq, "Authorization: Bearer %s\r\n", bearer)) ||
	    oc_buf_printf(&rq,
			  "Content-Type: application/json\r\n"
			  "Content-Length: %zu\r\n"
			  "Connection: close\r\n\r\n",
			  len) ||
	    oc_buf_append(&rq, body, len))
		abort();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort(); /* the server is gone */
	/* The server may answer (413, 400) before reading it all. */
	(void)write_all(fd, rq.data, rq.len);
	oc_buf_free(&rq);
	oc_buf_reset(resp);
	for (;;) {
		ssize_t r = recv(fd, chunk, sizeof(chunk), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fprintf(stderr, "vaultd did not answer %s %s\n", method,
				path);
			abort(); /* a hang */
		}
		if (r <= 0)
			break;
		if (oc_buf_append(resp, chunk, (size_t)r))
			break;
	}
	close(fd);
	if (resp->len >= 12 && memcmp(resp->data, "HTTP/1.", 7) == 0)
		status =
		    (unsigned)strtoul((const char *)resp->data + 9, NULL, 10);
	if (status) {
		const char *end = strstr((const char *)resp->data, "\r\n\r\n");
		size_t skip = end ? (size_t)(end + 4 - (const char *)resp->data)
				  : resp->len;

		memmove(resp->data, resp->data + skip, resp->len - skip);
		resp->len -= skip;
		resp->data[resp->len] = '\0';
	}
	return status;
}

/* A set-up call that must succeed; copies a string field when asked. */
static void setup_call(const char *method, const char *path, const char *bearer,
		       const char *body, unsigned want, const char *field,
		       char *out, size_t out_size)
{
	struct oc_buf resp;
	struct oc_json *j = NULL;
	const char *s;
	size_t n;
	unsigned st;

	oc_buf_init(&resp, 1024 * 1024, false);
	st = request(method, path, bearer, body, strlen(body), &resp);
	if (st != want) {
		fprintf(stderr, "setup %s %s: HTTP %u %s\n", method, path, st,
			resp.data ? (const char *)resp.data : "");
		abort();
	}
	if (field) {
		if (oc_json_parse((const char *)resp.data, resp.len, &j) ||
		    !(s = oc_json_get_string(j, field, &n)) || n >= out_size)
			abort();
		memcpy(out, s, n);
		out[n] = '\0';
		oc_json_free(j);
	}
	oc_buf_free(&resp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct oc_server_config cfg;
	char db[128], keyf[128], portf[128], path[256], body[512];
	char agent_id[64], agent_key[256];
	struct stat st;
	FILE *fp;

	(void)argc, (void)argv;
	signal(SIGPIPE, SIG_IGN);
	snprintf(scratch, sizeof(scratch), "%s/oc-fuzz-vaultd.XXXXXX",
		 stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
								   : "/tmp");
	if (!mkdtemp(scratch))
		abort();
	atexit(cleanup);
	snprintf(db, sizeof(db), "%s/vault.db", scratch);
	snprintf(keyf, sizeof(keyf), "%s/admin.key", scratch);
	snprintf(portf, sizeof(portf), "%s/port", scratch);
	if (oc_vaultd_init(db, NULL, keyf) != OC_OK)
		abort();
	fp = fopen(keyf, "r");
	if (!fp || !fgets(admin_key, sizeof(admin_key), fp))
		abort();
	fclose(fp);
	admin_key[strcspn(admin_key, "\r\n")] = '\0';

	memset(&cfg, 0, sizeof(cfg));
	cfg.db_path = db;
	cfg.listen = "127.0.0.1:0";
	cfg.port_file = portf;
	if (oc_server_start(&cfg, &srv) != OC_OK)
		abort();
	port = srv->port;

	setup_call("POST", "/v1/vaults", admin_key,
		   "{\"name\":\"fuzz\",\"description\":\"routes\"}", 201, "id",
		   vault_id, sizeof(vault_id));
	snprintf(path, sizeof(path), "/v1/vaults/%s/secrets/db/pass", vault_id);
	setup_call("PUT", path, admin_key,
		   "{\"value\":\"hunter2\",\"type\":\"password\"}", 201, NULL,
		   NULL, 0);
	snprintf(path, sizeof(path), "/v1/vaults/%s/secrets/api%%2Fkey",
		 vault_id);
	setup_call("PUT", path, admin_key,
		   "{\"value\":\"/w==\",\"metadata\":{\"encoding\":"
		   "\"base64\"}}",
		   201, NULL, NULL, 0);
	snprintf(body, sizeof(body),
		 "{\"name\":\"fuzz-agent\",\"vault_ids\":[\"%s\"]}", vault_id);
	{
		struct oc_buf resp;
		struct oc_json *j = NULL;
		const struct oc_json *a;
		const char *s;
		size_t n;

		oc_buf_init(&resp, 1024 * 1024, false);
		if (request("POST", "/v1/agents", admin_key, body, strlen(body),
			    &resp) != 201 ||
		    oc_json_parse((const char *)resp.data, resp.len, &j) ||
		    !(s = oc_json_get_string(j, "api_key", &n)) ||
		    n >= sizeof(agent_key))
			abort();
		memcpy(agent_key, s, n);
		agent_key[n] = '\0';
		a = oc_json_get(j, "agent");
		if (!a || !(s = oc_json_get_string(a, "id", &n)) ||
		    n >= sizeof(agent_id))
			abort();
		memcpy(agent_id, s, n);
		agent_id[n] = '\0';
		oc_json_free(j);
		oc_buf_free(&resp);
	}
	snprintf(path, sizeof(path), "/v1/vaults/%s/policies", vault_id);
	snprintf(body, sizeof(body),
		 "{\"secret_path_pattern\":\"**\",\"principal_type\":"
		 "\"agent\",\"principal_id\":\"%s\",\"permissions\":"
		 "[\"read\",\"write\"]}",
		 agent_id);
	setup_call("POST", path, admin_key, body, 201, NULL, NULL, 0);
	snprintf(body, sizeof(body), "{\"api_key\":\"%s\"}", agent_key);
	setup_call("POST", "/v1/auth/agent-token", NULL, body, 200,
		   "access_token", agent_token, sizeof(agent_token));
	return 0;
}

static const char *const prefixes[] = {
    "",
    "/v1/vaults",
    "/v1/vaults/%s",
    "/v1/vaults/%s/secrets/",
    "/v1/vaults/%s/secret-version/",
    "/v1/vaults/%s/secret-versions/",
    "/v1/vaults/%s/secret-version-disable/",
    "/v1/vaults/%s/cmek",
    "/v1/vaults/%s/cmek-rotate",
    "/v1/vaults/%s/policies",
    "/v1/agents",
    "/v1/auth/",
    "/v1/health",
    "/v1/vaults/%s/secrets",
    "/v1/agents/me",
    "/v1/vaults/%s/secrets?prefix=",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	struct oc_buf path, resp;
	const char *bearer;
	const uint8_t *nl;
	size_t plen;
	unsigned st;

	if (size < 2 || size > 6u * 1024 * 1024)
		return 0;
	switch ((data[0] >> 3) & 3) {
	case 0:
		bearer = admin_key;
		break;
	case 1:
		bearer = NULL;
		break;
	case 2:
		bearer = agent_token;
		break;
	default:
		bearer = "1ck_not-a-key.x.y";
		break;
	}
	oc_buf_init(&path, 64 * 1024, false);
	{
		/* "%s" in a prefix stands for the vault's id. */
		const char *pre = prefixes[data[1] % (sizeof(prefixes) /
						      sizeof(prefixes[0]))];
		const char *v = strstr(pre, "%s");

		if (v) {
			oc_buf_append(&path, pre, (size_t)(v - pre));
			oc_buf_append_str(&path, vault_id);
			pre = v + 2;
		}
		oc_buf_append_str(&path, pre);
	}
	nl = memchr(data + 2, '\n', size - 2);
	plen = nl ? (size_t)(nl - (data + 2)) : size - 2;
	for (size_t i = 0; i < plen && i < 8192; i++) {
		uint8_t c = data[2 + i];

		if (c <= 0x20 || c == 0x7f) {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			oc_buf_append(&path, e, 3);
		} else {
			oc_buf_append(&path, &c, 1);
		}
	}
	if (path.len == 0 || path.data[0] != '/') {
		struct oc_buf p2;

		oc_buf_init(&p2, 64 * 1024, false);
		oc_buf_append(&p2, "/", 1);
		oc_buf_append(&p2, path.data ? path.data : (unsigned char *)"",
			      path.len);
		oc_buf_free(&path);
		path = p2;
	}
	oc_buf_init(&resp, 128u * 1024 * 1024, false);
	st = request(methods[data[0] & 7], (const char *)path.data, bearer,
		     nl ? nl + 1 : data + size,
		     nl ? size - (size_t)(nl + 1 - data) : 0, &resp);
	if (st < 100 || st > 599) {
		fprintf(stderr, "not an HTTP answer to %s %s\n",
			methods[data[0] & 7], (const char *)path.data);
		abort();
	}
	if (st >= 500 && st != 501 && st != 503) {
		/* The server failed on its own input: worth a look. */
		fprintf(stderr, "HTTP %u for %s %s: %s\n", st,
			methods[data[0] & 7], (const char *)path.data,
			resp.data ? (const char *)resp.data : "");
		abort();
	}
	oc_buf_free(&path);
	oc_buf_free(&resp);
	return 0;
}
