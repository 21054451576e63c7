#!/bin/sh
# module-reload.sh - a host that loads the module for one job and unloads
# it again (dlopen, C_Initialize, read and C_Decrypt a CMEK secret,
# C_Finalize, dlclose), 40 times in one process: the mappings and the
# locked memory the module leaves behind do not grow from one cycle to
# the next (the secret slabs, the OpenSSL context, the HTTP pool are all
# released at unload).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
mod_need
[ -x "$TOOL" ] || oc_skip "oneclaw-tool not built"
oc_start_vaultd

oc_keygen "$T/cmek.key"
vid=$(oc_create_vault reload)
mod_env "$vid"
$OC_WRAP "$TOOL" -q --url "$OC_URL" cmek enable "$vid" --key "$T/cmek.key" > /dev/null ||
	oc_fail "cmek enable"
printf 'reload-%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/pt"
oc_secret "$(cat "$T/pt")"
$OC_WRAP "$TOOL" -q --url "$OC_URL" secret put "$vid" app/token --file "$T/pt" \
	--key "$T/cmek.key" > /dev/null || oc_fail "secret put (sealed)"
ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
export ONECLAW_CMEK_KEY_FILE

# Under valgrind a few cycles suffice: its leak check sees each one.
# Valgrind's and the sanitizers' allocators map memory as they like, so
# there only locked memory is judged; the plain run judges mappings too.
cycles=40
[ -n "${OC_VALGRIND:-}" ] && cycles=6
if [ -n "${OC_VALGRIND:-}" ] || [ "$OC_SANITIZED" = 1 ]; then
	OC_RELOAD_LOCKED_ONLY=1
	export OC_RELOAD_LOCKED_ONLY
fi
mod_client reload app/token "$cycles" > "$T/out" 2>&1
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || oc_fail "reload cycles (exit $rc)"
echo "reload ok"
