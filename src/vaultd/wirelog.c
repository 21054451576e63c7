/* wirelog.c - append raw requests to a file for tests. */
#include "config.h"

#include "wirelog.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "err.h"
#include "fdio.h"
#include "log.h"

struct oc_wirelog {
	int fd;
	char *path; /* opened again by oc_wirelog_reopen */
	pthread_mutex_t lock;
};

static int open_wire_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		oc_log_error("oneclaw-vaultd: cannot open wire log %s: %s",
			     path, strerror(errno));
	return fd;
}

int oc_wirelog_open(const char *path, struct oc_wirelog **out)
{
	struct oc_wirelog *w;

	w = calloc(1, sizeof(*w));
	if (!w)
		return OC_ERR_NOMEM;
	w->path = strdup(path);
	if (!w->path) {
		free(w);
		return OC_ERR_NOMEM;
	}
	w->fd = open_wire_log(path);
	if (w->fd < 0) {
		free(w->path);
		free(w);
		return OC_ERR_IO;
	}
	pthread_mutex_init(&w->lock, NULL);
	*out = w;
	return OC_OK;
}

int oc_wirelog_reopen(struct oc_wirelog *w)
{
	int fd, old;

	if (!w)
		return OC_OK;
	fd = open_wire_log(w->path);
	if (fd < 0)
		return OC_ERR_IO;
	pthread_mutex_lock(&w->lock);
	old = w->fd;
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
	close(old);
	return OC_OK;
}

void oc_wirelog_close(struct oc_wirelog *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w->path);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct collect {
	struct oc_buf *b;
	bool first;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *value)
{
	struct oc_buf *b = cls;

	oc_buf_printf(b, "%s: %s\r\n", key, value ? value : "");
	return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct collect *c = cls;

	oc_buf_printf(c->b, "%c%s%s%s", c->first ? '?' : '&', key,
		      value ? "=" : "", value ? value : "");
	c->first = false;
	return MHD_YES;
}

void oc_wirelog_request(struct oc_wirelog *w, struct MHD_Connection *c,
			const char *method, const char *url,
			const char *version, const uint8_t *body, size_t n)
{
	struct oc_buf b;
	struct collect args;

	if (!w)
		return;
	/* Secret: the entry holds whatever the client sent. */
	oc_buf_init(&b, 128u * 1024 * 1024, true);
	oc_buf_printf(&b, "%s %s", method, url);
	args.b = &b;
	args.first = true;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &args);
	oc_buf_printf(&b, " %s\r\n", version);
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &b);
	oc_buf_append_str(&b, "\r\n");
	if (n)
		oc_buf_append(&b, body, n);
	oc_buf_append_str(&b, "\n");
	pthread_mutex_lock(&w->lock);
	/* Best effort, like the appends above: the log never fails a
	 * request. */
	oc_fdio_write_all(w->fd, b.data, b.len);
	pthread_mutex_unlock(&w->lock);
	oc_buf_free(&b);
}
