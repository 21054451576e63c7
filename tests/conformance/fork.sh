#!/bin/sh
# fork.sh - fork() and the module (fork.c): the child is not initialised
# until it calls C_Initialize, then works; the parent is unaffected.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/conformance/conformance-lib.sh"
oc_setup
PROG="$BUILD/tests/conformance/fork"
[ -x "$PROG" ] || oc_fail "not built: $PROG"
conf_fixture
$OC_WRAP "$PROG" "$MODULE"
