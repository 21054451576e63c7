/* faults.h - test-only fault injection (--faults SPEC).
 *
 * SPEC is one or more rules separated by ';', each a comma list of:
 *   method=M        only requests with this method (default: any)
 *   path=P          only request paths starting with P (raw, as sent)
 *   rate=N          fire on every Nth matching request (default 1: all)
 *   count=N         fire at most N times (default: no limit)
 *   delay=MS        sleep MS milliseconds before answering (<= 60000)
 *   hold=F          then wait while the file F exists (at most 10 minutes;
 *                   lets a test hold a request for exactly as long as it
 *                   needs, whatever the load)
 *   status=CODE     answer CODE (400..599) with a problem body instead of
 *                   running the handler
 *   retry-after=S   add "Retry-After: S" to that answer
 *   truncate        send only the first half of the (real) response body,
 *                   then drop the connection
 *   rotate-delay=MS sleep MS between rotation batches (global)
 *   rotate-hold=F   after each rotation batch, wait while the file F exists
 *                   (global, at most 10 minutes)
 * Example: "path=/v1/vaults,method=GET,status=429,retry-after=1,count=2".
 * The first rule whose method and path match a request counts it. */
#ifndef OC_VAULTD_FAULTS_H
#define OC_VAULTD_FAULTS_H

#include <stdbool.h>

struct oc_faults;

struct oc_fault_action {
	bool fired;
	unsigned delay_ms;
	const char *hold;     /* NULL, or a path owned by the rules */
	unsigned status;      /* 0: run the handler */
	unsigned retry_after; /* 0: no header */
	bool truncate;
};

/* OC_ERR_PARSE with a message naming the bad item. */
int oc_faults_parse(const char *spec, struct oc_faults **out);
void oc_faults_free(struct oc_faults *f);
/* Thread-safe; f may be NULL (never fires). */
void oc_faults_check(struct oc_faults *f, const char *method, const char *path,
		     struct oc_fault_action *act);
unsigned oc_faults_rotate_delay(const struct oc_faults *f);
/* A hold file is waited for at most this long. */
#define OC_FAULTS_HOLD_MAX_MS (10u * 60u * 1000u)
/* NULL when no rotate-hold is set. */
const char *oc_faults_rotate_hold(const struct oc_faults *f);

#endif
