#!/bin/sh
# Benchmark: server-side CMEK rotation of 10,000 secrets by oneclaw-vaultd
# (one job, batches of 100, one transaction each, durable commits), beside
# the raw cost of the same crypto measured in the same run by
# vaultd-gcm-raw.  Printed, never asserted.  BENCH_N overrides the count.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node
oc_setup
N=${BENCH_N:-10000}
RAW="$BUILD/tests/bench/vaultd-gcm-raw"
[ -x "$RAW" ] || oc_skip "tests/bench/vaultd-gcm-raw not built (make bench)"
oc_start_vaultd

oc_keygen "$T/old.key"
oc_keygen "$T/new.key"
KO=$(cat "$T/old.key")
KN=$(cat "$T/new.key")
FN=$(vd_cmek fpr "$KN")
V=$(oc_create_vault bench)
vd_call 200 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$(vd_cmek fpr "$KO")\"}"
echo "storing $N CMEK secrets..." >&2
vd_cmek put "$V" "$KO" "$N" b > /dev/null || oc_fail "seeding"

ms() {
	date +%s%N | cut -c1-13
}
t0=$(ms)
code=$(curl -sS -o "$T/.body" -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $ADMIN_KEY" -H "x-cmek-old-key: $KO" \
	-H "x-cmek-new-key: $KN" --data-binary "{\"new_fingerprint\":\"$FN\"}" \
	"$OC_URL/v1/vaults/$V/cmek-rotate")
[ "$code" = 202 ] || oc_fail "rotate: $code $(cat "$T/.body")"
JOB=$(vd_field .id)
while :; do
	st=$(curl -s -H "Authorization: Bearer $ADMIN_KEY" \
		"$OC_URL/v1/vaults/$V/cmek-rotate/$JOB" | jq -r .status)
	[ "$st" = completed ] && break
	[ "$st" = failed ] && oc_fail "rotation failed"
	sleep 0.02
done
t1=$(ms)
vd_call 200 GET "/v1/vaults/$V/cmek-rotate/$JOB"
[ "$(vd_field .processed)" = "$N" ] || oc_fail "processed $(vd_field .processed)"

# The plaintext of each blob is "cmek-plain-<i>": ~14 bytes.
"$RAW" "$N" 14 > "$T/raw" || oc_fail "vaultd-gcm-raw"
gcm=$(sed -n 's/^gcm //p' "$T/raw")
full=$(sed -n 's/^full //p' "$T/raw")
awk -v n="$N" -v srv_ms="$((t1 - t0))" -v gcm="$gcm" -v full="$full" 'BEGIN {
	srv = srv_ms / 1000.0
	printf "server-side CMEK rotation, %d secrets (batches of 100, synchronous=FULL)\n", n
	printf "%-44s %10s %12s %10s\n", "", "seconds", "secrets/s", "ratio"
	printf "%-44s %10.3f %12.0f %10s\n", "oneclaw-vaultd rotation job (wall, 1 job)", srv, n / srv, "1.00"
	printf "%-44s %10.3f %12.0f %10.1f\n", "raw AES-GCM of the same work (1 thread)", gcm, n / gcm, srv / gcm
	printf "%-44s %10.3f %12.0f %10.1f\n", "raw crypto incl. HKDF, RNG, base64", full, n / full, srv / full
	printf "ratio = server time / raw time (how much the store, the\n"
	printf "transactions and the fsyncs cost on top of the crypto)\n"
}'
exit 0
