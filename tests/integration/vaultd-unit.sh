#!/bin/sh
# oneclaw-vaultd.service passes `systemd-analyze verify` (which reads unit
# files without a running systemd), its programs pointed at this build;
# the service user need not exist for that.  Skipped without systemd-analyze.
. "$top_srcdir/tests/lib.sh"
oc_setup
oc_need systemd-analyze
unit="$BUILD/src/vaultd/oneclaw-vaultd.service"
[ -f "$unit" ] || oc_fail "the unit was not built"
bindir=$(sed -n 's|^ExecStart=\(.*\)/oneclaw-vaultd .*|\1|p' "$unit")
[ -n "$bindir" ] || oc_fail "no ExecStart running oneclaw-vaultd"
mkdir -p "$T/verify"
sed "s|$bindir/oneclaw-vaultd |$VAULTD |" "$unit" > "$T/verify/oneclaw-vaultd.service"
systemd-analyze verify --man=no "$T/verify/oneclaw-vaultd.service" > "$T/verify.out" 2>&1
rc=$?
if [ $rc -ne 0 ] || grep -q "oneclaw-vaultd" "$T/verify.out"; then
	cat "$T/verify.out"
	oc_fail "systemd-analyze verify"
fi
# It does find a mistake (an unknown key is a warning, not a failure).
sed 's/^ProtectHome=/ProtectHomme=/' "$T/verify/oneclaw-vaultd.service" \
	> "$T/verify/bad.service"
systemd-analyze verify --man=no "$T/verify/bad.service" 2>&1 |
	grep -q "Unknown key 'ProtectHomme'" || oc_fail "verify saw nothing wrong in a broken unit"
echo "systemd-analyze verify: oneclaw-vaultd.service clean"
exit 0
