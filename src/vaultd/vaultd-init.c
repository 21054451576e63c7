/* vaultd-init.c - creating a database. */
#include "config.h"

#include "vaultd-init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fdio.h"
#include "ids.h"
#include "jwt.h"
#include "kek.h"
#include "log.h"
#include "ossl.h"
#include "secmem.h"
#include "store.h"

/* Exclusive create, as the master key file: a file that already exists
 * may belong to someone who can read whatever is written into it. */
static int create_key_file(const char *path, int *fd)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		   0600);
	if (*fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot create %s: %s%s", path,
			     strerror(errno),
			     errno == EEXIST ? " (remove it first)" : "");
		return OC_ERR_IO;
	}
	return OC_OK;
}

static int write_key_file(int fd, const char *path, const char *key)
{
	int rc;

	rc = oc_fdio_write_all(fd, key, strlen(key));
	if (!rc && fsync(fd) != 0)
		rc = OC_ERR_IO;
	if (rc)
		oc_log_error("oneclaw-vaultd: cannot write %s", path);
	return rc;
}

int oc_vaultd_init(const char *db_path, const char *master_key,
		   const char *admin_key_file)
{
	struct oc_store *st = NULL;
	struct oc_kek *kek = NULL;
	uint8_t seed[OC_SIGNING_SEED_LEN], sealed[OC_SIGNING_SEED_LEN + 64];
	uint8_t hash[OC_KEY_HASH_LEN];
	char mpath[4096], uid[OC_UUID_LEN + 1];
	char *admin = NULL;
	size_t sealed_len = 0;
	bool made_master = false;
	int n, rc, key_fd = -1;

	if (master_key)
		n = snprintf(mpath, sizeof(mpath), "%s", master_key);
	else
		n = snprintf(mpath, sizeof(mpath), "%s.master-key", db_path);
	if (n < 0 || (size_t)n >= sizeof(mpath))
		return OC_ERR_RANGE;
	rc = create_key_file(admin_key_file, &key_fd);
	if (rc)
		return rc;
	rc = oc_store_create(db_path, &st);
	if (rc) {
		close(key_fd);
		unlink(admin_key_file);
		return rc;
	}
	rc = oc_kek_master_create(mpath);
	if (rc)
		goto out;
	made_master = true;
	rc = oc_kek_open(mpath, &kek);
	if (!rc)
		rc = oc_random(seed, sizeof(seed));
	if (!rc)
		rc = oc_kek_seal_local(kek, "token signing key", seed,
				       sizeof(seed), sealed, sizeof(sealed),
				       &sealed_len);
	if (!rc)
		rc = oc_store_meta_set(st, "signing_key", sealed, sealed_len);
	if (!rc)
		rc = oc_api_key_new("1ck_", &admin);
	if (!rc)
		rc = oc_api_key_hash(admin, strlen(admin), hash);
	if (!rc)
		rc = oc_uuid(uid);
	if (!rc)
		rc = oc_store_user_add(st, uid, "admin", hash);
	if (!rc)
		rc = write_key_file(key_fd, admin_key_file, admin);
	if (!rc)
		oc_log_info("oneclaw-vaultd: created %s (master key %s, "
			    "admin key in %s)",
			    db_path, mpath, admin_key_file);
out:
	if (close(key_fd) != 0 && !rc)
		rc = OC_ERR_IO;
	oc_wipe(seed, sizeof(seed));
	oc_secure_free(admin);
	oc_kek_free(kek);
	oc_store_close(st);
	if (rc) {
		char side[4200];

		unlink(db_path);
		snprintf(side, sizeof(side), "%s-wal", db_path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db_path);
		unlink(side);
		if (made_master)
			unlink(mpath);
		unlink(admin_key_file);
	}
	return rc;
}
