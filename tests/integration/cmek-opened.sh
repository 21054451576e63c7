#!/bin/sh
# cmek-opened.sh - cmek_values = opened (tests/node/opened-client.js): a
# CMEK secret reads as plaintext, private, its blob beside it; writes are
# still sealed before they leave; a key-typed secret stays refused, and
# so does a private key stored under another type; a
# value sealed under another key is refused, even with allow_unsealed;
# the default presents the blob; opened with no key is a config error.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
cmek_need_node
cmek_need_module
oc_start_vaultd

oc_keygen "$T/cmek.key"
oc_keygen "$T/other.key"
vid=$(cmek_vault opened-vault "$T/cmek.key") || exit 1
cmek_plain "$T/pt" opened-
cmek_put "$vid" app/token "$T/cmek.key" "$T/pt" "$T/blob"
cmek_plain "$T/wpt" written-
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$T/ec.pem" 2>/dev/null || oc_fail "openssl genpkey"
oc_api PUT "/v1/vaults/$vid/secrets/app/signing" \
	"{\"value\":\"$(cmek_tool seal "$T/cmek.key" < "$T/ec.pem" | base64 -w0)\",\"type\":\"private_key\"}" >/dev/null
oc_expect_status 201
# The same key as a password, as a breached server could relabel it.
oc_api PUT "/v1/vaults/$vid/secrets/app/relabelled" \
	"{\"value\":\"$(cmek_tool seal "$T/cmek.key" < "$T/ec.pem" | base64 -w0)\",\"type\":\"password\"}" >/dev/null
oc_expect_status 201

cmek_module_env "$vid" "$T/cmek.key"
printf 'cmek_values = opened\n' > "$ONECLAW_PKCS11_CONF"
ONECLAW_PKCS11_AUDIT="$OC_LOG_DIR/$(basename "$0").audit.log"
: > "$ONECLAW_PKCS11_AUDIT"
export ONECLAW_PKCS11_AUDIT
cmek_node opened-client.js --module "$MODULE" --label app/token \
	--plain "$T/pt" --write-label app/written --write-plain "$T/wpt" \
	--key-label app/signing --key-label app/relabelled
# Each read of the plaintext or of the blob is an audited read (the
# refused write is the blob set read-only).
sed -n 's/.* audit: op=\([a-z]*\) result=\([A-Z_]*\) vault=[^ ]* label=\([^ ]*\) mech=\([^ ]*\) .*/\1 \2 \3 \4/p' \
	"$ONECLAW_PKCS11_AUDIT" > "$T/audit.got"
cat > "$T/audit.want" <<'WANT'
read CKR_OK app/token -
read CKR_OK app/token -
decrypt CKR_OK cmek CKM_ONECLAW_CMEK
write CKR_ATTRIBUTE_READ_ONLY app/token -
create CKR_OK app/written -
read CKR_OK app/written -
read CKR_OK app/written -
read CKR_ATTRIBUTE_SENSITIVE app/signing -
read CKR_ATTRIBUTE_SENSITIVE app/signing -
read CKR_ATTRIBUTE_SENSITIVE app/relabelled -
read CKR_ATTRIBUTE_SENSITIVE app/relabelled -
WANT
cmp -s "$T/audit.got" "$T/audit.want" ||
	{ diff "$T/audit.want" "$T/audit.got"; oc_fail "audit lines of the opened reads"; }
unset ONECLAW_PKCS11_AUDIT
# What reached the server is a blob of the written plaintext.
cmek_check_secret "$vid" app/written "$T/cmek.key" "$T/wpt"

# A value sealed under another key, the server calling it sealed: refused
# when opened, even where allow_unsealed takes the server's word.
cmek_put "$vid" app/foreign "$T/other.key" "$T/pt" "$T/fblob"
printf 'cmek_values = opened\nallow_unsealed = true\n' > "$ONECLAW_PKCS11_CONF"
cmek_node opened-client.js --module "$MODULE" --label app/token \
	--plain "$T/pt" --write-label app/written2 --write-plain "$T/wpt" \
	--bad-label app/foreign

# The default and a vault section saying sealed present the blob.
printf 'cmek_values = opened\n[vault %s]\ncmek_values = sealed\n' "$vid" \
	> "$ONECLAW_PKCS11_CONF"
pkcs11-tool --module "$MODULE" --read-object --type data \
	--label app/token -o "$T/read" >/dev/null 2>&1 ||
	oc_fail "pkcs11-tool --read-object"
cmp -s "$T/read" "$T/blob" || oc_fail "a sealed section did not give the blob"
: > "$ONECLAW_PKCS11_CONF"
pkcs11-tool --module "$MODULE" --read-object --type data \
	--label app/token -o "$T/read" >/dev/null 2>&1 ||
	oc_fail "pkcs11-tool --read-object (default)"
cmp -s "$T/read" "$T/blob" || oc_fail "the default did not give the blob"

# Opened with no key: C_Initialize refuses, naming the setting.
unset ONECLAW_CMEK_KEY_FILE
printf 'cmek_values = opened\n' > "$ONECLAW_PKCS11_CONF"
pkcs11-tool --module "$MODULE" -L > "$T/nokey.out" 2>&1 &&
	oc_fail "opened with no key loaded"
grep -q "cmek_values: opened needs a CMEK key" "$T/nokey.out" ||
	{ cat "$T/nokey.out"; oc_fail "no clear message for opened without a key"; }
echo "cmek_values = opened: plaintext, blob, writes sealed, refusals"
