/* glob.c - glob matching by dynamic programming: O(pattern x path) time
 * and O(path) memory whatever the pattern, so a hostile pattern cannot
 * take exponential time. */
#include "config.h"

#include "glob.h"

#include <stdlib.h>
#include <string.h>

enum tok { LIT, ONE, STAR, DSTAR };

struct t {
	enum tok k;
	char c;
};

bool oc_glob_match(const char *pattern, const char *path)
{
	size_t pl, n, m = 0, i, j;
	struct t *tk = NULL;
	unsigned char *row0 = NULL, *row1 = NULL, *row2 = NULL, *tmp;
	bool res = false;

	if (!pattern || !path)
		return false;
	pl = strlen(pattern);
	n = strlen(path);
	tk = calloc(pl + 1, sizeof(*tk));
	row0 = calloc(n + 1, 1);
	row1 = calloc(n + 1, 1);
	row2 = calloc(n + 1, 1);
	if (!tk || !row0 || !row1 || !row2)
		goto out;
	for (i = 0; i < pl; i++) {
		if (pattern[i] == '*' && pattern[i + 1] == '*') {
			while (pattern[i + 1] == '*')
				i++;
			tk[m++].k = DSTAR;
		} else if (pattern[i] == '*') {
			tk[m++].k = STAR;
		} else if (pattern[i] == '?') {
			tk[m++].k = ONE;
		} else {
			tk[m].k = LIT;
			tk[m++].c = pattern[i];
		}
	}
	/* row1 is token i+1, row2 token i+2; row m: only the empty rest. */
	row1[n] = 1;
	for (i = m; i-- > 0;) {
		for (j = n + 1; j-- > 0;) {
			bool v = false;
			bool more = j < n;

			switch (tk[i].k) {
			case LIT:
				v = more && path[j] == tk[i].c && row1[j + 1];
				break;
			case ONE:
				v = more && path[j] != '/' && row1[j + 1];
				break;
			case STAR:
				v = row1[j] ||
				    (more && path[j] != '/' && row0[j + 1]);
				break;
			case DSTAR:
				v = row1[j] || (more && row0[j + 1]);
				/* "**" + "/" may match no segment at all. */
				if (!v && i + 1 < m && tk[i + 1].k == LIT &&
				    tk[i + 1].c == '/')
					v = row2[j];
				break;
			}
			row0[j] = v;
		}
		tmp = row2;
		row2 = row1;
		row1 = row0;
		row0 = tmp;
		memset(row0, 0, n + 1);
	}
	res = row1[0];
out:
	free(tk);
	free(row0);
	free(row1);
	free(row2);
	return res;
}
