/* kek-rotate.h - --rotate-kek: a new master key, or a new token KEK, for a
 * database.
 *
 * Offline: it takes the database alone (refused while a server or a backup
 * has it; a server will not start while it runs).  Every wrapped DEK of
 * every vault wrapped by the old KEK is unwrapped and wrapped under the
 * new one, 100 per transaction.  The database records the rotation (the
 * ids of both keys, never the keys) and, with each batch, the last
 * version re-wrapped, so a rotation killed at any point is finished by
 * running the same command again; until then a server refuses to start.
 * The last transaction re-seals the token signing key and drops the
 * record: from then on only the new key opens the database.  A master key
 * rotation leaves the DEKs wrapped by a token KEK as they are, and a token
 * KEK rotation (to another key of the same token, --new-kek-uri) those
 * wrapped under the master key, which it keeps. */
#ifndef OC_VAULTD_KEK_ROTATE_H
#define OC_VAULTD_KEK_ROTATE_H

#include <stdbool.h>

struct oc_store;

struct oc_kek_rotate_args {
	const char *db_path;
	const char *master_key;	    /* the old key; NULL: "<db>.master-key" */
	const char *new_master_key; /* created (0600, O_EXCL) when missing */
	/* A token KEK rotation instead: the key in use and the new one. */
	const char *kek_module;
	const char *kek_uri;
	const char *kek_pin_file;
	const char *new_kek_uri;
	const char *faults; /* test-only: rotate-delay, rotate-hold */
};

/* 0 or a negative OC_ERR_*, with a message on stderr. */
int oc_vaultd_rotate_kek(const struct oc_kek_rotate_args *a);

/* For the server at start-up: OC_ERR_STATE, with a message naming what to
 * run, while a rotation of st's master key is unfinished. */
int oc_kek_rotate_check_finished(struct oc_store *st, const char *db_path);

#endif
