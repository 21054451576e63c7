/* wirelog.h - test-only raw request log (--wire-log FILE).
 *
 * Appends every request as received: the request line, every header, a
 * blank line and the body.  It exists so tests can prove what crossed the
 * wire (for example that a CMEK key was never sent); it therefore holds
 * whatever the clients sent, secrets included, and must never be enabled
 * outside tests.  The file is created with mode 0600. */
#ifndef OC_VAULTD_WIRELOG_H
#define OC_VAULTD_WIRELOG_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct oc_wirelog;

int oc_wirelog_open(const char *path, struct oc_wirelog **out);
/* Opens the file again at its path (SIGHUP, after logrotate moved it);
 * on failure the old file stays in use and the problem is reported.
 * NULL-safe. */
int oc_wirelog_reopen(struct oc_wirelog *w);
void oc_wirelog_close(struct oc_wirelog *w);
/* One entry, written in one locked append. */
void oc_wirelog_request(struct oc_wirelog *w, struct MHD_Connection *c,
			const char *method, const char *url,
			const char *version, const uint8_t *body, size_t n);

#endif
