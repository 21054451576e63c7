/* jobstate.c - the record of a server rotation job started here. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobstate.h"
#include "newfile.h"

#include "codec.h"
#include "err.h"
#include "log.h"

#define STATE_SUBDIR "oneclaw"
#define FILE_PREFIX  "cmek-rotate-"
/* A record is three short lines; anything longer is not one. */
#define MAX_RECORD 1024

/* Ids that go into a file name: uuids in practice. */
static bool name_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > OC_WIRE_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* <state>/oneclaw into buf. */
static int state_dir(char *buf, size_t n)
{
	const char *x = secure_getenv("XDG_STATE_HOME");
	const char *home = secure_getenv("HOME");
	int len;

	/* The XDG spec: a relative value is invalid and is ignored. */
	if (x && x[0] == '/')
		len = snprintf(buf, n, "%s/" STATE_SUBDIR, x);
	else if (home && home[0] == '/')
		len = snprintf(buf, n, "%s/.local/state/" STATE_SUBDIR, home);
	else
		return OC_ERR_CONFIG;
	return len < 0 || (size_t)len >= n ? OC_ERR_RANGE : OC_OK;
}

/* mkdir -p with mode 0700 for what it makes. */
static int make_dirs(char *path)
{
	char *p;

	for (p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				*p = c;
				return OC_ERR_IO;
			}
			*p = c;
		}
		if (*p == '\0')
			return OC_OK;
	}
}

/* Whether st belongs to this user and is not writable by others. */
static bool trusted(const struct stat *st)
{
	return st->st_uid == geteuid() && (st->st_mode & 022) == 0;
}

/* The state directory, opened (made first when make). */
static int open_dir(bool make, int *dfd)
{
	char dir[4096];
	struct stat st;
	int fd, rc;

	rc = state_dir(dir, sizeof(dir));
	if (rc)
		return rc;
	if (make) {
		rc = make_dirs(dir);
		if (rc)
			return rc;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? OC_ERR_NOT_FOUND : OC_ERR_IO;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return OC_ERR_IO;
	}
	if (!trusted(&st)) {
		close(fd);
		oc_debug(OC_LOG_TOOL,
			 "%s: not owned by this user, or "
			 "writable by others: not used",
			 dir);
		return OC_ERR_PERM;
	}
	*dfd = fd;
	return OC_OK;
}

void oc_jobstate_path(const char *vault_id, char *buf, size_t n)
{
	char dir[4096];

	if (!n)
		return;
	buf[0] = '\0';
	if (name_ok(vault_id) && state_dir(dir, sizeof(dir)) == OC_OK)
		snprintf(buf, n, "%s/" FILE_PREFIX "%s", dir, vault_id);
}

int oc_jobstate_save(const struct oc_jobstate *s)
{
	char name[sizeof(FILE_PREFIX) + OC_WIRE_ID_MAX];
	char tmp[sizeof(name) + 32], text[MAX_RECORD];
	int dfd = -1, len, rc, err = 0;
	bool made;

	if (!s || !name_ok(s->vault_id) || !name_ok(s->job_id) ||
	    strchr(s->new_fpr, '\n'))
		return OC_ERR_ARGS;
	len = snprintf(text, sizeof(text),
		       "# a CMEK rotation job started by oneclaw-tool\n"
		       "vault_id=%s\njob_id=%s\nnew_fingerprint=%s\n",
		       s->vault_id, s->job_id, s->new_fpr);
	if (len < 0 || (size_t)len >= sizeof(text))
		return OC_ERR_RANGE;
	rc = open_dir(true, &dfd);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), FILE_PREFIX "%s", s->vault_id);
	snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", name, (long)getpid());
	rc = OC_ERR_IO;
	if (oc_newfile_write(dfd, tmp, text, (size_t)len, &made) != 0 ||
	    renameat(dfd, tmp, dfd, name) != 0)
		goto out;
	/* The rename itself, on disk (best effort). */
	(void)fsync(dfd);
	rc = OC_OK;
out:
	if (rc)
		err = errno;
	if (rc)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	if (rc)
		errno = err;
	return rc;
}

/* The value of "key=" in the record text, into dst. */
static bool field(const char *text, const char *key, char *dst, size_t dsz)
{
	size_t kn = strlen(key), vn;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > kn && memcmp(p, key, kn) == 0 &&
		    p[kn] == '=') {
			vn = (size_t)(eol - p) - kn - 1;
			if (vn >= dsz)
				return false;
			memcpy(dst, p + kn + 1, vn);
			dst[vn] = '\0';
			return true;
		}
		p = *eol ? eol + 1 : eol;
	}
	return false;
}

int oc_jobstate_load(const char *vault_id, struct oc_jobstate *out)
{
	char name[sizeof(FILE_PREFIX) + OC_WIRE_ID_MAX], text[MAX_RECORD + 1];
	struct oc_jobstate s;
	struct stat st;
	ssize_t got;
	size_t n = 0;
	int dfd, fd, rc;

	if (!out || !name_ok(vault_id))
		return OC_ERR_ARGS;
	rc = open_dir(false, &dfd);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), FILE_PREFIX "%s", vault_id);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return errno == ENOENT ? OC_ERR_NOT_FOUND : OC_ERR_IO;
	rc = OC_ERR_PERM;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !trusted(&st))
		goto out;
	rc = OC_ERR_PARSE;
	if (st.st_size > MAX_RECORD)
		goto out;
	while (n < MAX_RECORD &&
	       (got = read(fd, text + n, MAX_RECORD - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = OC_ERR_IO;
			goto out;
		}
		n += (size_t)got;
	}
	text[n] = '\0';
	memset(&s, 0, sizeof(s));
	if (memchr(text, '\0', n) ||
	    !field(text, "vault_id", s.vault_id, sizeof(s.vault_id)) ||
	    !field(text, "job_id", s.job_id, sizeof(s.job_id)) ||
	    strcmp(s.vault_id, vault_id) != 0 || !name_ok(s.job_id))
		goto out;
	if (!field(text, "new_fingerprint", s.new_fpr, sizeof(s.new_fpr)) ||
	    (s.new_fpr[0] &&
	     !oc_is_fingerprint_hex(s.new_fpr, strlen(s.new_fpr))))
		s.new_fpr[0] = '\0';
	*out = s;
	rc = OC_OK;
out:
	close(fd);
	if (rc)
		oc_debug(OC_LOG_TOOL, "rotation job record of %s: %s", vault_id,
			 oc_strerror(rc));
	return rc;
}

int oc_jobstate_remove(const char *vault_id)
{
	char name[sizeof(FILE_PREFIX) + OC_WIRE_ID_MAX];
	int dfd, rc;

	if (!name_ok(vault_id))
		return OC_ERR_ARGS;
	rc = open_dir(false, &dfd);
	if (rc == OC_ERR_NOT_FOUND)
		return OC_OK;
	if (rc)
		return rc;
	snprintf(name, sizeof(name), FILE_PREFIX "%s", vault_id);
	rc = unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? OC_OK : OC_ERR_IO;
	close(dfd);
	return rc;
}
