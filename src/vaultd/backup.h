/* backup.h - --backup and --restore of a server's database.
 *
 * A backup is taken while a server runs (a shared lock on the database,
 * as the server's): the online copy is written to a temporary file beside
 * FILE, checked, synced and only then linked to FILE, which is never
 * overwritten.  A restore needs the database alone (an exclusive lock,
 * refused while a server or a backup holds it): it checks the backup and
 * that the master key opens it, then renames its checked copy over the
 * database.  The master key is not in the database; a backup is of no use
 * without it. */
#ifndef OC_VAULTD_BACKUP_H
#define OC_VAULTD_BACKUP_H

/* 0 or a negative OC_ERR_*, with a message on stderr; on failure nothing
 * is left behind and nothing is changed. */
int oc_vaultd_backup(const char *db_path, const char *file);
/* master_key: the master key file, NULL for "<db>.master-key". */
int oc_vaultd_restore(const char *db_path, const char *master_key,
		      const char *file);

#endif
