#!/bin/sh
# Benchmark: server-side CMEK rotation by oneclaw-vaultd (one job, batches
# of 100, one transaction each, durable commits) of 1,000, 10,000 and
# 100,000 secrets, beside the raw cost of the same work measured in the
# same run by vaultd-gcm-raw: its crypto alone, and its crypto with the
# same SQLite writes (a table of the server's versions shape, WAL,
# synchronous=FULL, transactions of 100).  Printed, never asserted.
#   BENCH_SIZES  the vault sizes (default "1000 10000 100000")
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node
oc_setup
SIZES=${BENCH_SIZES:-1000 10000 100000}
RAW="$BUILD/tests/bench/vaultd-gcm-raw"
[ -x "$RAW" ] || oc_skip "tests/bench/vaultd-gcm-raw not built (make bench)"
oc_start_vaultd

oc_keygen "$T/old.key"
oc_keygen "$T/new.key"
KO=$(cat "$T/old.key")
KN=$(cat "$T/new.key")
FO=$(vd_cmek fpr "$KO")

ms() {
	date +%s%N | cut -c1-13
}

: > "$T/rows"
for n in $SIZES; do
	V=$(oc_create_vault "bench-$n")
	vd_call 200 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$FO\"}"
	echo "storing $n CMEK secrets..." >&2
	t0=$(ms)
	vd_cmek put "$V" "$KO" "$n" b > /dev/null || oc_fail "seeding"
	seed_ms=$(($(ms) - t0))
	set -- $(vd_cmek rotate "$V" "$KO" "$KN") || oc_fail "rotation"
	[ "$1" = "$n" ] || oc_fail "processed $1 of $n"
	srv_ms=$2
	# The plaintext of each blob is "cmek-plain-<i>": ~14 bytes.
	rm -f "$T/raw.db" "$T/raw.db-wal" "$T/raw.db-shm"
	"$RAW" "$n" 14 "$T/raw.db" > "$T/raw" || oc_fail "vaultd-gcm-raw"
	echo "$n $srv_ms $(sed -n 's/^full //p' "$T/raw") $(sed -n 's/^store //p' "$T/raw") $seed_ms" >> "$T/rows"
	# The next size gets a vault of its own; this one's rows stay, as in
	# a server with many vaults.
done

awk 'BEGIN {
	printf "server-side CMEK rotation (one job, batches of 100, synchronous=FULL)\n"
	printf "%9s %12s %12s %12s %12s %8s %8s\n", "secrets", "server s", "server /s",
		"raw s", "raw /s", "ratio", "crypto"
}
{
	n = $1; srv = $2 / 1000.0; full = $3; store = $4
	printf "%9d %12.3f %12.0f %12.3f %12.0f %8.2f %8.2f\n", n, srv, n / srv,
		store, n / store, store / srv, full / srv
	seeds = seeds sprintf(" %d in %.1f s;", n, $5 / 1000.0)
}
END {
	printf "raw = the same crypto (AES-GCM open+seal, HKDF, RNG, base64) and the\n"
	printf "same SQLite reads and writes (prepared statements, WAL, batches of 100)\n"
	printf "in one program (vaultd-gcm-raw); ratio = raw time / server time (1.00:\n"
	printf "the server costs what the raw work costs); crypto = raw crypto alone /\n"
	printf "server time.  Server time: POST to completed, followed every 2 ms.\n"
	printf "Seeding over HTTP:%s\n", seeds
}' "$T/rows"
exit 0
