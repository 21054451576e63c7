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

static void print_help(void)
{
	static const char help[] =
	    "oneclaw: ONECLAW_PKCS11_DEBUG takes a comma list of: all, "
	    "help, conf, http, json, cmek, p11, api, server, tool\n";
	ssize_t r = write(STDERR_FILENO, help, sizeof(help) - 1);

	(void)r;
}

/* Parses a list; *mask gets every known name even when one is unknown, so
 * the environment can still enable what it spelled right. */
static int parse_list(const char *list, unsigned *mask, int *help)
{
	const char *p = list, *e;
	unsigned m = 0;
	size_t n, i;
	int rc = OC_OK, found;

	*help = 0;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		n = (size_t)(e - p);
		found = 0;
		if (n == 3 && strncmp(p, "all", 3) == 0) {
			m |= OC_LOG_ALL;
			found = 1;
		} else if (n == 4 && strncmp(p, "help", 4) == 0) {
			*help = 1;
			found = 1;
		} else if (n == 4 && strncmp(p, "none", 4) == 0) {
			found = 1;
		} else {
			for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
				if (strlen(cats[i].name) == n &&
				    strncmp(p, cats[i].name, n) == 0) {
					m |= cats[i].bit;
					found = 1;
					break;
				}
			}
		}
		if (!found)
			rc = OC_ERR_PARSE;
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
	rc = parse_list(list, &m, &help);
	if (rc == OC_OK)
		*mask = m;
	return rc;
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
	unsigned m = 0;
	int help = 0, fd;

	if (v == NULL || *v == '\0')
		return;
	if (parse_list(v, &m, &help) != OC_OK)
		print_help();
	else if (help)
		print_help();
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
	unsigned m = 0;
	int help = 0, fd = -1, old = -1;

	oc_log_init();
	if (categories != NULL) {
		if (parse_list(categories, &m, &help) != OC_OK)
			return OC_ERR_PARSE;
		if (help)
			print_help();
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
