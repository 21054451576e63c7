/* keysrc.c - a 32-byte CMEK key from a file or an environment variable.
 *
 * Decoding order: 64 hex characters, then base64 (either alphabet, padding
 * optional) that decodes to exactly 32 bytes, then exactly 32 raw bytes.
 * Text is tried first so that a 32-byte file that happens to be text is
 * read as text only when it really is a text key.  Every temporary is
 * wiped; messages name the source, never its content. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "conf.h"
#include "err.h"
#include "keysrc.h"
#include "log.h"
#include "sealkey.h"
#include "secmem.h"

static const char enc_hint[] =
    "not a CMEK key (expected 32 raw bytes, base64 of 32 bytes, or 64 "
    "hex characters)";

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int oc_keysrc_decode(const uint8_t *in, size_t n, uint8_t key[OC_CMEK_KEY_LEN])
{
	uint8_t tmp[64];
	const uint8_t *s = in;
	size_t tn = n, out_len = 0;
	int rc = OC_ERR_PARSE;

	if ((in == NULL && n != 0) || key == NULL)
		return OC_ERR_ARGS;
	while (tn > 0 && is_space(s[0])) {
		s++;
		tn--;
	}
	while (tn > 0 && is_space(s[tn - 1]))
		tn--;
	if (tn == 2 * OC_CMEK_KEY_LEN &&
	    oc_hex_decode((const char *)s, tn, tmp, sizeof(tmp), &out_len) ==
		OC_OK &&
	    out_len == OC_CMEK_KEY_LEN) {
		rc = OC_OK;
	} else if (tn > 0 && memchr(s, '\0', tn) == NULL &&
		   oc_base64_decode((const char *)s, tn, tmp, sizeof(tmp),
				    &out_len) == OC_OK &&
		   out_len == OC_CMEK_KEY_LEN) {
		rc = OC_OK;
	} else if (n == OC_CMEK_KEY_LEN) {
		memcpy(tmp, in, OC_CMEK_KEY_LEN);
		rc = OC_OK;
	}
	if (rc == OC_OK)
		memcpy(key, tmp, OC_CMEK_KEY_LEN);
	oc_wipe(tmp, sizeof(tmp));
	return rc;
}

int oc_keysrc_load_file(const char *path, uint8_t key[OC_CMEK_KEY_LEN],
			int *loose_perms, char *errbuf, size_t errlen)
{
	uint8_t data[OC_KEYSRC_MAX_FILE + 1];
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd = -1, rc = OC_ERR_ARGS, e;
	bool sealed;

	if (path == NULL || *path == '\0' || key == NULL) {
		set_err(errbuf, errlen, "CMEK key file: no path given");
		goto out;
	}
	rc = OC_ERR_IO;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		set_err(errbuf, errlen, "%s: cannot open CMEK key file: %s",
			path, strerror(e));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		set_err(errbuf, errlen, "%s: cannot stat CMEK key file: %s",
			path, strerror(e));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(errbuf, errlen,
			"%s: CMEK key file is not a regular file", path);
		goto out;
	}
	/* Read to EOF: the size may change under us; cap it regardless. */
	while (len < sizeof(data)) {
		r = read(fd, data + len, sizeof(data) - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			rc = OC_ERR_IO;
			set_err(errbuf, errlen,
				"%s: cannot read CMEK key file: %s", path,
				strerror(e));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	/* A sealed file may be larger than a key, and others may read it:
	 * its start tells. */
	sealed = oc_sealkey_looks(data, len);
	rc = oc_conf_check_file(path, &st, !sealed, errbuf, errlen);
	if (rc != OC_OK)
		goto out;
	rc = OC_ERR_PARSE;
	if (sealed) {
		/* Only a front end that can reach the token opens it. */
		rc = OC_ERR_SEALED;
		set_err(errbuf, errlen,
			"%s: a sealed key file (opens only inside one of its "
			"recipients' tokens)",
			path);
		goto out;
	}
	if (len > OC_KEYSRC_MAX_FILE ||
	    oc_keysrc_decode(data, len, key) != OC_OK) {
		set_err(errbuf, errlen, "%s: %s", path, enc_hint);
		goto out;
	}
	if (loose_perms != NULL)
		*loose_perms = (st.st_mode & S_IRGRP) != 0;
	oc_debug(OC_LOG_CMEK, "loaded a CMEK key from a %zu-byte file", len);
	rc = OC_OK;
out:
	oc_wipe(data, sizeof(data));
	if (fd >= 0)
		close(fd);
	return rc;
}

int oc_keysrc_load_env(const char *name, uint8_t key[OC_CMEK_KEY_LEN],
		       char *errbuf, size_t errlen)
{
	const char *v;
	size_t n;

	if (name == NULL || *name == '\0' || key == NULL) {
		set_err(errbuf, errlen, "CMEK key variable: no name given");
		return OC_ERR_ARGS;
	}
	v = secure_getenv(name);
	if (v == NULL || *v == '\0') {
		set_err(errbuf, errlen, "%s is not set", name);
		return OC_ERR_NO_KEY;
	}
	n = strnlen(v, OC_KEYSRC_MAX_FILE + 1);
	if (n > OC_KEYSRC_MAX_FILE ||
	    oc_keysrc_decode((const uint8_t *)v, n, key) != OC_OK) {
		set_err(errbuf, errlen, "%s: %s", name, enc_hint);
		return OC_ERR_PARSE;
	}
	oc_debug(OC_LOG_CMEK, "loaded a CMEK key from %s", name);
	return OC_OK;
}

int oc_keysrc_key_from_file(const char *path, struct oc_cmek_key **out,
			    int *loose_perms, char *errbuf, size_t errlen)
{
	uint8_t key[OC_CMEK_KEY_LEN];
	int loose = 0, rc;

	if (out == NULL)
		return OC_ERR_ARGS;
	rc = oc_keysrc_load_file(path, key, &loose, errbuf, errlen);
	if (rc != OC_OK)
		goto out;
	rc = oc_cmek_key_from_raw(key, out);
	if (rc != OC_OK) {
		set_err(errbuf, errlen, "%s: %s", path, oc_strerror(rc));
		goto out;
	}
	if (loose_perms != NULL)
		*loose_perms = loose;
out:
	oc_wipe(key, sizeof(key));
	return rc;
}
