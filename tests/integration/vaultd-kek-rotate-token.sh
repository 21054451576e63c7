#!/bin/sh
# Rotation of a token KEK (--rotate-kek --new-kek-uri) to another key of the
# same SoftHSM2 token, over plain and CMEK secrets, with one secret written
# before the token was used (wrapped under the master key, which stays).
# Refused, changing nothing: an old URI whose key did not wrap the DEKs
# (named without the PIN a URI may hold),
# the key in use as the new one, a new URI that matches no key.  Afterwards
# the same command again says it is finished, a server with the new key
# reads everything back, and with the old key it opens nothing the token
# wrapped.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node softhsm2-util pkcs11-tool sqlite3
oc_setup

so=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" vaultd-kek 4321 8765
for k in 1 2 3; do
	pkcs11-tool --module "$so" --token-label vaultd-kek --login --pin 4321 \
		--keygen --key-type aes:32 --label "kek$k" --id "0$k" --sensitive >/dev/null 2>&1 ||
		oc_fail "pkcs11-tool --keygen kek$k"
done
( umask 077 && printf '4321\n' > "$T/pin" )
U1='pkcs11:token=vaultd-kek;object=kek1;type=secret-key'
U2='pkcs11:token=vaultd-kek;object=kek2;type=secret-key'
U3='pkcs11:token=vaultd-kek;object=kek3;type=secret-key'

oc_start_vaultd
V=$(oc_create_vault token-rotate)
vd_call 201 PUT "/v1/vaults/$V/secrets/early" '{"value":"under-the-master-key"}'
oc_stop_vaultd
oc_serve_vaultd --kek-module "$so" --kek-uri "$U1" --kek-pin-file "$T/pin"
OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
	put "$V" 300 t > /dev/null || oc_fail "seeding"
VC=$(oc_create_vault token-rotate-cmek)
oc_keygen "$T/cmek.key"
oc_keygen "$T/other.key"
K=$(cat "$T/cmek.key")
vd_call 200 POST "/v1/vaults/$VC/cmek" "{\"fingerprint\":\"$(vd_cmek fpr "$K")\"}"
vd_cmek put "$VC" "$K" 200 c > /dev/null || oc_fail "CMEK seeding"
oc_stop_vaultd

state() {
	( cd "$T" && ls -a | grep -v '^state\.\|^err$\|-wal$\|-shm$' &&
		sqlite3 "file:vault.db?mode=ro" .dump | sha256sum )
}
# refused WHAT ARGS: --rotate-kek with the token ARGS fails saying WHAT and
# changes nothing.
refused() {
	_what=$1
	shift
	state > "$T/state.before"
	$VAULTD --db "$VAULTD_DB" --rotate-kek --kek-module "$so" \
		--kek-pin-file "$T/pin" "$@" 2> "$T/err" && oc_fail "rotation $* succeeded"
	grep -q "$_what" "$T/err" || oc_fail "rotation $*: $(cat "$T/err")"
	state > "$T/state.after"
	cmp -s "$T/state.before" "$T/state.after" ||
		oc_fail "rotation $* changed $(diff "$T/state.before" "$T/state.after")"
	echo "refused: $(head -n1 "$T/err")"
}
refused "does not open the DEKs" --kek-uri "$U2" --new-kek-uri "$U3"
refused "is the KEK in use" --kek-uri "$U1" --new-kek-uri "$U1"
# A URI is named in messages, never a PIN written in it.
refused "does not open the DEKs" --kek-uri "$U2?pin-value=9753" --new-kek-uri "$U3"
! grep -q 9753 "$T/err" || oc_fail "a PIN in a URI was shown: $(cat "$T/err")"
refused "kek4" --kek-uri "$U1" \
	--new-kek-uri 'pkcs11:token=vaultd-kek;object=kek4;type=secret-key'
$VAULTD --db "$VAULTD_DB" --rotate-kek --new-kek-uri "$U2" 2> "$T/err" &&
	oc_fail "a token rotation without the token KEK in use"
grep -q "needs the token KEK in use" "$T/err" || oc_fail "no --kek-uri: $(cat "$T/err")"

$VAULTD --db "$VAULTD_DB" --rotate-kek --kek-module "$so" --kek-pin-file "$T/pin" \
	--kek-uri "$U1" --new-kek-uri "$U2" 2> "$T/err" || oc_fail "rotation: $(cat "$T/err")"
cat "$T/err"
grep -q "re-wrapped 500 DEKs .*1 wrapped by the other kind of KEK kept" "$T/err" ||
	oc_fail "rotation counts"
# The same command again (as after a kill past its last transaction) says
# it is finished and changes nothing.
state > "$T/state.before"
$VAULTD --db "$VAULTD_DB" --rotate-kek --kek-module "$so" --kek-pin-file "$T/pin" \
	--kek-uri "$U1" --new-kek-uri "$U2" 2> "$T/err" || oc_fail "run again: $(cat "$T/err")"
grep -q "a rotation to it is finished" "$T/err" || oc_fail "run again: $(cat "$T/err")"
state > "$T/state.after"
cmp -s "$T/state.before" "$T/state.after" || oc_fail "running it again changed the database"

oc_serve_vaultd --kek-module "$so" --kek-uri "$U2" --kek-pin-file "$T/pin"
OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
	check "$V" 300 t || oc_fail "plain secrets after the rotation"
vd_cmek check "$VC" "$K" "$(cat "$T/other.key")" 200 c || oc_fail "CMEK secrets after the rotation"
vd_call 200 GET "/v1/vaults/$V/secrets/early"
[ "$(vd_field .value)" = under-the-master-key ] || oc_fail "the master-key secret"
oc_stop_vaultd

oc_serve_vaultd --kek-module "$so" --kek-uri "$U1" --kek-pin-file "$T/pin"
oc_api GET "/v1/vaults/$V/secrets/t/0" > /dev/null
[ "$OC_STATUS" != 200 ] || oc_fail "the old token key still opens a secret"
exit 0
