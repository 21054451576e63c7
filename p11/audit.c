/* audit.c - one line per use: the caller, the line, where it goes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "names.h"
#include "object.h"
#include "rv.h"
#include "token.h"
#include "wire.h"

/* The sink: set by oc_audit_open, under audit_mu afterwards. */
static pthread_mutex_t audit_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool audit_on;
static enum oc_conf_audit sink;
static int audit_fd = -1;
static char *audit_path;
/* A failed write has been reported (once per initialisation). */
static atomic_bool write_failed;
/* Found once per process (the peer of a p11-kit remote never changes):
 * written by oc_audit_open before audit_on is set, read after. */
static struct oc_audit_caller caller;
static long caller_pid_of; /* the process caller was found in */

/* This call's line, noted by the unit that knows the object. */
static __thread struct {
	bool armed;
	enum oc_audit_op op;
	CK_MECHANISM_TYPE mech;
	char vault[OC_WIRE_ID_MAX + 1];
	/* Enough past the cut to end a UTF-8 character there. */
	uint8_t label[OC_AUDIT_LABEL_MAX + 3];
	size_t label_len;
} note;

static const char *const op_names[] = {
    [OC_AUDIT_READ] = "read",	    [OC_AUDIT_DECRYPT] = "decrypt",
    [OC_AUDIT_ENCRYPT] = "encrypt", [OC_AUDIT_UNWRAP] = "unwrap",
    [OC_AUDIT_SIGN] = "sign",	    [OC_AUDIT_CREATE] = "create",
    [OC_AUDIT_WRITE] = "write",	    [OC_AUDIT_DESTROY] = "destroy",
    [OC_AUDIT_COPY] = "copy",
};

/* --- the line ------------------------------------------------------------ */

struct out {
	char *p;
	size_t size;
	size_t len;
};

static void put(struct out *o, const void *s, size_t n)
{
	size_t room = o->size - o->len - 1;

	if (n > room)
		n = room;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The length of the character at p[0..n) (1 for a byte that is not valid
 * UTF-8); *special when it is not printable as it is in a bare word: a
 * blank, a quote, a backslash, a control character (C1 included) or an
 * invalid byte. */
static size_t printable(const uint8_t *p, size_t n, bool *special)
{
	uint32_t cp = 0;
	size_t l = oc_wire_utf8_next(p, n, &cp);

	*special = l == 0 || cp <= 0x20 || cp == 0x7f || cp == '"' ||
		   cp == '\\' || (cp >= 0x80 && cp <= 0x9f);
	return l ? l : 1;
}

/* A value as one word: as it is when it can be, else double-quoted with
 * \", \\ and \xNN; cut at max bytes (never inside a character) with
 * "...". */
static void put_value(struct out *o, const uint8_t *p, size_t n, size_t max)
{
	bool cut = n > max, quote = n == 0, special;
	size_t end = 0, l;

	while (end < n) {
		l = printable(p + end, n - end, &special);
		if (cut && end + l > max)
			break;
		quote = quote || special;
		end += l;
	}
	if (quote)
		put(o, "\"", 1);
	for (size_t i = 0; i < end; i += l) {
		char esc[5];

		l = printable(p + i, end - i, &special);
		if (!special || p[i] == ' ') {
			put(o, p + i, l);
		} else if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			put(o, esc, 2);
		} else {
			for (size_t k = 0; k < l; k++) {
				snprintf(esc, sizeof(esc), "\\x%02x", p[i + k]);
				put(o, esc, 4);
			}
		}
	}
	if (cut)
		put(o, "...", 3);
	if (quote)
		put(o, "\"", 1);
}

