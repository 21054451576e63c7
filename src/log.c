/* log.c - debug logging by category and the one-line error reports.
 *
 * The mask and the file descriptor are set once from the environment and
 * may be overridden from the config.  Each line is formatted on the stack
 * and handed to a single write(2), so concurrent lines never interleave.
 * When standard error is the journal (systemd's JOURNAL_STREAM names it),
 * each line written there starts with its sd-daemon priority, "<3>" to
 * "<7>", which journald takes off and keeps as the priority. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LINE_MAX_LEN 2048
/* "<N>": room kept before each line for the journal's priority. */
#define PRIO_LEN 3

/* sd-daemon(3) priorities, as syslog numbers them. */
enum prio {
	PRIO_ERR = 3,
	PRIO_WARNING = 4,
	PRIO_INFO = 6,
	PRIO_DEBUG = 7,
};

static const struct {
	const char *name;
	unsigned bit;
} cats[] = {
    {"conf", OC_LOG_CONF},     {"http", OC_LOG_HTTP}, {"json", OC_LOG_JSON},
    {"cmek", OC_LOG_CMEK},     {"p11", OC_LOG_P11},   {"api", OC_LOG_API},
    {"server", OC_LOG_SERVER}, {"tool", OC_LOG_TOOL}, {"mem", OC_LOG_MEM},
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint log_mask;
static int log_fd = -1; /* the debug file; -1 means stderr */
/* Its path, for oc_log_reopen; "" when none.  Not on the heap: the module
 * may be unloaded without a C_Finalize to free it. */
static char log_path[4096];
static bool stderr_is_journal; /* set once, by init_from_env */

/* Is standard error the stream systemd gave this process to the journal?
 * JOURNAL_STREAM ("DEVICE:INODE") alone is not enough: a child whose
 * stderr was redirected inherits it too (systemd.exec(5)). */
static bool journal_on_stderr(void)
{
	const char *v = secure_getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static const char *cat_name(unsigned cat)
{
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cat & cats[i].bit)
			return cats[i].name;
	return "misc";
}

static void write_all(int fd, const char *s, size_t n);

/* Writes a line to stderr; line - PRIO_LEN must be writable, and there the
 * priority goes when stderr is the journal. */
static void write_stderr(enum prio prio, char *line, size_t n)
{
	if (stderr_is_journal) {
		line -= PRIO_LEN;
		line[0] = '<';
		line[1] = (char)('0' + prio);
		line[2] = '>';
		n += PRIO_LEN;
	}
	write_all(STDERR_FILENO, line, n);
}

/* Made from the table, so it lists what the code has (oneclaw-pkcs11(5)
 * lists the same; tests/integration/module-debug.sh compares them). */
static void print_help(void)
{
	char buf[PRIO_LEN + 256], *help = buf + PRIO_LEN;
	size_t n, size = sizeof(buf) - PRIO_LEN;

	n = (size_t)snprintf(help, size,
			     "oneclaw: ONECLAW_PKCS11_DEBUG takes all (or 1, "
			     "yes, true), none (or 0, no, false), help, or a "
			     "comma list of:");
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (n < size)
			n += (size_t)snprintf(help + n, size - n, "%s %s",
					      i ? "," : "", cats[i].name);
	if (n >= size - 1)
		n = size - 2;
	help[n++] = '\n';
	write_stderr(PRIO_INFO, help, n);
}

static bool word_is(const char *p, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(p, *words, n) == 0)
			return true;
	return false;
}

/* Parses a list into the mask of the names it knows.  The names it does
 * not know go, comma-separated and cut to fit, into unknown (when not
 * NULL); the return is OC_ERR_PARSE when there was one. */
