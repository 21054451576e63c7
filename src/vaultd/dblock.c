/* dblock.c - flock(2) on the database file. */
#include "config.h"

#include "dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

/* Attempts before giving up on a file replaced under the lock each time. */
#define REPLACED_TRIES 8

static int take(const char *path, int how, bool missing_ok,
		struct oc_dblock *out)
{
	struct stat fsb, psb;
	int fd, tries;

	out->fd = -1;
	for (tries = 0; tries < REPLACED_TRIES; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ENOENT && missing_ok)
				return OC_OK;
			oc_log_error("oneclaw-vaultd: cannot open %s: %s", path,
				     strerror(errno));
			return OC_ERR_IO;
		}
		if (flock(fd, how | LOCK_NB) != 0) {
			int e = errno;

			close(fd);
			if (e != EWOULDBLOCK) {
				oc_log_error("oneclaw-vaultd: cannot lock %s: "
					     "%s",
					     path, strerror(e));
				return OC_ERR_IO;
			}
			if (how == LOCK_EX)
				oc_log_error("oneclaw-vaultd: %s is in use "
					     "(a server or a backup has it "
					     "open); stop it first",
					     path);
			else
				oc_log_error("oneclaw-vaultd: %s is held by a "
					     "restore or a KEK rotation; "
					     "wait for it to finish",
					     path);
			return OC_ERR_CONFLICT;
		}
		/* A restore may have renamed another file over path while
		 * this one waited to open: the lock must be on the file the
		 * path names now. */
		if (fstat(fd, &fsb) == 0 && stat(path, &psb) == 0 &&
		    fsb.st_dev == psb.st_dev && fsb.st_ino == psb.st_ino) {
			out->fd = fd;
			return OC_OK;
		}
		close(fd);
	}
	oc_log_error("oneclaw-vaultd: %s keeps being replaced", path);
	return OC_ERR_CONFLICT;
}

int oc_dblock_shared(const char *path, struct oc_dblock *out)
{
	return take(path, LOCK_SH, false, out);
}

int oc_dblock_exclusive(const char *path, bool missing_ok,
			struct oc_dblock *out)
{
	return take(path, LOCK_EX, missing_ok, out);
}

void oc_dblock_release(struct oc_dblock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
