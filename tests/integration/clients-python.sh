#!/bin/sh
# clients-python.sh - Python through PyKCS11 (python3-pykcs11), as in
# the README's recipe: the token "clients" is listed with its objects, the
# data object app/api-token is found by label and its CKA_VALUE is the
# stored secret, and the vault's RSA and EC keys sign (CKM_SHA256_RSA_PKCS,
# CKM_ECDSA_SHA256) what C_Verify with their public key objects and
# OpenSSL with the original public keys accept.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
oc_setup
keys_need
# PyKCS11 is installed for the distribution's python3, which another
# python3 first in PATH (pyenv, a venv) does not see.
PY=
for p in python3 /usr/bin/python3; do
	command -v "$p" >/dev/null 2>&1 && "$p" -c 'import PyKCS11' 2>/dev/null &&
		PY=$(command -v "$p") && break
done
[ -n "$PY" ] || clients_missing "PyKCS11 (python3-pykcs11)"
PY_ENV=
if [ "$OC_SANITIZED" = 1 ]; then
	oc_san_wrap "$PY"
	PY="$T/san-bin/$(basename "$PY")"
	# PyKCS11's SWIG iterators end with a C++ exception, which ASan's
	# __cxa_throw interceptor handles only when libstdc++ is loaded
	# before PyKCS11 is.
	PY_ENV=LD_PRELOAD=libstdc++.so.6
fi
clients_vault
# pyk COMMAND ARGS...: the PyKCS11 client on the module, output in $T/py.out.
pyk() {
	_cmd=$1
	shift
	timeout 60 env $PY_ENV "$PY" "$SRC/tests/integration/clients-pykcs11.py" "$_cmd" \
		"$MODULE" "$@" >"$T/py.out" 2>&1 ||
		{ cat "$T/py.out" >&2; oc_fail "PyKCS11 $_cmd $*"; }
}

echo "== tokens and objects"
pyk tokens
cat "$T/py.out"
grep -q '^slot [0-9]*: clients$' "$T/py.out" || oc_fail "token clients not listed"
pyk objects clients
clients_check_objects "$T/py.out"
clients_read_and_sign pyk "PyKCS11 (and C_Verify)"
# The check can fail: a signature of other bytes does not verify.
head -c 1000 /dev/urandom > "$T/msg"
openssl dgst -sha256 -verify "$T/rsa.pub" -signature "$T/rsa.sig" "$T/msg" \
	>/dev/null 2>&1 && oc_fail "a signature verified over other bytes"
echo "clients-python ok"
