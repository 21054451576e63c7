#!/bin/sh
# holds.sh - the attacks that held before the attack suite existed, kept
# holding (tests/attack/holds.c): key values and private components,
# flipping CKA_EXTRACTABLE / CKA_SENSITIVE, copying, wrapping and
# digesting the CMEK key, a blob sealed under another key, an unwrapped
# secret asked for as extractable.  Against a CMEK vault holding a sealed
# private key and a sealed secret.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
oc_need openssl
atk_need
oc_start_vaultd

vid=$(atk_cmek_vault holds "$T/cmek.key")
atk_rsa_key "$T/rsa.pem"
atk_tool secret put "$vid" tls/server.key --type private_key \
	--file "$T/rsa.pem" --key "$T/cmek.key" >/dev/null ||
	oc_fail "put the private key"
atk_put_sealed "$vid" app/hmac "$T/cmek.key" hmac-

atk_env "$vid" "$T/cmek.key"
atk_run holds tls/server.key app/hmac
exit 0
