/* wire.c - the vault API's wire rules: secret paths and UTF-8 text. */
#include "config.h"

#include "wire.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

static bool control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

size_t oc_wire_utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		*cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		*cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

bool oc_wire_utf8(const uint8_t *s, size_t n, unsigned flags)
{
	size_t i = 0, l;
	uint32_t cp;

	while (i < n) {
		if ((flags & OC_WIRE_NO_NUL) && s[i] == 0)
			return false;
		if ((flags & OC_WIRE_NO_CONTROL) && control(s[i]))
			return false;
		l = oc_wire_utf8_next(s + i, n - i, &cp);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

bool oc_wire_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (control((uint8_t)s[i]))
			return false;
	return true;
}

static bool portable(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* The segment p[0..len): "." and ".." are never a secret's name. */
static bool dot_segment(const char *p, size_t len)
{
	return (len == 1 && p[0] == '.') ||
	       (len == 2 && p[0] == '.' && p[1] == '.');
}

const char *oc_wire_path_fault(const char *path, size_t n,
			       enum oc_wire_path_rule rule)
{
	const uint8_t *p = (const uint8_t *)path;
	bool strict = rule != OC_WIRE_PATH_ACCEPT;
	size_t i, seg = 0;

	if (!path || n == 0 || n > OC_WIRE_PATH_MAX)
		return "a path is 1 to " STR(OC_WIRE_PATH_MAX) " bytes";
	if (strict && (p[0] == '/' || p[n - 1] == '/'))
		return "a path has no leading or trailing '/'";
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			if (dot_segment(path + seg, i - seg) ||
			    (strict && i == seg))
				return "empty, '.' or '..' path segment";
			seg = i + 1;
			continue;
		}
		if (rule == OC_WIRE_PATH_PORTABLE && !portable(p[i]))
			return "only letters, digits, '-', '_', '.' and '/' "
			       "are allowed";
		if (control(p[i]))
			return "a path has no control characters";
	}
	if (rule == OC_WIRE_PATH_SEND && !oc_wire_utf8(p, n, 0))
		return "a path is UTF-8";
	return NULL;
}