size_t oc_audit_format(char *buf, size_t size, const struct oc_audit_event *e,
		       const struct oc_audit_caller *c)
{
	struct out o = {buf, size, 0};
	char num[64];

	if (size == 0)
		return 0;
	buf[0] = '\0';
	put_str(&o, "oneclaw-pkcs11 audit: op=");
	put_str(&o, (size_t)e->op < sizeof(op_names) / sizeof(op_names[0])
			? op_names[e->op]
			: "?");
	put_str(&o, " result=");
	put_str(&o, oc_names_rv(e->rv));
	put_str(&o, " vault=");
	put_value(&o, (const uint8_t *)e->vault, strlen(e->vault),
		  OC_AUDIT_LABEL_MAX);
	put_str(&o, " label=");
	put_value(&o, e->label, e->label_len, OC_AUDIT_LABEL_MAX);
	put_str(&o, " mech=");
	put_str(&o, e->mech == OC_AUDIT_NO_MECH ? "-" : oc_names_mech(e->mech));
	snprintf(num, sizeof(num), " caller_pid=%ld caller_uid=%lu", c->pid,
		 c->uid);
	put_str(&o, num);
	put_str(&o, c->comm ? " caller_comm=" : " caller_exe=");
	put_value(&o, (const uint8_t *)c->exe, strlen(c->exe),
		  OC_AUDIT_EXE_MAX);
	put_str(&o, c->socket ? " via=socket" : " via=process");
	return o.len;
}

/* --- the caller ---------------------------------------------------------- */

/* /proc/<pid>/exe, else (another user's: refused) the process name from
 * /proc/<pid>/comm (*comm set), else "?". */
static void exe_of(long pid, char *out, size_t size, bool *comm)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	n = readlink(path, out, size - 1);
	if (n > 0) {
		out[n] = '\0';
		return;
	}
	*comm = true;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	n = fd >= 0 ? read(fd, out, size - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		out[n] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	if (n <= 0 || !out[0])
		snprintf(out, size, "?");
}

/* Is this process p11-kit's per-connection server, the one host whose
 * fd 0 is known to be its client's connection? */
static bool in_p11kit_remote(void)
{
	char self[OC_AUDIT_EXE_MAX];
	const char *base;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return false;
	self[n] = '\0';
	base = strrchr(self, '/');
	return strcmp(base ? base + 1 : self, "p11-kit-remote") == 0;
}

void oc_audit_find_caller(struct oc_audit_caller *c)
{
	struct ucred peer;
	socklen_t len;
	int domain = 0, type = 0;

	memset(c, 0, sizeof(*c));
	c->pid = (long)getpid();
	c->uid = (unsigned long)geteuid();
	/* p11-kit remote: the client's connection is fd 0. */
	if (!in_p11kit_remote())
		goto exe;
	len = sizeof(domain);
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    domain != AF_UNIX)
		goto exe;
	len = sizeof(type);
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_STREAM)
		goto exe;
	len = sizeof(peer);
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_PEERCRED, &peer, &len) ||
	    len != sizeof(peer) || peer.pid <= 0 || peer.pid == getpid())
		goto exe;
	c->pid = (long)peer.pid;
	c->uid = (unsigned long)peer.uid;
	c->socket = true;
exe:
	exe_of(c->pid, c->exe, sizeof(c->exe), &c->comm);
}

/* --- the sink ------------------------------------------------------------ */

bool oc_audit_enabled(void)
{
	return atomic_load(&audit_on);
}

static int open_file(const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	int fd, e;

	/* Non-blocking: a FIFO without a reader is refused, not waited on. */
	fd = open(path,
		  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		      O_NOCTTY | O_NONBLOCK,
		  0600);
	if (fd < 0) {
		e = errno;
		snprintf(errbuf, errlen, "audit: cannot open %s: %s", path,
			 e == ELOOP ? "it is a symbolic link" : strerror(e));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "audit: %s is not a regular file",
			 path);
		close(fd);
		return -1;
	}
	return fd;
}

int oc_audit_open(const struct oc_conf *c, char *errbuf, size_t errlen)
{
	char *path = NULL;
	int fd = -1;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	oc_audit_close();
	if (c->audit == OC_CONF_AUDIT_OFF)
		return OC_OK;
	if (c->audit == OC_CONF_AUDIT_FILE) {
		path = strdup(c->audit_file);
		if (!path)
			return OC_ERR_NOMEM;
		fd = open_file(path, errbuf, errlen);
		if (fd < 0) {
			free(path);
			return OC_ERR_CONFIG;
		}
	}
	if (caller_pid_of != (long)getpid()) {
		oc_audit_find_caller(&caller);
		caller_pid_of = (long)getpid();
	}
	pthread_mutex_lock(&audit_mu);
	sink = c->audit;
	audit_fd = fd;
	audit_path = path;
	pthread_mutex_unlock(&audit_mu);
	atomic_store(&write_failed, false);
	atomic_store(&audit_on, true);
	oc_debug(OC_LOG_P11, "audit to %s; caller pid %ld uid %lu via %s",
		 path ? path : "syslog", caller.pid, caller.uid,
		 caller.socket ? "socket" : "process");
	return OC_OK;
}

