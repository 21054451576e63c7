/* fdio.h - whole reads and writes on a file descriptor, retried on EINTR
 * (key and PIN files, the token cache, the server's wire log), and the
 * directory sync that makes a new name durable. */
#ifndef OC_FDIO_H
#define OC_FDIO_H

#include <stddef.h>

/* Writes all n bytes: OC_OK, or OC_ERR_IO when a write fails. */
int oc_fdio_write_all(int fd, const void *p, size_t n);
/* Reads up to max bytes, stopping at end of file or at a failed read;
 * returns how many it read. */
size_t oc_fdio_read_max(int fd, void *p, size_t max);
/* fsync(2) of the directory that names path, so that a file just created,
 * linked, renamed or removed there stays so after a power loss: OC_OK, or
 * OC_ERR_IO with errno set. */
int oc_fdio_sync_dir_of(const char *path);

#endif
