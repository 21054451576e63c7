/* faults.h - test-only fault injection (--faults SPEC).
 *
 * SPEC is one or more rules separated by ';', each a comma list of:
 *   method=M        only requests with this method (default: any)
 *   path=P          only request paths starting with P (raw, as sent)
 *   rate=N          fire on every Nth matching request (default 1: all)
 *   count=N         fire at most N times (default: no limit)
 *   delay=MS        sleep MS milliseconds before answering (<= 60000)
 *   status=CODE     answer CODE (400..599) with a problem body instead of
 *                   running the handler
 *   retry-after=S   add "Retry-After: S" to that answer
 *   truncate        send only the first half of the (real) response body,
 *                   then drop the connection
 *   rotate-delay=MS sleep MS between rotation batches (global; lets a test
 *                   catch a job in the middle)
 * Example: "path=/v1/vaults,method=GET,status=429,retry-after=1,count=2".
 * The first rule whose method and path match a request counts it. */
#ifndef OC_VAULTD_FAULTS_H
#define OC_VAULTD_FAULTS_H

#include <stdbool.h>

struct oc_faults;

struct oc_fault_action {
	bool fired;
	unsigned delay_ms;
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

#endif
