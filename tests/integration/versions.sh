#!/bin/sh
# versions.sh - every program prints configure.ac's version with
# --version, and the module reports the same major.minor in C_GetInfo
# (libraryVersion): one place sets it.
. "$top_srcdir/tests/lib.sh"
oc_setup
oc_need pkcs11-tool

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$BUILD/config.h")
major=$(sed -n 's/^#define OC_VERSION_MAJOR \([0-9]*\)$/\1/p' "$BUILD/config.h")
minor=$(sed -n 's/^#define OC_VERSION_MINOR \([0-9]*\)$/\1/p' "$BUILD/config.h")
[ -n "$version" ] && [ -n "$major" ] && [ -n "$minor" ] ||
	oc_fail "no version in $BUILD/config.h"
case $version in
"$major.$minor".*) ;;
*) oc_fail "PACKAGE_VERSION $version does not start with $major.$minor" ;;
esac

out=$("$TOOL" --version) || oc_fail "oneclaw-tool --version failed"
[ "$out" = "oneclaw-tool $version" ] || oc_fail "oneclaw-tool --version: $out"
out=$("$VAULTD" --version) || oc_fail "oneclaw-vaultd --version failed"
[ "$out" = "oneclaw-vaultd $version" ] || oc_fail "oneclaw-vaultd --version: $out"

# C_GetInfo needs no server.
ONECLAW_API_URL=http://127.0.0.1:9
ONECLAW_API_KEY=1ck_notarealkeynotarealkey0000
export ONECLAW_API_URL ONECLAW_API_KEY
pkcs11-tool --module "$MODULE" --show-info > "$T/info" 2>&1 ||
	oc_fail "pkcs11-tool --show-info: $(cat "$T/info")"
grep -Eq "^Cryptoki version 2\.40$" "$T/info" || oc_fail "cryptoki version: $(cat "$T/info")"
grep -Eq "^Library +.*\(ver $major\.$minor\)$" "$T/info" ||
	oc_fail "library version is not $major.$minor: $(cat "$T/info")"
exit 0
