/* fdio.c - whole reads and writes on a file descriptor. */
#include "config.h"

#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

int oc_fdio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	size_t off = 0;
	ssize_t w;

	while (off < n) {
		w = write(fd, c + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return OC_ERR_IO;
		off += (size_t)w;
	}
	return OC_OK;
}

size_t oc_fdio_read_max(int fd, void *p, size_t max)
{
	char *c = p;
	size_t n = 0;
	ssize_t r;

	while (n < max) {
		r = read(fd, c + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return n;
}

int oc_fdio_sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = OC_OK, e = 0;
	int n;

	if (!slash)
		n = snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		n = snprintf(dir, sizeof(dir), "/");
	else
		n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
			     path);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return OC_ERR_IO;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return OC_ERR_IO;
	if (fsync(fd) != 0) {
		e = errno;
		rc = OC_ERR_IO;
	}
	close(fd);
	if (rc)
		errno = e;
	return rc;
}
