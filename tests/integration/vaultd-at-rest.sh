#!/bin/sh
# Nothing secret at rest: after storing fixture values (plain, binary-safe,
# long, CMEK blobs), an agent and tokens, neither the database file nor its
# WAL holds any value, blob, API key or token in the clear; API keys are
# stored only as SHA-256 hashes; values are envelope ciphertext.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node sqlite3 sha256sum
oc_setup
oc_start_vaultd

V=$(oc_create_vault at-rest)
S=/v1/vaults/$V/secrets
long=$(head -c 3000 /dev/zero | tr '\0' L)
long="fixture-long-$long"
set -- fixture-at-rest-alpha fixture-at-rest-Beta-2 "fixture multi word value" "$long"
oc_secret "$@"
i=0
for v in "$@"; do
	i=$((i + 1))
	vd_call 201 PUT "$S/p/$i" "{\"value\":\"$v\",\"type\":\"password\"}"
	vd_call 200 GET "$S/p/$i"
done
vd_call 201 PUT "$S/p/1" '{"value":"fixture-at-rest-second-version"}'
oc_secret fixture-at-rest-second-version

# CMEK blobs are envelope-encrypted too.
V2=$(oc_create_vault at-rest-cmek)
oc_keygen "$T/k"
K=$(cat "$T/k")
vd_call 200 POST "/v1/vaults/$V2/cmek" "{\"fingerprint\":\"$(vd_cmek fpr "$K")\"}"
B=$(vd_cmek seal "$K" fixture-cmek-plaintext)
oc_secret fixture-cmek-plaintext
vd_call 201 PUT "/v1/vaults/$V2/secrets/c" "{\"value\":\"$B\"}"

# An agent key and tokens.
vd_call 201 POST /v1/agents "{\"name\":\"at-rest\",\"vault_ids\":[\"$V\"]}"
AKEY=$(vd_field .api_key)
oc_secret "$AKEY"
AT=$(vd_token "$AKEY" agent-token)
UT=$(vd_token "$ADMIN_KEY")
oc_secret "$AT" "$UT"

# scan LABEL: greps the database and its WAL (whatever exists now).
scan() {
	found=0
	for f in "$VAULTD_DB" "$VAULTD_DB-wal"; do
		[ -f "$f" ] || continue
		for s in fixture-at-rest fixture-multi "fixture multi" fixture-long \
			fixture-cmek-plaintext "$B" "$ADMIN_KEY" "$AKEY" "$AT" "$UT" "$K" \
			"$(printf '%s' "$long" | cut -c1-40)" LLLLLLLLLLLLLLLLLLLL; do
			if grep -qaF -- "$s" "$f"; then
				echo "found $(printf '%s' "$s" | cut -c1-24)... in $(basename "$f") ($1)" >&2
				found=1
			fi
		done
	done
	[ $found -eq 0 ] || oc_fail "plaintext at rest ($1)"
}
# While running: most of the data is still in the WAL.
[ -s "$VAULTD_DB-wal" ] || oc_fail "no WAL while serving"
scan running
# After a clean stop (checkpoint into the main file).
oc_stop_vaultd
scan stopped

# Only hashes of keys; values as ciphertext of the right shape.
want=$(printf '%s' "$ADMIN_KEY" | sha256sum | cut -d' ' -f1)
got=$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT lower(hex(key_hash)) FROM users")
[ "$got" = "$want" ] || oc_fail "admin key not stored as its SHA-256"
want=$(printf '%s' "$AKEY" | sha256sum | cut -d' ' -f1)
got=$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT lower(hex(key_hash)) FROM agents")
[ "$got" = "$want" ] || oc_fail "agent key not stored as its SHA-256"
n=$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT count(*) FROM versions WHERE length(dek) = 61 AND hex(substr(dek, 1, 1)) = '01'")
[ "$n" = 6 ] || oc_fail "expected 6 master-wrapped DEKs, found $n"
n=$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT length(ct) FROM versions v JOIN secrets s ON s.id = v.secret_id WHERE s.path = 'p/4'")
[ "$n" = $((${#long} + 28)) ] || oc_fail "ciphertext length $n"
# The master key is not in the database either.
mk=$(od -An -v -tx1 "$VAULTD_DB.master-key" | tr -d ' \n')
dbhex=$(od -An -v -tx1 "$VAULTD_DB" | tr -d ' \n')
case "$dbhex" in *"$mk"*) oc_fail "master key bytes in the database" ;; esac
exit 0
