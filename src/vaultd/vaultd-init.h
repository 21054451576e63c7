/* vaultd-init.h - `oneclaw-vaultd --init`: a new database, its master key,
 * the token signing key (sealed under the master key) and the admin user
 * key. */
#ifndef OC_VAULTD_VAULTD_INIT_H
#define OC_VAULTD_VAULTD_INIT_H

/* master_key NULL: "<db>.master-key".  Refuses to overwrite an existing
 * database or master key; removes what it created when it fails. */
int oc_vaultd_init(const char *db_path, const char *master_key,
		   const char *admin_key_file);

#endif
