#!/bin/sh
# conformance.sh - the PKCS#11 2.40 conformance cases (conformance.c) on
# the module, against a real oneclaw-vaultd: first in credential mode (the
# admin key in ONECLAW_API_KEY), then in PIN mode (no credential; the user
# PIN is the key).  A failing case prints the call, the CK_RV the
# specification requires and the one the module returned.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/conformance/conformance-lib.sh"
oc_setup
PROG="$BUILD/tests/conformance/conformance"
[ -x "$PROG" ] || oc_fail "not built: $PROG"
conf_fixture
rc=0
$OC_WRAP "$PROG" "$MODULE" || rc=1
(
	unset ONECLAW_API_KEY
	OC_CONF_PIN=$ADMIN_KEY
	export OC_CONF_PIN
	$OC_WRAP "$PROG" "$MODULE"
) || rc=1
exit $rc
