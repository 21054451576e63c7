/* backup.c - files and locks of --backup and --restore. */
#include "config.h"

#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dblock.h"
#include "err.h"
#include "fdio.h"
#include "jwt.h"
#include "kek.h"
#include "log.h"
#include "secmem.h"
#include "store.h"

#define PATH_MAX_LEN 4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An empty private file beside path (same directory, so a rename or link
 * onto path is atomic), its name in tmp. */
static int make_temp(const char *path, const char *tag, char *tmp, size_t size)
{
	int fd, n;

	n = snprintf(tmp, size, "%s.%s-XXXXXX", path, tag);
	if (n < 0 || (size_t)n >= size) {
		oc_log_error("oneclaw-vaultd: %s: path too long", path);
		return OC_ERR_RANGE;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot create a file beside "
			     "%s: %s",
			     path, strerror(errno));
		tmp[0] = '\0';
		return OC_ERR_IO;
	}
	close(fd);
	return OC_OK;
}

/* What SQLite may keep beside a database: each belongs to that file
 * alone. */
static const char *const db_side[] = {"-journal", "-wal", "-shm"};

/* Removes path's side files; 0, or the errno of the first that could not
 * be removed (its name in failed). */
static int remove_side_files(const char *path, char *failed, size_t size)
{
	char p[PATH_MAX_LEN + 16];
	size_t i;
	int e = 0;

	for (i = 0; i < sizeof(db_side) / sizeof(db_side[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, db_side[i]);
		if (unlink(p) != 0 && errno != ENOENT && !e) {
			e = errno;
			snprintf(failed, size, "%s", p);
		}
	}
	return e;
}

/* Removes a temporary database with whatever SQLite left beside it. */
static void remove_db_files(const char *path)
{
	char failed[PATH_MAX_LEN + 16];

	if (!path[0])
		return;
	unlink(path);
	(void)remove_side_files(path, failed, sizeof(failed));
}

/* fsync of a file, or of the directory that names it. */
static int sync_path(const char *path, bool dir)
{
	int fd, rc = OC_OK, e = 0;

	if (dir) {
		rc = oc_fdio_sync_dir_of(path);
		e = errno;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fsync(fd) != 0) {
			e = errno;
			rc = OC_ERR_IO;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc)
		oc_log_error("oneclaw-vaultd: cannot sync %s: %s", path,
			     strerror(e));
	return rc;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

int oc_vaultd_backup(const char *db_path, const char *file)
{
	struct oc_dblock lock = OC_DBLOCK_NONE;
	char tmp[PATH_MAX_LEN] = "";
	struct stat sb;
	double t0 = now_s();
	int rc;

	if (lstat(file, &sb) == 0) {
		oc_log_error("oneclaw-vaultd: %s already exists; a backup "
			     "never overwrites a file",
			     file);
		return OC_ERR_CONFLICT;
	}
	if (errno != ENOENT) {
		oc_log_error("oneclaw-vaultd: cannot create %s: %s", file,
			     strerror(errno));
		return OC_ERR_IO;
	}
	rc = oc_dblock_shared(db_path, &lock);
	if (!rc)
		rc = make_temp(file, "tmp", tmp, sizeof(tmp));
	if (!rc)
		rc = oc_store_snapshot(db_path, tmp);
	if (!rc)
		rc = sync_path(tmp, false);
	/* link(2), not rename(2): a FILE made meanwhile is kept, not
	 * replaced. */
	if (!rc && link(tmp, file) != 0) {
		oc_log_error("oneclaw-vaultd: cannot create %s: %s", file,
			     strerror(errno));
		rc = OC_ERR_IO;
	}
	/* The temporary name goes before the directory is synced: a power
	 * loss leaves FILE alone, not a second name for it. */
	if (!rc) {
		remove_db_files(tmp);
		tmp[0] = '\0';
		rc = sync_path(file, true);
		/* A FILE not known to be on disk is no backup. */
		if (rc)
			unlink(file);
	}
	if (!rc)
		fprintf(stderr,
			"oneclaw-vaultd: backed up %s to %s (%lld bytes in "
			"%.3f s); it opens only with the database's master "
			"key, kept apart from it\n",
			db_path, file, (long long)file_size(file),
			now_s() - t0);
	remove_db_files(tmp);
	oc_dblock_release(&lock);
	return rc;
}

/* The master key opens the copy: the token signing key and, unless a KEK
 * rotation is unfinished in it, the first DEK wrapped under it (a token
 * KEK is not at hand to check the others). */
static int check_key(const char *copy, const char *file, const char *mpath)
{
	struct oc_store *st = NULL;
	struct oc_kek *kek = NULL;
	struct oc_kek_rotation rot;
	struct oc_kek_sample sample;
	uint8_t *sealed = NULL, seed[OC_SIGNING_SEED_LEN], dek[OC_DEK_LEN];
	size_t sealed_len = 0, seed_len = 0;
	bool pending = false, found = false;
	int rc;

	memset(&sample, 0, sizeof(sample));
	rc = oc_store_open(copy, &st);
	if (!rc)
		rc = oc_kek_open(mpath, &kek);
	if (!rc)
		rc = oc_store_kek_rotation_get(st, &rot, &pending);
	if (!rc)
		rc = oc_store_meta_get(st, "signing_key", &sealed, &sealed_len);
	if (rc)
		goto out;
	rc = oc_kek_open_local(kek, "token signing key", sealed, sealed_len,
			       seed, sizeof(seed), &seed_len);
	if (!rc && !pending)
		rc = oc_store_kek_sample(st, OC_KEK_WRAP_MASTER, &sample,
					 &found);
	if (!rc && found)
		rc = oc_kek_unwrap(kek, sample.vault_id, sample.salt,
				   sample.dek, sample.dek_len, dek);
	if (rc == OC_ERR_DECRYPT)
		oc_log_error("oneclaw-vaultd: the master key %s does not open "
			     "%s",
			     mpath, file);
	if (!rc && pending)
		fprintf(stderr,
			"oneclaw-vaultd: %s holds an unfinished KEK rotation: "
			"run --rotate-kek again after the restore\n",
			file);
out:
	oc_wipe(seed, sizeof(seed));
	oc_wipe(dek, sizeof(dek));
	free(sealed);
	oc_kek_free(kek);
	oc_store_close(st);
	return rc;
}

int oc_vaultd_restore(const char *db_path, const char *master_key,
		      const char *file)
{
	struct oc_dblock lock = OC_DBLOCK_NONE;
	char tmp[PATH_MAX_LEN] = "", mpath[PATH_MAX_LEN];
	char side[PATH_MAX_LEN + 16];
	struct stat sb;
	double t0 = now_s();
	int e, n, rc;

	n = master_key
		? snprintf(mpath, sizeof(mpath), "%s", master_key)
		: snprintf(mpath, sizeof(mpath), "%s.master-key", db_path);
	if (n < 0 || (size_t)n >= sizeof(mpath)) {
		oc_log_error("oneclaw-vaultd: the master key path is too long");
		return OC_ERR_RANGE;
	}
	if (stat(file, &sb) != 0) {
		oc_log_error("oneclaw-vaultd: cannot read %s: %s", file,
			     strerror(errno));
		return OC_ERR_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		oc_log_error("oneclaw-vaultd: %s is not a file", file);
		return OC_ERR_IO;
	}
	rc = oc_dblock_exclusive(db_path, true, &lock);
	if (!rc)
		rc = make_temp(db_path, "restore", tmp, sizeof(tmp));
	if (!rc)
		rc = oc_store_snapshot(file, tmp);
	if (!rc)
		rc = check_key(tmp, file, mpath);
	if (!rc)
		rc = sync_path(tmp, false);
	if (rc)
		goto out;
	/* The log must not outlive the database it belongs to: replayed
	 * over the restored file it would corrupt it.  Folded in first (best
	 * effort: the file may be damaged), so that the database is whole
	 * without it should the rename below fail. */
	if (lock.fd >= 0)
		(void)oc_store_checkpoint(db_path);
	/* A rollback journal left beside it would be rolled back over the
	 * restored file just the same.  The removals are made durable before
	 * the rename: never the new file with the old log. */
	e = remove_side_files(db_path, side, sizeof(side));
	if (e) {
		oc_log_error("oneclaw-vaultd: cannot remove %s: %s", side,
			     strerror(e));
		rc = OC_ERR_IO;
		goto out;
	}
	rc = sync_path(db_path, true);
	if (rc)
		goto out;
	if (rename(tmp, db_path) != 0) {
		oc_log_error("oneclaw-vaultd: cannot replace %s: %s", db_path,
			     strerror(errno));
		rc = OC_ERR_IO;
		goto out;
	}
	tmp[0] = '\0';
	rc = sync_path(db_path, true);
	if (!rc)
		fprintf(stderr,
			"oneclaw-vaultd: restored %s from %s (%lld bytes in "
			"%.3f s)\n",
			db_path, file, (long long)file_size(db_path),
			now_s() - t0);
out:
	remove_db_files(tmp);
	oc_dblock_release(&lock);
	return rc;
}