static int parse_list(const char *list, unsigned *mask, int *help,
		      char *unknown, size_t unknown_size)
{
	static const char *const on[] = {"all", "1", "yes", "true", NULL};
	static const char *const off[] = {"none", "0", "no", "false", NULL};
	const char *p = list, *e;
	unsigned m = 0;
	size_t n, i, used = 0;
	int rc = OC_OK, found;

	*help = 0;
	if (unknown && unknown_size)
		unknown[0] = '\0';
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		n = (size_t)(e - p);
		found = 1;
		if (word_is(p, n, on)) {
			m |= OC_LOG_ALL;
		} else if (n == 4 && strncmp(p, "help", 4) == 0) {
			*help = 1;
		} else if (!word_is(p, n, off)) {
			found = 0;
			for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
				if (strlen(cats[i].name) == n &&
				    strncmp(p, cats[i].name, n) == 0) {
					m |= cats[i].bit;
					found = 1;
					break;
				}
			}
		}
		if (!found) {
			rc = OC_ERR_PARSE;
			if (unknown && used + 3 < unknown_size) {
				int w = snprintf(unknown + used,
						 unknown_size - used, "%s%.*s",
						 used ? ", " : "", (int)n, p);

				used += w > 0 ? (size_t)w : 0;
				if (used >= unknown_size)
					used = unknown_size - 1;
			}
		}
		p = e;
	}
	*mask = m;
	return rc;
}

int oc_log_parse_categories(const char *list, unsigned *mask)
{
	unsigned m;
	int help, rc;

	if (list == NULL || mask == NULL)
		return OC_ERR_ARGS;
	rc = parse_list(list, &m, &help, NULL, 0);
	if (rc == OC_OK)
		*mask = m;
	return rc;
}

/* A debug switch never stops anything from loading: a name it does not
 * know is one warning, and the names it knows still apply.  source names
 * where the list came from. */
static unsigned apply_list(const char *list, const char *source)
{
	char unknown[160], buf[PRIO_LEN + 320], *msg = buf + PRIO_LEN;
	size_t size = sizeof(buf) - PRIO_LEN;
	unsigned m = 0;
	int help = 0, n;

	if (parse_list(list, &m, &help, unknown, sizeof(unknown)) != OC_OK) {
		/* The names come from the environment: no terminal escapes. */
		for (char *u = unknown; *u; u++)
			if ((unsigned char)*u < 0x20 || *u == 0x7f)
				*u = '?';

		n = snprintf(msg, size,
			     "oneclaw: %s: ignoring unknown debug %s %s "
			     "(ONECLAW_PKCS11_DEBUG=help lists them)\n",
			     source,
			     strchr(unknown, ',') ? "categories" : "category",
			     unknown);
		if (n > 0)
			write_stderr(PRIO_WARNING, msg,
				     (size_t)n < size ? (size_t)n : size - 1);
	}
	if (help)
		print_help();
	return m;
}

/* Never through a link: a log in a directory another user can write to
 * must not let that user choose which file this process appends to. */
static int open_log_file(const char *path)
{
	return open(path,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
			O_NOFOLLOW,
		    0600);
}

static void init_from_env(void)
{
	const char *v = secure_getenv("ONECLAW_PKCS11_DEBUG");
	const char *f;
	unsigned m;
	int fd;

	stderr_is_journal = journal_on_stderr();
	if (v == NULL || *v == '\0')
		return;
	m = apply_list(v, "ONECLAW_PKCS11_DEBUG");
	f = secure_getenv("ONECLAW_PKCS11_DEBUG_FILE");
	if (m && f && *f) {
		fd = open_log_file(f);
		if (fd >= 0) {
			log_fd = fd;
			/* Too long a path is a file never reopened. */
			if (strlen(f) < sizeof(log_path))
				memcpy(log_path, f, strlen(f) + 1);
		} else {
			/* Not oc_log_error: that would re-enter this once. */
			static const char text[] =
			    "oneclaw: cannot open ONECLAW_PKCS11_DEBUG_FILE;"
			    " debug output goes to stderr\n";
			char msg[PRIO_LEN + sizeof(text)];

			memcpy(msg + PRIO_LEN, text, sizeof(text));
			write_stderr(PRIO_WARNING, msg + PRIO_LEN,
				     sizeof(text) - 1);
		}
	}
	atomic_store(&log_mask, m);
}

void oc_log_init(void)
{
	pthread_once(&init_once, init_from_env);
}

