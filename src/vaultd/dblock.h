/* dblock.h - who may use a database file at a time.
 *
 * A server and a backup share a database; a restore and a KEK rotation
 * need it alone.  The lock is flock(2) on the database file itself, which
 * is independent of SQLite's own fcntl locks.  Each is taken without
 * waiting: an operator is told at once who holds the database, rather
 * than left waiting behind a server. */
#ifndef OC_VAULTD_DBLOCK_H
#define OC_VAULTD_DBLOCK_H

#include <stdbool.h>

/* The lock's descriptor, -1 for none. */
struct oc_dblock {
	int fd;
};

#define OC_DBLOCK_NONE                                                         \
	{                                                                      \
		-1                                                             \
	}

/* OC_ERR_CONFLICT (with a message naming path) when a holder of the other
 * kind has it; OC_ERR_IO when path cannot be opened.  With missing_ok, a
 * path that does not exist is OC_OK with no lock: nothing can hold it. */
int oc_dblock_shared(const char *path, struct oc_dblock *out);
int oc_dblock_exclusive(const char *path, bool missing_ok,
			struct oc_dblock *out);
/* Releases the lock.  Only after every SQLite handle on the file is
 * closed: closing a descriptor drops the process's fcntl locks on it. */
void oc_dblock_release(struct oc_dblock *l);

#endif
