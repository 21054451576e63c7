/* log.h - debug logging by category, and the one-line error reports.
 *
 * Categories come from ONECLAW_PKCS11_DEBUG (all, 1, yes, true | none, 0,
 * no, false | help | a comma list of conf,http,json,cmek,p11,api,server,
 * tool,mem), read once.  A debug switch never stops anything: an unknown
 * name is one warning on stderr and is ignored.  Output goes to stderr
 * or to ONECLAW_PKCS11_DEBUG_FILE (or the config key debug_file).  Never to
 * stdout: p11-kit server carries its RPC there.  Each line carries the pid
 * and the function; none carries a time, and when stderr is the journal
 * (JOURNAL_STREAM) each line there starts with its priority ("<3>" error,
 * "<4>" warning, "<6>" info, "<7>" debug), as sd-daemon(3) describes.  Nothing
 * secret is ever passed to these functions: log lengths and fingerprints
 * instead. */
#ifndef OC_LOG_H
#define OC_LOG_H

#include <stdbool.h>

enum oc_log_cat {
	OC_LOG_CONF = 1u << 0,
	OC_LOG_HTTP = 1u << 1,
	OC_LOG_JSON = 1u << 2,
	OC_LOG_CMEK = 1u << 3,
	OC_LOG_P11 = 1u << 4,
	OC_LOG_API = 1u << 5,
	OC_LOG_SERVER = 1u << 6,
	OC_LOG_TOOL = 1u << 7,
	OC_LOG_MEM = 1u << 8, /* locked memory, fork handlers */
	OC_LOG_ALL = 0x1ffu,
};

/* Reads ONECLAW_PKCS11_DEBUG / ONECLAW_PKCS11_DEBUG_FILE once (thread-safe,
 * idempotent).  "help" prints the category list to stderr. */
void oc_log_init(void);
/* Overrides from the config: a category list (same syntax; unknown names
 * warned about unless it is the environment's list, reported already) and
 * a file (opened append, O_CLOEXEC, mode 0600).  Either may be NULL;
 * OC_ERR_IO when the file cannot be opened. */
int oc_log_configure(const char *categories, const char *file);
/* Opens the debug file again at its path (after logrotate moved it away:
 * SIGHUP in oneclaw-vaultd); nothing without one.  OC_ERR_IO, and the old
 * file kept, when it cannot be opened. */
int oc_log_reopen(void);
/* Closes the log file (C_Finalize, after fork). */
void oc_log_shutdown(void);
bool oc_log_enabled(unsigned cat);
/* Parses a category list into a mask; OC_ERR_PARSE on an unknown name
 * (a validator: the log itself ignores such names). */
int oc_log_parse_categories(const char *list, unsigned *mask);

void oc_log_write(unsigned cat, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Always printed (stderr, and the log file when one is set): the single
 * clear message for a misconfiguration or a refused input. */
void oc_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a problem that stops nothing. */
void oc_log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A server's events (start, stop, one line per request): the message as it
 * is, on stderr only, whatever the debug switches. */
void oc_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define oc_debug(cat, ...)                                                     \
	do {                                                                   \
		if (oc_log_enabled(cat))                                       \
			oc_log_write((cat), __func__, __VA_ARGS__);            \
	} while (0)

#endif
