/* rfc3339.h - the timestamps of the API: RFC 3339 text, UTC. */
#ifndef OC_RFC3339_H
#define OC_RFC3339_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define OC_TIME_LEN 32
/* The last second the API's times may name: 9999-12-31T23:59:59Z. */
#define OC_TIME_LAST 253402300799LL

/* "2026-02-18T12:00:00Z" */
void oc_time_format(time_t t, char out[OC_TIME_LEN]);
void oc_time_now(char out[OC_TIME_LEN]);
/* Parses YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) ('t'/'z' and a
 * space for 'T' accepted) into seconds since the epoch; OC_ERR_PARSE on
 * anything else, including out-of-range fields. */
int oc_time_parse(const char *s, size_t n, int64_t *out);

#endif
