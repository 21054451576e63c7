/* log.c - debug logging by category and the one-line error reports.
 *
 * The mask and the file descriptor are set once from the environment and
 * may be overridden from the config.  Each line is formatted on the stack
 * and handed to a single write(2), so concurrent lines never interleave. */
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
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LINE_MAX_LEN 2048

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

static const char *cat_name(unsigned cat)
{
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cat & cats[i].bit)
			return cats[i].name;
	return "misc";
}

/* Made from the table, so it lists what the code has (oneclaw-pkcs11(5)
 * lists the same; tests/integration/module-debug.sh compares them). */
static void print_help(void)
{
	char help[256];
	size_t n;
	ssize_t r;

	n = (size_t)snprintf(help, sizeof(help),
			     "oneclaw: ONECLAW_PKCS11_DEBUG takes all (or 1, "
			     "yes, true), none (or 0, no, false), help, or a "
			     "comma list of:");
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (n < sizeof(help))
			n += (size_t)snprintf(help + n, sizeof(help) - n,
					      "%s %s", i ? "," : "",
					      cats[i].name);
	if (n >= sizeof(help) - 1)
		n = sizeof(help) - 2;
	help[n++] = '\n';
	r = write(STDERR_FILENO, help, n);
	(void)r;
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
	char unknown[160], msg[320];
	unsigned m = 0;
	int help = 0, n;

	if (parse_list(list, &m, &help, unknown, sizeof(unknown)) != OC_OK) {
		ssize_t r = 0;

		/* The names come from the environment: no terminal escapes. */
		for (char *u = unknown; *u; u++)
			if ((unsigned char)*u < 0x20 || *u == 0x7f)
				*u = '?';

		n = snprintf(msg, sizeof(msg),
			     "oneclaw: %s: ignoring unknown debug %s %s "
			     "(ONECLAW_PKCS11_DEBUG=help lists them)\n",
			     source,
			     strchr(unknown, ',') ? "categories" : "category",
			     unknown);
		if (n > 0)
			r = write(STDERR_FILENO, msg,
				  (size_t)n < sizeof(msg) ? (size_t)n
							  : sizeof(msg) - 1);
		(void)r;
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

	if (v == NULL || *v == '\0')
		return;
	m = apply_list(v, "ONECLAW_PKCS11_DEBUG");
	f = secure_getenv("ONECLAW_PKCS11_DEBUG_FILE");
	if (m && f && *f) {
		fd = open_log_file(f);
		if (fd >= 0) {
			log_fd = fd;
		} else {
			/* Not oc_log_error: that would re-enter this once. */
			static const char msg[] =
			    "oneclaw: cannot open ONECLAW_PKCS11_DEBUG_FILE;"
			    " debug output goes to stderr\n";
			ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);

			(void)r;
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
		fd = open_log_file(file);
		if (fd < 0)
			return OC_ERR_IO;
	}
	pthread_mutex_lock(&log_lock);
	if (fd >= 0) {
		old = log_fd;
		log_fd = fd;
	}
	if (categories != NULL)
		atomic_store(&log_mask, m);
	pthread_mutex_unlock(&log_lock);
	if (old >= 0)
		close(old);
	return OC_OK;
}

void oc_log_shutdown(void)
{
	int fd;

	oc_log_init();
	pthread_mutex_lock(&log_lock);
	fd = log_fd;
	log_fd = -1;
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
	char prefix[160], line[LINE_MAX_LEN];
	va_list ap;
	size_t n;

	oc_log_init();
	snprintf(prefix, sizeof(prefix), "oneclaw[%ld] %s %s: ", (long)getpid(),
		 cat_name(cat), func ? func : "?");
	va_start(ap, fmt);
	n = format_line(line, sizeof(line), prefix, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	write_all(log_fd >= 0 ? log_fd : STDERR_FILENO, line, n);
	pthread_mutex_unlock(&log_lock);
}

void oc_log_error(const char *fmt, ...)
{
	char prefix[64], line[LINE_MAX_LEN];
	va_list ap;
	size_t n;

	oc_log_init();
	snprintf(prefix, sizeof(prefix), "oneclaw[%ld]: ", (long)getpid());
	va_start(ap, fmt);
	n = format_line(line, sizeof(line), prefix, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	write_all(STDERR_FILENO, line, n);
	if (log_fd >= 0)
		write_all(log_fd, line, n);
	pthread_mutex_unlock(&log_lock);
}
