#!/bin/sh
# module-exports.sh - the module exports exactly C_GetFunctionList,
# C_GetInterfaceList and C_GetInterface (everything else is hidden), the
# 3.0 interface calls answer as the spec says, and the module never writes
# to stdout (p11-kit server carries its RPC there).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need nm
mod_need

syms=$(nm -D --defined-only "$MODULE" | awk 'NF == 3 { print $3 }' | sort |
	tr '\n' ' ')
echo "exported: $syms"
[ "$syms" = "C_GetFunctionList C_GetInterface C_GetInterfaceList " ] ||
	oc_fail "unexpected exports: $syms"

mod_client interface > "$T/if.out" || oc_fail "C_GetInterface*: $(cat "$T/if.out")"

# With debug output on stderr (no debug file), stdout holds only what the
# application printed.
unset ONECLAW_PKCS11_DEBUG_FILE
ONECLAW_API_URL=http://127.0.0.1:9
ONECLAW_API_KEY=1ck_notarealkeynotarealkey0000
export ONECLAW_API_URL ONECLAW_API_KEY
mod_client init > "$T/stdout" 2> "$T/stderr" || oc_fail "C_Initialize: $(cat "$T/stderr")"
[ "$(cat "$T/stdout")" = "CKR_OK" ] || oc_fail "the module wrote to stdout: $(cat "$T/stdout")"
# Slots need no server (the stand-in token); a session needs the vaults.
mod_client slots > "$T/stdout" 2> "$T/stderr" || oc_fail "listing slots without a server failed"
[ "$(cut -f2 "$T/stdout" | tr -d ' ')" = "1claw" ] ||
	oc_fail "the module wrote to stdout: $(cat "$T/stdout")"
mod_client read app/x > "$T/stdout" 2> "$T/stderr" && oc_fail "a session without a server succeeded"
[ -s "$T/stdout" ] && oc_fail "the module wrote to stdout: $(cat "$T/stdout")"
grep -q "C_OpenSession" "$T/stderr" || oc_fail "no debug output on stderr"
exit 0