int oc_log_configure(const char *categories, const char *file)
{
	const char *env = secure_getenv("ONECLAW_PKCS11_DEBUG");
	unsigned m = 0;
	int help = 0, fd = -1, old = -1;

	oc_log_init();
	if (categories != NULL) {
		/* The environment's list (the config's debug key takes it)
		 * was reported once already, by oc_log_init(). */
		if (env && strcmp(env, categories) == 0)
			parse_list(categories, &m, &help, NULL, 0);
		else
			m = apply_list(categories, "debug");
	}
	if (file != NULL && *file != '\0') {
		if (strlen(file) >= sizeof(log_path))
			return OC_ERR_IO;
		fd = open_log_file(file);
		if (fd < 0)
			return OC_ERR_IO;
	}
	pthread_mutex_lock(&log_lock);
	if (fd >= 0) {
		old = log_fd;
		log_fd = fd;
		memcpy(log_path, file, strlen(file) + 1);
	}
	if (categories != NULL)
		atomic_store(&log_mask, m);
	pthread_mutex_unlock(&log_lock);
	if (old >= 0)
		close(old);
	return OC_OK;
}

int oc_log_reopen(void)
{
	int fd, old = -1, rc = OC_OK;

	oc_log_init();
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0 && log_path[0] != '\0') {
		fd = open_log_file(log_path);
		if (fd >= 0) {
			old = log_fd;
			log_fd = fd;
		} else {
			/* The old file it is, moved or not: no line lost. */
			rc = OC_ERR_IO;
		}
	}
	pthread_mutex_unlock(&log_lock);
	if (old >= 0)
		close(old);
	return rc;
}

void oc_log_shutdown(void)
{
	int fd;

	oc_log_init();
	pthread_mutex_lock(&log_lock);
	fd = log_fd;
	log_fd = -1;
	log_path[0] = '\0';
	pthread_mutex_unlock(&log_lock);
	if (fd >= 0)
		close(fd);
}

bool oc_log_enabled(unsigned cat)
{
	oc_log_init();
	return (atomic_load_explicit(&log_mask, memory_order_relaxed) & cat) !=
	       0;
}

static void write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static size_t format_line(char *line, size_t size, const char *prefix,
			  const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Formats "prefix message\n" into line; a long message is cut with "...". */
static size_t format_line(char *line, size_t size, const char *prefix,
			  const char *fmt, va_list ap)
{
	size_t n, room, i;
	int b;

	/* size is at least 64; one byte stays free for the newline. */
	n = strlen(prefix);
	if (n > size / 2)
		n = size / 2;
	memcpy(line, prefix, n);
	room = size - n - 1;
	b = vsnprintf(line + n, room, fmt, ap);
	if (b < 0)
		b = 0;
	if ((size_t)b >= room) {
		n = size - 2;
		memcpy(line + n - 3, "...", 3);
	} else {
		n += (size_t)b;
	}
	/* Keep one line per record. */
	for (i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	line[n] = '\0';
	return n;
}

void oc_log_write(unsigned cat, const char *func, const char *fmt, ...)
{
	char prefix[160], buf[PRIO_LEN + LINE_MAX_LEN], *line = buf + PRIO_LEN;
	va_list ap;
	size_t n;

	oc_log_init();
	snprintf(prefix, sizeof(prefix), "oneclaw[%ld] %s %s: ", (long)getpid(),
		 cat_name(cat), func ? func : "?");
	va_start(ap, fmt);
	n = format_line(line, LINE_MAX_LEN, prefix, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		write_all(log_fd, line, n);
	else
		write_stderr(PRIO_DEBUG, line, n);
	pthread_mutex_unlock(&log_lock);
}

static void report(enum prio prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* An error or a warning: stderr, and the debug file when there is one. */
static void report(enum prio prio, const char *fmt, va_list ap)
{
	char prefix[64], buf[PRIO_LEN + LINE_MAX_LEN], *line = buf + PRIO_LEN;
	size_t n;

	oc_log_init();
	snprintf(prefix, sizeof(prefix), "oneclaw[%ld]: ", (long)getpid());
	n = format_line(line, LINE_MAX_LEN, prefix, fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		write_all(log_fd, line, n);
	write_stderr(prio, line, n);
	pthread_mutex_unlock(&log_lock);
}

void oc_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(PRIO_ERR, fmt, ap);
	va_end(ap);
}

void oc_log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(PRIO_WARNING, fmt, ap);
	va_end(ap);
}

void oc_log_info(const char *fmt, ...)
{
	char buf[PRIO_LEN + LINE_MAX_LEN], *line = buf + PRIO_LEN;
	va_list ap;
	size_t n;

	oc_log_init();
	va_start(ap, fmt);
	n = format_line(line, LINE_MAX_LEN, "", fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	write_stderr(PRIO_INFO, line, n);
	pthread_mutex_unlock(&log_lock);
}
