/* module.c - the exported entry points. */
#include "config.h"

#include <string.h>

#include "entry.h"
#include "module.h"

static CK_INTERFACE interfaces[] = {
    {(CK_UTF8CHAR *)"PKCS 11", NULL, 0},
};

#define N_INTERFACES (sizeof(interfaces) / sizeof(interfaces[0]))

static void fill(void)
{
	interfaces[0].pFunctionList = oc_entry_function_list();
}

OC_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (!list)
		return CKR_ARGUMENTS_BAD;
	*list = oc_entry_function_list();
	return CKR_OK;
}

OC_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR n)
{
	if (!n)
		return CKR_ARGUMENTS_BAD;
	if (!list) {
		*n = N_INTERFACES;
		return CKR_OK;
	}
	if (*n < N_INTERFACES) {
		*n = N_INTERFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	fill();
	memcpy(list, interfaces, sizeof(interfaces));
	*n = N_INTERFACES;
	return CKR_OK;
}

OC_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
			       CK_INTERFACE_PTR_PTR out, CK_FLAGS flags)
{
	const CK_FUNCTION_LIST *f = oc_entry_function_list();

	if (!out)
		return CKR_ARGUMENTS_BAD;
	/* One interface: "PKCS 11" at version 2.40, not fork-safe (a child
	 * must initialise again). */
	if (name && strcmp((const char *)name, "PKCS 11") != 0)
		return CKR_ARGUMENTS_BAD;
	if (version && (version->major != f->version.major ||
			version->minor != f->version.minor))
		return CKR_ARGUMENTS_BAD;
	if (flags & ~interfaces[0].flags)
		return CKR_ARGUMENTS_BAD;
	fill();
	*out = &interfaces[0];
	return CKR_OK;
}
