#!/bin/sh
# clients-go.sh - Go through github.com/miekg/pkcs11 (Debian's
# golang-github-miekg-pkcs11-dev, built offline from /usr/share/gocode as
# the README's recipe says): tests/integration/go/p11-go.go, built here into
# the build tree, lists the token "clients" and its objects, reads the
# data object app/api-token (its CKA_VALUE is the stored secret), and signs
# with the vault's RSA key (CKM_SHA256_RSA_PKCS) and EC key (CKM_ECDSA
# over a SHA-256 digest, as crypto.Signer does), which OpenSSL verifies
# with the original public keys.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
oc_setup
keys_need
clients_need go "Go (golang-go)"
GOPATH=${OC_GOPATH:-/usr/share/gocode}
[ -f "$GOPATH/src/github.com/miekg/pkcs11/pkcs11.go" ] ||
	clients_missing "miekg/pkcs11 in $GOPATH (golang-github-miekg-pkcs11-dev)"

echo "== building p11-go"
# GOPATH mode: no module download, no network (GOPROXY=off); the build
# cache stays in the build tree for the next run.
GOCLIENT="$BUILD/tests/integration/p11-go"
mkdir -p "$BUILD/tests/integration"
GO111MODULE=off GOPATH=$GOPATH GOPROXY=off GOFLAGS="" \
	GOCACHE="$BUILD/tests/integration/go-cache" \
	timeout 300 go build -o "$GOCLIENT" "$SRC/tests/integration/go/p11-go.go" \
	>"$T/go-build.out" 2>&1 ||
	{ cat "$T/go-build.out" >&2; oc_fail "go build p11-go"; }
if [ "$OC_SANITIZED" = 1 ]; then
	oc_san_wrap "$GOCLIENT"
	GOCLIENT="$T/san-bin/p11-go"
fi
clients_vault
# p11go ARGS...: the Go client on the module, output in $T/go.out.
p11go() {
	timeout 60 "$GOCLIENT" "$MODULE" "$@" >"$T/go.out" 2>&1 ||
		{ cat "$T/go.out" >&2; oc_fail "p11-go $*"; }
}

echo "== tokens and objects"
p11go tokens
cat "$T/go.out"
grep -q '^slot [0-9]*: clients$' "$T/go.out" || oc_fail "token clients not listed"
p11go objects clients
clients_check_objects "$T/go.out"
clients_read_and_sign p11go "p11-go"
# A key that is not in the vault is an error, not an empty signature.
timeout 60 "$GOCLIENT" "$MODULE" sign clients client/none.key rsa "$T/msg" \
	"$T/none.sig" >"$T/go.out" 2>&1 && oc_fail "signed with a missing key"
grep -q '0 objects labelled "client/none.key"' "$T/go.out" ||
	{ cat "$T/go.out" >&2; oc_fail "the missing key is not named"; }
echo "clients-go ok"
