/* bench-p11.h - what the PKCS#11 benchmarks share: a monotonic clock, a
 * fatal error naming the program, loading a module (OS locking), finding a
 * token by its label. */
#ifndef OC_BENCH_P11_H
#define OC_BENCH_P11_H

#include <p11-kit/pkcs11.h>

double bench_now(void);
void bench_die(const char *what, CK_RV rv) __attribute__((noreturn));
/* dlopen + C_GetFunctionList + C_Initialize; exits on failure. */
CK_FUNCTION_LIST_PTR bench_p11_load(const char *path, void **dl);
/* The first slot whose token has this label (NULL: any); exits if none. */
CK_SLOT_ID bench_p11_find_slot(CK_FUNCTION_LIST_PTR f, const char *label);

#endif
