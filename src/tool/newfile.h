/* newfile.h - a new private file, written whole: the key of keygen, the
 * record of a rotation job. */
#ifndef OC_TOOL_NEWFILE_H
#define OC_TOOL_NEWFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Creates name (relative to the directory dir, AT_FDCWD for a path) with
 * O_EXCL and O_NOFOLLOW, mode 0600, writes p[0..n) and syncs it.  0, or
 * -1 with errno set; *made tells whether the file was created (the caller
 * removes a half-written one). */
int oc_newfile_write(int dir, const char *name, const void *p, size_t n,
		     bool *made);

/* The two halves of oc_newfile_write, for a file that must be made before
 * its content exists (a key the server shows once): open creates name
 * empty as above and returns its descriptor, or -1 with errno set;
 * finish writes p[0..n) to fd, syncs and closes it (always), 0 or -1 with
 * errno set.  The caller removes the file when it is not finished. */
int oc_newfile_open(int dir, const char *name);
int oc_newfile_finish(int fd, const void *p, size_t n);

#endif
