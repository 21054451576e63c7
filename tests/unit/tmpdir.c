/* tmpdir.c - a scratch folder for a unit test. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tmpdir.h"

int oc_test_tmpdir(const char *name, char *dir, size_t size)
{
	const char *top = getenv("TMPDIR");
	int n;

	n = snprintf(dir, size, "%s/oc-%s-XXXXXX", top && *top ? top : "/tmp",
		     name);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int oc_test_rmtree(const char *dir)
{
	/* Depth first, so a folder is empty when its turn comes. */
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