void oc_audit_close(void)
{
	atomic_store(&audit_on, false);
	pthread_mutex_lock(&audit_mu);
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
	free(audit_path);
	audit_path = NULL;
	sink = OC_CONF_AUDIT_OFF;
	pthread_mutex_unlock(&audit_mu);
}

void oc_audit_abandon(void)
{
	/* A parent thread may have held the lock at fork: a new one. */
	atomic_store(&audit_on, false);
	pthread_mutex_init(&audit_mu, NULL);
	if (audit_fd >= 0)
		close(audit_fd); /* the child's copy */
	audit_fd = -1;
	free(audit_path);
	audit_path = NULL;
	sink = OC_CONF_AUDIT_OFF;
}

/* "2026-12-05T21:49:38.123Z " */
static size_t timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

static void write_line(const struct oc_audit_event *e)
{
	char line[OC_AUDIT_LINE_MAX];
	size_t t = timestamp(line, sizeof(line)), n;
	ssize_t w;
	int err = 0;

	n = t + oc_audit_format(line + t, sizeof(line) - t - 1, e, &caller);
	pthread_mutex_lock(&audit_mu);
	if (sink == OC_CONF_AUDIT_SYSLOG) {
		syslog(LOG_AUTHPRIV | LOG_INFO, "%s", line + t);
	} else if (audit_fd >= 0) {
		line[n++] = '\n';
		do
			w = write(audit_fd, line, n);
		while (w < 0 && errno == EINTR);
		if (w != (ssize_t)n)
			err = w < 0 ? errno : ENOSPC;
	}
	if (err && !atomic_exchange(&write_failed, true))
		oc_log_error("oneclaw-pkcs11: audit: cannot write to %s: %s "
			     "(the operation goes on; further failures are "
			     "not reported)",
			     audit_path, strerror(err));
	pthread_mutex_unlock(&audit_mu);
}

/* --- this call's line ---------------------------------------------------- */

void oc_audit_clear(void)
{
	note.armed = false;
}

void oc_audit_cancel(void)
{
	note.armed = false;
}

void oc_audit_end(CK_RV rv)
{
	struct oc_audit_event e;

	if (!note.armed)
		return;
	note.armed = false;
	if (!atomic_load(&audit_on))
		return;
	e.op = note.op;
	e.rv = rv;
	e.vault = note.vault;
	e.label = note.label;
	e.label_len = note.label_len;
	e.mech = note.mech;
	write_line(&e);
}

static void set(enum oc_audit_op op, const char *vault, const void *label,
		size_t len, CK_MECHANISM_TYPE mech)
{
	note.op = op;
	note.mech = mech;
	snprintf(note.vault, sizeof(note.vault), "%s", vault);
	if (len > sizeof(note.label))
		len = sizeof(note.label);
	if (len)
		memcpy(note.label, label, len);
	note.label_len = len;
	note.armed = true;
}

void oc_audit_note(enum oc_audit_op op, struct oc_token *t, const void *label,
		   size_t len, CK_MECHANISM_TYPE mech)
{
	char id[OC_WIRE_ID_MAX + 1];

	if (!atomic_load(&audit_on))
		return;
	oc_token_vault_id(t, id);
	set(op, id, label, len, mech);
}

void oc_audit_note_locked(enum oc_audit_op op, struct oc_token *t,
			  const struct oc_object *o, CK_MECHANISM_TYPE mech)
{
	struct oc_attr_val v = {0};

	if (!atomic_load(&audit_on))
		return;
	if (oc_object_attr((void *)o, CKA_LABEL, &v) != CKR_OK)
		oc_attr_val_bytes(&v, "", 0);
	set(op, t->vault_id, v.p, v.len, mech);
}

void oc_audit_note_object(enum oc_audit_op op, struct oc_token *t,
			  const struct oc_object *o, CK_MECHANISM_TYPE mech)
{
	if (!atomic_load(&audit_on))
		return;
	oc_lock_take(t->lock);
	oc_audit_note_locked(op, t, o, mech);
	oc_lock_release(t->lock);
}
