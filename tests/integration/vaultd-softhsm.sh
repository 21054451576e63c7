#!/bin/sh
# KEK in a PKCS#11 token (SoftHSM2): DEKs are wrapped and unwrapped inside
# the token (CKM_AES_GCM on a sensitive, non-extractable AES key found by
# its pkcs11: URI), end to end with plain and CMEK secrets and a rotation.
# Without the token the values cannot be opened; a wrong PIN or URI stops
# the server at start.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node softhsm2-util pkcs11-tool sqlite3
oc_setup

so=$(oc_softhsm_lib) || exit 77

oc_softhsm_init "$T/hsm" vaultd-kek 4321 8765
pkcs11-tool --module "$so" --token-label vaultd-kek --login --pin 4321 \
	--keygen --key-type aes:32 --label kek --id 4b454b --sensitive >/dev/null 2>&1 ||
	oc_fail "pkcs11-tool --keygen"
pkcs11-tool --module "$so" --token-label vaultd-kek --login --pin 4321 \
	--list-objects --type secrkey 2>/dev/null > "$T/objects"
grep -q "never extractable" "$T/objects" || oc_fail "the KEK is extractable: $(cat "$T/objects")"
( umask 077 && printf '4321\n' > "$T/pin" )
URI='pkcs11:token=vaultd-kek;object=kek;type=secret-key'

oc_start_vaultd --kek-module "$so" --kek-uri "$URI" --kek-pin-file "$T/pin"
grep -q "KEK in PKCS#11 token" "$VAULTD_LOG" || oc_fail "not in token mode"

V=$(oc_create_vault hsm)
S=/v1/vaults/$V/secrets
oc_secret fixture-hsm-plain-value
vd_call 201 PUT "$S/plain" '{"value":"fixture-hsm-plain-value"}'
vd_call 200 GET "$S/plain"
[ "$(vd_field .value)" = fixture-hsm-plain-value ] || oc_fail "plain round trip"

oc_keygen "$T/k1"
oc_keygen "$T/k2"
K1=$(cat "$T/k1")
K2=$(cat "$T/k2")
F1=$(vd_cmek fpr "$K1")
F2=$(vd_cmek fpr "$K2")
vd_call 200 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$F1\"}"
vd_cmek put "$V" "$K1" 5 c > /dev/null || oc_fail "CMEK puts"
# Every DEK is wrapped by the token (kind byte 2), none by the master key.
kinds=$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT group_concat(DISTINCT hex(substr(dek, 1, 1))) FROM versions")
[ "$kinds" = 02 ] || oc_fail "DEK wrap kinds: $kinds"

# Rotation re-wraps fresh DEKs in the token too.
curl -sS -o "$T/.body" -X POST -H "Authorization: Bearer $ADMIN_KEY" \
	-H "x-cmek-old-key: $K1" -H "x-cmek-new-key: $K2" \
	--data-binary "{\"new_fingerprint\":\"$F2\"}" "$OC_URL/v1/vaults/$V/cmek-rotate"
JOB=$(vd_field .id)
i=0
while :; do
	vd_call 200 GET "/v1/vaults/$V/cmek-rotate/$JOB"
	[ "$(vd_field .status)" = completed ] && break
	[ "$(vd_field .status)" = failed ] && oc_fail "rotation failed: $(cat "$T/.body")"
	i=$((i + 1)); [ $i -gt 200 ] && oc_fail "rotation never completed"
	sleep 0.1
done
vd_cmek check "$V" "$K2" "$K1" 5 c > /dev/null || oc_fail "rotated values"

# Restart without the token: the values cannot be opened (500), the
# metadata still reads.
oc_stop_vaultd
oc_serve_vaultd
vd_call 500 GET "$S/plain"
vd_problem 500
vd_call 200 GET "$S"
oc_stop_vaultd

# A wrong PIN or a URI matching no key: the server refuses to start.
( umask 077 && printf '0000\n' > "$T/badpin" )
if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --kek-module "$so" --kek-uri "$URI" \
	--kek-pin-file "$T/badpin" 2>"$T/err"; then
	oc_fail "started with a wrong PIN"
fi
grep -q "login failed" "$T/err" || oc_fail "wrong PIN message: $(cat "$T/err")"
if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --kek-module "$so" \
	--kek-uri 'pkcs11:token=vaultd-kek;object=nope' --kek-pin-file "$T/pin" 2>"$T/err"; then
	oc_fail "started with a URI that matches no key"
fi
if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --kek-module "$so" \
	--kek-uri 'not a uri' --kek-pin-file "$T/pin" 2>"$T/err"; then
	oc_fail "started with a malformed URI"
fi
if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --kek-module "$T/none.so" \
	--kek-uri "$URI" --kek-pin-file "$T/pin" 2>"$T/err"; then
	oc_fail "started with a missing module"
fi

# Back with the token: everything reads again; nothing in the clear on disk.
oc_serve_vaultd --kek-module "$so" --kek-uri "$URI" --kek-pin-file "$T/pin"
vd_call 200 GET "$S/plain"
[ "$(vd_field .value)" = fixture-hsm-plain-value ] || oc_fail "after restart"
for f in "$VAULTD_DB" "$VAULTD_DB-wal"; do
	[ -f "$f" ] || continue
	! grep -qaF fixture-hsm-plain-value "$f" || oc_fail "plaintext value in $(basename "$f")"
	! grep -qaF cmek-plain- "$f" || oc_fail "CMEK plaintext in $(basename "$f")"
done
exit 0
