#!/bin/sh
# unsealed.sh - a breached server cannot switch CMEK off for a module that
# has the vault's key (tests/attack/unsealed.c): the server turns CMEK off
# (as `cmek disable` does), plants an unsealed value and an unsealed
# private key, then names another key.  The module must seal its writes
# anyway, refuse the planted value with CKR_ONECLAW_NOT_SEALED, make no
# key object of the planted key, and refuse to write for another key with
# CKR_ONECLAW_CMEK_MISMATCH; allow_unsealed in the vault's section of the
# configuration lets the planted value through (the user's explicit
# choice).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
oc_need openssl curl base64 od
atk_need
oc_start_vaultd

vid=$(atk_cmek_vault breached "$T/cmek.key")
atk_env "$vid" "$T/cmek.key"

# The server stops reporting CMEK; the module must seal all the same.
atk_tool cmek disable "$vid" >/dev/null || oc_fail "cmek disable"
atk_run unsealed write app/after-off
oc_api GET "/v1/vaults/$vid/secrets/app/after-off" > "$T/srv.json"
oc_expect_status 200
grep -q 'written while the server said' "$T/srv.json" &&
	oc_fail "the server received the value in plaintext: $(cat "$T/srv.json")"

# Planted unsealed: a value and a private key.
oc_api PUT "/v1/vaults/$vid/secrets/app/planted" \
	'{"value":"planted by the server","type":"api_key"}' >/dev/null
oc_expect_status 201
atk_rsa_key "$T/rsa.pem"
atk_tool secret put "$vid" tls/planted.key --type private_key \
	--file "$T/rsa.pem" >/dev/null || oc_fail "plant the key"
atk_run unsealed read app/planted not-sealed
atk_run unsealed no-key tls/planted.key

# The user's explicit choice lets unsealed values of this vault through.
printf '[vault %s]\nallow_unsealed = true\n' "$vid" > "$T/allow.conf"
chmod 600 "$T/allow.conf"
ONECLAW_PKCS11_CONF="$T/allow.conf" atk_direct unsealed read app/planted ok

# The server names a key the user did not configure.
oc_keygen "$T/other.key"
atk_tool cmek enable "$vid" --key "$T/other.key" --force >/dev/null ||
	oc_fail "cmek enable (other key)"
atk_run unsealed mismatch app/mismatch
oc_api GET "/v1/vaults/$vid/secrets/app/mismatch" >/dev/null
[ "$OC_STATUS" = 404 ] || oc_fail "a write reached the server (HTTP $OC_STATUS)"
exit 0
