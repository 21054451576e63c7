/* problem.h - RFC 7807 problem details: {type, title, status, detail}. */
#ifndef OC_VAULTD_PROBLEM_H
#define OC_VAULTD_PROBLEM_H

struct oc_req;

/* Replaces any response with a problem.  detail is plain text (never a
 * secret). */
void oc_problem(struct oc_req *r, unsigned status, const char *detail);
/* Maps a store/auth error: NOT_FOUND 404 "<what> not found", GONE 410,
 * CONFLICT 409, FORBIDDEN 403, UNAUTHORIZED 401, BAD_REQUEST/PARSE/RANGE
 * 400, anything else 500 with a generic detail. */
void oc_problem_err(struct oc_req *r, int err, const char *what);

#endif
