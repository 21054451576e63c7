/* tokcache.c - see tokcache.h.  The file:
 *
 *     oneclaw-token-cache 1
 *     <binding, 64 hex>
 *     <expiry, Unix seconds>
 *     <token>
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "codec.h"
#include "err.h"
#include "fdio.h"
#include "log.h"
#include "ossl.h"
#include "secmem.h"
#include "tokcache.h"

#define MAGIC	  "oneclaw-token-cache 1\n"
#define BIND_HEX  (2 * OC_TOKCACHE_BIND)
#define MAX_LIFE  (7L * 24 * 3600) /* no token lives longer */
#define PATH_MAX_ 4096

/* Each part with its length first, so that no two tuples digest alike. */
static int digest_part(EVP_MD_CTX *md, const char *s)
{
	uint64_t n = s ? strlen(s) : UINT64_MAX;
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	return EVP_DigestUpdate(md, len, sizeof(len)) &&
	       (!s || EVP_DigestUpdate(md, s, strlen(s)));
}

int oc_tokcache_binding(const char *api_url, int kind, const char *credential,
			const char *agent_id, const char *dpop_jkt,
			uint8_t out[OC_TOKCACHE_BIND])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char k[16];
	unsigned int n = 0;
	int ok;

	snprintf(k, sizeof(k), "%d", kind);
	ok = md && EVP_DigestInit_ex(md, oc_ossl_sha256(), NULL) &&
	     digest_part(md, MAGIC) && digest_part(md, api_url) &&
	     digest_part(md, k) && digest_part(md, credential) &&
	     digest_part(md, agent_id) && digest_part(md, dpop_jkt) &&
	     EVP_DigestFinal_ex(md, out, &n) && n == OC_TOKCACHE_BIND;
	EVP_MD_CTX_free(md);
	return ok ? OC_OK : OC_ERR_CRYPTO;
}

/* The file's bytes (secure memory, NUL-terminated) when it is a regular
 * file of ours that no one else may read; NULL otherwise. */
static char *read_private(const char *path, size_t *len, struct stat *sto)
{
	struct stat st;
	char *buf = NULL;
	size_t got;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size > OC_TOKCACHE_MAX) {
		oc_debug(OC_LOG_API,
			 "token cache %s: not a private file of "
			 "this user; ignored",
			 path);
		goto out;
	}
	buf = oc_secure_alloc(OC_TOKCACHE_MAX + 1);
	if (!buf)
		goto out;
	/* A short read is a file that does not parse: a miss. */
	got = oc_fdio_read_max(fd, buf, OC_TOKCACHE_MAX);
	buf[got] = '\0';
	*len = got;
	if (sto)
		*sto = st;
out:
	close(fd);
	return buf;
}

/* Splits the file into its binding, expiry and token; false when it is
 * not one. */
static bool parse(char *text, size_t len, uint8_t bind[OC_TOKCACHE_BIND],
		  long *exp, char **tok)
{
	char *p = text, *nl;
	size_t n;
	unsigned long e;

	if (len < sizeof(MAGIC) - 1 || memcmp(p, MAGIC, sizeof(MAGIC) - 1))
		return false;
	p += sizeof(MAGIC) - 1;
	nl = strchr(p, '\n');
	if (!nl || nl - p != BIND_HEX ||
	    oc_hex_decode(p, BIND_HEX, bind, OC_TOKCACHE_BIND, &n) != OC_OK ||
	    n != OC_TOKCACHE_BIND)
		return false;
	p = nl + 1;
	nl = strchr(p, '\n');
	if (!nl)
		return false;
	*nl = '\0';
	if (oc_decimal_parse(p, 0, (unsigned long)LONG_MAX, &e) != OC_OK)
		return false;
	*exp = (long)e;
	p = nl + 1;
	nl = strchr(p, '\n');
	if (!nl || nl == p)
		return false;
	*nl = '\0';
	for (char *c = p; c < nl; c++)
		if (*c <= ' ' || *c > '~')
			return false;
	*tok = p;
	return true;
}

int oc_tokcache_load(const char *path, const uint8_t bind[OC_TOKCACHE_BIND],
		     unsigned min_left_s, char **tok, uint64_t *left_s)
{
	uint8_t have[OC_TOKCACHE_BIND];
	char *text, *t = NULL;
	size_t len = 0;
	long exp = 0, now = (long)time(NULL);
	int rc = -1;

	*tok = NULL;
	text = read_private(path, &len, NULL);
	if (!text)
		return -1;
	if (!parse(text, len, have, &exp, &t)) {
		oc_debug(OC_LOG_API, "token cache %s: unreadable; ignored",
			 path);
	} else if (CRYPTO_memcmp(have, bind, OC_TOKCACHE_BIND) != 0) {
		oc_debug(OC_LOG_API, "token cache %s: another credential's",
			 path);
	} else if (exp - now <= (long)min_left_s || exp - now > MAX_LIFE) {
		oc_debug(OC_LOG_API, "token cache %s: expires too soon", path);
	} else if ((*tok = oc_secure_strdup(t)) != NULL) {
		*left_s = (uint64_t)(exp - now);
		oc_debug(OC_LOG_API,
			 "token cache %s: token reused (valid %ld s)", path,
			 exp - now);
		rc = 0;
	}
	oc_secure_free(text);
	return rc;
}

int oc_tokcache_store(const char *path, const uint8_t bind[OC_TOKCACHE_BIND],
		      const char *tok, uint64_t life_s)
{
	char tmp[PATH_MAX_ + 8], hex[BIND_HEX + 1], *text = NULL;
	size_t n;
	int fd = -1, rc = -1;

	if (strlen(path) > PATH_MAX_ || life_s > MAX_LIFE ||
	    strlen(tok) > OC_TOKCACHE_MAX - 256)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	text = oc_secure_alloc(OC_TOKCACHE_MAX);
	if (!text)
		return -1;
	oc_hex_encode(bind, OC_TOKCACHE_BIND, hex, sizeof(hex));
	n = (size_t)snprintf(text, OC_TOKCACHE_MAX, "%s%s\n%ld\n%s\n", MAGIC,
			     hex, (long)time(NULL) + (long)life_s, tok);
	fd = mkostemp(tmp, O_CLOEXEC); /* 0600, a new file */
	if (fd < 0)
		goto out;
	if (oc_fdio_write_all(fd, text, n) != OC_OK)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == 0)
		rc = 0;
out:
	if (rc != 0) {
		oc_debug(OC_LOG_API, "token cache %s: not written: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	oc_secure_free(text);
	return rc;
}

void oc_tokcache_drop(const char *path, const char *tok)
{
	uint8_t bind[OC_TOKCACHE_BIND];
	struct stat was, now;
	char *text, *t = NULL;
	size_t len = 0;
	long exp;

	text = read_private(path, &len, &was);
	if (!text)
		return;
	/* Only the file read: another process may have renamed a fresh
	 * token over it meanwhile. */
	if (parse(text, len, bind, &exp, &t) && strcmp(t, tok) == 0 &&
	    lstat(path, &now) == 0 && now.st_ino == was.st_ino &&
	    now.st_dev == was.st_dev) {
		unlink(path);
		oc_debug(OC_LOG_API, "token cache %s: refused token dropped",
			 path);
	}
	oc_secure_free(text);
}
