/* wire.h - the vault API's wire rules in one place: what a secret path
 * is, what text may cross, and every size limit.
 *
 * Two sides are kept apart.  What we send is strict: the paths and sizes
 * we create, and what oneclaw-vaultd accepts.  What we accept from the
 * service is liberal: whatever it may return (a path with "//", a long
 * description) stays readable and addressable, so unifying the checks
 * never makes the client strict again. */
#ifndef OC_WIRE_H
#define OC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_WIRE_ID_MAX	 64
#define OC_WIRE_PATH_MAX 1024
/* Vault names: 255 characters, of up to 4 bytes each in UTF-8. */
#define OC_WIRE_NAME_MAX 1020
/* Descriptions longer than this are clipped when read. */
#define OC_WIRE_DESCRIPTION_MAX 1024
#define OC_WIRE_TYPE_MAX	31
/* The largest value by default, and the API's documented request limit
 * (larger bodies get 413). */
#define OC_WIRE_VALUE_MAX (5u * 1024 * 1024)
#define OC_WIRE_BODY_MAX  (5u * 1024 * 1024)
/* Metadata: what is taken from the service and sent back with a new
 * version; what oneclaw-vaultd keeps; what a user gives a new secret. */
#define OC_WIRE_METADATA_MAX	   (1024u * 1024)
#define OC_WIRE_METADATA_STORE_MAX (256u * 1024)
#define OC_WIRE_METADATA_NEW_MAX   (64u * 1024)

enum oc_wire_path_rule {
	/* The API's documented alphabet: segments of letters, digits, '-',
	 * '_' and '.' joined by single '/' (paths typed into the tool). */
	OC_WIRE_PATH_PORTABLE,
	/* Paths we create, and what oneclaw-vaultd accepts: UTF-8 without
	 * control characters, no leading or trailing '/', no empty, "." or
	 * ".." segment. */
	OC_WIRE_PATH_SEND,
	/* Paths the service returned, and the ones we address by them: no
	 * control characters and no "." or ".." segment (a URL normaliser
	 * would turn them into another secret's path). */
	OC_WIRE_PATH_ACCEPT,
};

/* NULL when path[0..n) follows the rule, else why not (static text). */
const char *oc_wire_path_fault(const char *path, size_t n,
			       enum oc_wire_path_rule rule);
static inline bool oc_wire_path_ok(const char *path, size_t n,
				   enum oc_wire_path_rule rule)
{
	return oc_wire_path_fault(path, n, rule) == NULL;
}

/* Length (1..4) of the UTF-8 sequence at p[0..n) with its code point in
 * *cp; 0 when invalid (overlong forms, surrogates, past U+10FFFF,
 * truncated). */
size_t oc_wire_utf8_next(const uint8_t *p, size_t n, uint32_t *cp);

#define OC_WIRE_NO_NUL	   0x1u /* NUL is refused (C readers would cut) */
#define OC_WIRE_NO_CONTROL 0x2u /* C0 controls and DEL are refused */
/* Strict UTF-8, with the flags above. */
bool oc_wire_utf8(const uint8_t *s, size_t n, unsigned flags);
/* No C0 control character, NUL or DEL (bytes; UTF-8 is checked by the
 * JSON parser). */
bool oc_wire_text(const char *s, size_t n);

#endif
