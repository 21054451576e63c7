#!/bin/sh
# Rotation crash test: kill -9 in the middle of a server-assisted rotation
# of 1,000 CMEK secrets.  After the restart the job reads as failed
# ("interrupted"), exactly the committed batches (multiples of 100) are
# under the new key, a new POST with the same keys finishes the rest
# without touching what was already rotated, and then every secret opens
# with the new key and none with the old.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node sqlite3
oc_setup
N=1000
oc_start_vaultd

oc_keygen "$T/old.key"
oc_keygen "$T/new.key"
KO=$(cat "$T/old.key")
KN=$(cat "$T/new.key")
FO=$(vd_cmek fpr "$KO")
FN=$(vd_cmek fpr "$KN")

V=$(oc_create_vault rotate-crash)
vd_call 200 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$FO\"}"
vd_cmek put "$V" "$KO" $N r > /dev/null || oc_fail "could not store $N CMEK secrets"

# count_fpr FPR: list items sealed under FPR.
count_fpr() {
	vd_call 200 GET "/v1/vaults/$V/secrets?prefix=r%2F"
	vd_field "[.secrets[] | select(.cmek_fingerprint == \"$1\")] | length"
}
[ "$(count_fpr "$FO")" = $N ] || oc_fail "not all $N secrets under the old key"

rotate() {
	OC_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
		-H "x-cmek-old-key: $KO" -H "x-cmek-new-key: $KN" \
		--data-binary "{\"new_fingerprint\":\"$FN\"}" "$OC_URL/v1/vaults/$V/cmek-rotate")
	[ "$OC_STATUS" = 202 ] || oc_fail "rotate: HTTP $OC_STATUS $(cat "$T/.body")"
	JOB=$(vd_field .id)
}

# The job stops after its first batch while $T/hold exists (test-only
# fault), so the kill lands in the middle.
oc_stop_vaultd
: > "$T/hold"
oc_serve_vaultd --faults "rotate-hold=$T/hold"
rotate
[ "$(vd_field .total_secrets)" = $N ] || oc_fail "total_secrets: $(cat "$T/.body")"
i=0
while :; do
	vd_call 200 GET "/v1/vaults/$V/cmek-rotate/$JOB"
	p=$(vd_field .processed)
	[ "$p" -ge 100 ] && break
	[ "$(vd_field .status)" = completed ] && oc_fail "finished before the kill"
	i=$((i + 1)); [ $i -gt 2400 ] && oc_fail "no progress: $(cat "$T/.body")"
	sleep 0.05
done
vd_kill9

oc_serve_vaultd
vd_call 200 GET "/v1/vaults/$V/cmek-rotate/$JOB"
[ "$(vd_field '[.status, .error] | join("|")')" = "failed|interrupted" ] ||
	oc_fail "after kill -9: $(cat "$T/.body")"
done1=$(vd_field .processed)
[ "$done1" -gt 0 ] && [ "$done1" -lt $N ] && [ $((done1 % 100)) -eq 0 ] ||
	oc_fail "processed $done1 is not a whole number of batches"
# The counter and the data agree: each batch committed with its count.
[ "$(count_fpr "$FN")" = "$done1" ] || oc_fail "new-key versions differ from processed=$done1"
[ "$(count_fpr "$FO")" = $((N - done1)) ] || oc_fail "old-key versions lost"
vd_call 200 GET "/v1/vaults/$V"
[ "$(vd_field .cmek_fingerprint)" = "$FO" ] || oc_fail "vault fingerprint moved early"
# The ciphertext rows of what is already rotated, to compare afterwards.
rotated() {
	sqlite3 "file:$VAULTD_DB?mode=ro" \
		"SELECT vid, hex(dek), hex(ct) FROM versions WHERE cmek_fpr = '$FN' ORDER BY vid"
}
rotated > "$T/before.txt"
[ "$(wc -l < "$T/before.txt")" = "$done1" ] || oc_fail "rotated rows"

# Resume: the same keys, a new job over what is left.
rotate
[ "$(vd_field .total_secrets)" = $((N - done1)) ] || oc_fail "resume total: $(cat "$T/.body")"
i=0
while :; do
	vd_call 200 GET "/v1/vaults/$V/cmek-rotate/$JOB"
	[ "$(vd_field .status)" = completed ] && break
	[ "$(vd_field .status)" = failed ] && oc_fail "resume failed: $(cat "$T/.body")"
	i=$((i + 1)); [ $i -gt 600 ] && oc_fail "resume never completed"
	sleep 0.1
done
[ "$(vd_field .processed)" = $((N - done1)) ] || oc_fail "resume processed: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$V"
[ "$(vd_field .cmek_fingerprint)" = "$FN" ] || oc_fail "vault fingerprint not switched"

# Nothing sealed twice: the rows rotated before the kill are byte-identical
# (a re-seal would have drawn a fresh DEK and IV).
rotated > "$T/after.txt"
[ "$(wc -l < "$T/after.txt")" = $N ] || oc_fail "not every row is under the new key"
missing=$(sort "$T/before.txt" | comm -23 - "$(sort "$T/after.txt" > "$T/after.sorted"; echo "$T/after.sorted")" | wc -l)
[ "$missing" = 0 ] || oc_fail "$missing versions were sealed twice"

vd_cmek check "$V" "$KN" "$KO" $N r || oc_fail "secrets do not open with the new key only"
exit 0
