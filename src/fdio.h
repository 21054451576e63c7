/* fdio.h - whole reads and writes on a file descriptor, retried on EINTR
 * (key and PIN files, the token cache, the server's wire log). */
#ifndef OC_FDIO_H
#define OC_FDIO_H

#include <stddef.h>

/* Writes all n bytes: OC_OK, or OC_ERR_IO when a write fails. */
int oc_fdio_write_all(int fd, const void *p, size_t n);
/* Reads up to max bytes, stopping at end of file or at a failed read;
 * returns how many it read. */
size_t oc_fdio_read_max(int fd, void *p, size_t max);

#endif
