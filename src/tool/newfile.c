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

/* Creates name and takes the bits the umask may have dropped back to
 * 0600 (never more); *made as in oc_newfile_write. */
static int open_new(int dir, const char *name, bool *made)
{
	int fd, err;

	*made = false;
	fd = openat(dir, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	*made = true;
	if (fchmod(fd, 0600) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int oc_newfile_open(int dir, const char *name)
{
	bool made;
	int fd, err;

	fd = open_new(dir, name, &made);
	if (fd < 0 && made) {
		err = errno;
		(void)unlinkat(dir, name, 0);
		errno = err;
	}
	return fd;
}

int oc_newfile_finish(int fd, const void *p, size_t n)
{
	int err;

	if (write_all(fd, p, n) != 0 || fsync(fd) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

int oc_newfile_write(int dir, const char *name, const void *p, size_t n,
		     bool *made)
{
	int fd = open_new(dir, name, made);

	if (fd < 0)
		return -1;
	return oc_newfile_finish(fd, p, n);
}
