/* tmpdir.h - a scratch folder for a unit test, removed with what it
 * holds. */
#ifndef OC_TEST_TMPDIR_H
#define OC_TEST_TMPDIR_H

#include <stddef.h>

/* Makes $TMPDIR/oc-NAME-XXXXXX (or under /tmp) into dir; 0 or -1. */
int oc_test_tmpdir(const char *name, char *dir, size_t size);
/* Removes dir and everything below it, symlinks not followed; 0 or -1. */
int oc_test_rmtree(const char *dir);

#endif
