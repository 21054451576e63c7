/* sdnotify.c - sd_notify(3)'s datagram, without libsystemd. */
#include "config.h"

#include "sdnotify.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

int oc_sd_notify(const char *state)
{
	static bool warned;
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t n;
	ssize_t w;
	int fd, e = 0;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return OC_OK;
	n = strlen(path);
	if (n < 2 || n >= sizeof(sa.sun_path)) {
		e = ENAMETOOLONG;
		goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no NUL at its end */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			  (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (const struct sockaddr *)&sa, len);
	if (w < 0)
		e = errno;
	close(fd);
	if (w >= 0)
		return OC_OK;
fail:
	if (!warned) {
		warned = true;
		oc_log_warning("oneclaw-vaultd: cannot tell systemd %s through "
			       "NOTIFY_SOCKET: %s",
			       state, strerror(e));
	}
	return OC_ERR_IO;
}
