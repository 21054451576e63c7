/* tk-pin.c - a token's user PIN from a file, a string or the terminal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "tk-module.h"

#include "err.h"
#include "secmem.h"

/* Reads up to OC_TK_PIN_MAX + 1 bytes (one over tells "too long"): to the
 * end of the file, or of the line when line is set (the newline is not
 * kept).  OC_ERR_IO with errno set when a read fails. */
static int read_upto(int fd, char *buf, bool line,
		     const volatile sig_atomic_t *interrupted, size_t *len)
{
	size_t n = 0;
	ssize_t r = 1;

	while (n <= OC_TK_PIN_MAX && r > 0) {
		r = read(fd, buf + n, line ? 1 : OC_TK_PIN_MAX + 1 - n);
		if (r < 0 && errno == EINTR && !(interrupted && *interrupted))
			r = 1; /* a signal: read again */
		else if (r < 0)
			return OC_ERR_IO;
		else if (line && r > 0 && (buf[n] == '\n' || buf[n] == '\r'))
			r = 0;
		else
			n += (size_t)r;
	}
	*len = n;
	return OC_OK;
}

/* A regular file of at most OC_TK_PIN_MAX bytes; trailing CR/LF cut. */
static int from_file(const char *path, char *buf, size_t *len,
		     struct oc_tk_err *e)
{
	struct stat st;
	size_t n = 0;
	int fd, err = OC_ERR_IO;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return oc_tk_fail(e, OC_TK_AT_PIN, 0, OC_ERR_IO,
				  "cannot open PIN file %s: %s", path,
				  strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		oc_tk_fail(e, OC_TK_AT_PIN, 0, OC_ERR_IO,
			   "PIN file %s is not a regular file", path);
		goto out;
	}
	if (e && (st.st_mode & 077))
		e->pin_file_loose = true;
	if (read_upto(fd, buf, false, NULL, &n) != OC_OK) {
		oc_tk_fail(e, OC_TK_AT_PIN, 0, OC_ERR_IO,
			   "cannot read PIN file %s: %s", path,
			   strerror(errno));
		goto out;
	}
	if (n > OC_TK_PIN_MAX) {
		err = oc_tk_fail(e, OC_TK_AT_PIN, 0, OC_ERR_RANGE,
				 "PIN file %s is longer than %d bytes", path,
				 OC_TK_PIN_MAX);
		goto out;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	*len = n;
	err = OC_OK;
out:
	close(fd);
	return err;
}

static int from_string(const char *s, char *buf, size_t *len,
		       struct oc_tk_err *e)
{
	size_t n = strnlen(s, OC_TK_PIN_MAX + 1);

	if (n > OC_TK_PIN_MAX)
		return oc_tk_fail(e, OC_TK_AT_PIN, 0, OC_ERR_RANGE,
				  "the PIN is longer than %d bytes",
				  OC_TK_PIN_MAX);
	memcpy(buf, s, n);
	*len = n;
	return OC_OK;
}

/* One line from the controlling terminal with echo off. */
static int from_terminal(const struct oc_tk_pin_src *src, char *buf,
			 size_t *len, struct oc_tk_err *e)
{
	const char *label = src->label ? src->label : "";
	struct termios old, quiet;
	size_t n = 0;
	int fd, err = OC_ERR_IO;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || !isatty(fd)) {
		if (fd >= 0)
			close(fd);
		return oc_tk_fail(e, OC_TK_AT_NEED_PIN, 0, OC_ERR_NO_KEY,
				  "token '%s' needs a PIN and there is no "
				  "terminal to ask on",
				  label);
	}
	if (tcgetattr(fd, &old) != 0)
		goto out;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (dprintf(fd, "PIN for token '%s': ", label) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		goto out;
	if (read_upto(fd, buf, true, src->interrupted, &n) == OC_OK &&
	    n <= OC_TK_PIN_MAX)
		err = OC_OK;
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	*len = n;
out:
	close(fd);
	if (err)
		return oc_tk_fail(e, OC_TK_AT_PIN, 0, err,
				  "cannot read a PIN from the terminal");
	return OC_OK;
}

int oc_tk_pin_read(const struct oc_tk_pin_src *src, char **pin, size_t *len,
		   struct oc_tk_err *e)
{
	char *buf;
	size_t n = 0;
	int err;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!src || !pin || !len ||
	    (src->from == OC_TK_PIN_FILE && !src->file) ||
	    (src->from == OC_TK_PIN_STRING && !src->string))
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS,
				  "no PIN source");
	/* One byte over the limit tells a file that is too long. */
	buf = oc_secure_alloc(OC_TK_PIN_MAX + 2);
	if (!buf)
		return OC_ERR_NOMEM;
	switch (src->from) {
	case OC_TK_PIN_FILE:
		err = from_file(src->file, buf, &n, e);
		break;
	case OC_TK_PIN_STRING:
		err = from_string(src->string, buf, &n, e);
		break;
	case OC_TK_PIN_PROMPT:
		err = from_terminal(src, buf, &n, e);
		break;
	default:
		err = oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS,
				 "no PIN source");
	}
	if (err) {
		oc_secure_free(buf);
		return err;
	}
	buf[n] = '\0';
	*pin = buf;
	*len = n;
	return OC_OK;
}
