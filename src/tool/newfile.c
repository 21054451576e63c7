/* newfile.c - a new private file, written whole. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newfile.h"

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int oc_newfile_write(int dir, const char *name, const void *p, size_t n,
		     bool *made)
{
	int fd, err;

	*made = false;
	fd = openat(dir, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	*made = true;
	/* The umask may have taken bits the mode asked for, never added. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, p, n) != 0 ||
	    fsync(fd) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}
