#!/bin/sh
# key-secret.sh - the data object of a private_key secret, in a plain
# vault, in a CMEK vault, and in a CMEK vault whose values the token
# presents opened (tests/attack/key-secret.c): neither its value nor its
# blob readable, not copyable, re-typed, relabelled or rewritten; and no
# copy reached the vault.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
oc_need openssl curl
atk_need
oc_start_vaultd

atk_rsa_key "$T/rsa.pem"
marker=$(sed -n 2p "$T/rsa.pem")

plain=$(oc_create_vault keys-plain)
atk_tool secret put "$plain" tls/server.key --type private_key \
	--file "$T/rsa.pem" >/dev/null || oc_fail "put the key (plain vault)"
sealed=$(atk_cmek_vault keys-sealed "$T/cmek.key")
atk_tool secret put "$sealed" tls/server.key --type private_key \
	--file "$T/rsa.pem" --key "$T/cmek.key" >/dev/null ||
	oc_fail "put the key (CMEK vault)"

printf 'cmek_values = opened\n' > "$T/opened.conf"
for run in plain sealed opened; do
	case $run in
	plain) vid=$plain; atk_env "$vid" ;;
	sealed) vid=$sealed; atk_env "$vid" "$T/cmek.key" ;;
	opened)
		vid=$sealed
		atk_env "$vid" "$T/cmek.key"
		export ONECLAW_PKCS11_CONF="$T/opened.conf"
		;;
	esac
	atk_run key-secret tls/server.key "$marker" "$T/rsa.pem"
	oc_api GET "/v1/vaults/$vid/secrets/tls/exfil" >/dev/null
	[ "$OC_STATUS" = 404 ] || oc_fail "a copy reached vault $vid (HTTP $OC_STATUS)"
	oc_api GET "/v1/vaults/$vid/secrets/tls/server.key" > "$T/srv.json"
	grep -q '"type":"private_key"' "$T/srv.json" ||
		oc_fail "the key's secret was re-typed in vault $vid"
done
exit 0
