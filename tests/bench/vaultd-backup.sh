#!/bin/sh
# Benchmark: the operator's commands of oneclaw-vaultd over 10,000 and
# 100,000 secrets: --backup of the serving database (time, MB/s) beside
# the raw copies of the same file in the same run (`sqlite3 .backup`, the
# backup API in one go; `cp`), --restore into a new place, and --rotate-kek
# (DEKs/s) beside vaultd-rewrap-raw, the same crypto alone and with the
# same SQLite work.  Printed, never asserted.
#   BENCH_SIZES  the store sizes (default "10000 100000")
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node sqlite3
oc_setup
SIZES=${BENCH_SIZES:-10000 100000}
RAW="$BUILD/tests/bench/vaultd-rewrap-raw"
[ -x "$RAW" ] || oc_skip "tests/bench/vaultd-rewrap-raw not built (make bench)"

ms() {
	date +%s%N | cut -c1-13
}

: > "$T/rows"
for n in $SIZES; do
	rm -rf "$T/s" "$T/vault.db"* "$T/admin.key" && mkdir "$T/s"
	oc_start_vaultd
	V=$(oc_create_vault "bench-$n")
	echo "storing $n secrets..." >&2
	t0=$(ms)
	OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
		put "$V" "$n" b > /dev/null || oc_fail "seeding"
	seed_ms=$(($(ms) - t0))

	t0=$(ms)
	$VAULTD --db "$VAULTD_DB" --backup "$T/s/backup.db" 2> "$T/err" ||
		oc_fail "backup: $(cat "$T/err")"
	backup_ms=$(($(ms) - t0))
	bytes=$(stat -c %s "$T/s/backup.db")
	t0=$(ms)
	sqlite3 "$VAULTD_DB" ".backup '$T/s/raw.db'" || oc_fail "sqlite3 .backup"
	raw_ms=$(($(ms) - t0))
	oc_stop_vaultd
	t0=$(ms)
	cp "$T/s/backup.db" "$T/s/copy.db" && sync "$T/s/copy.db"
	cp_ms=$(($(ms) - t0))

	cp "$VAULTD_DB.master-key" "$T/s/r.db.master-key"
	t0=$(ms)
	$VAULTD --db "$T/s/r.db" --restore "$T/s/backup.db" 2> "$T/err" ||
		oc_fail "restore: $(cat "$T/err")"
	restore_ms=$(($(ms) - t0))

	t0=$(ms)
	$VAULTD --db "$T/s/r.db" --master-key "$T/s/r.db.master-key" --rotate-kek \
		--new-master-key "$T/s/new.key" 2> "$T/err" || oc_fail "rotate: $(cat "$T/err")"
	rotate_ms=$(($(ms) - t0))
	"$RAW" "$n" "$T/s/rewrap.db" > "$T/raw" || oc_fail "vaultd-rewrap-raw"
	echo "$n $bytes $backup_ms $raw_ms $cp_ms $restore_ms $rotate_ms" \
		"$(sed -n 's/^gcm //p' "$T/raw") $(sed -n 's/^store //p' "$T/raw") $seed_ms" >> "$T/rows"
done

awk 'BEGIN {
	printf "backup (server running), restore and KEK rotation (synchronous=FULL)\n"
	printf "%8s %6s %9s %6s %9s %6s %9s %9s %8s %8s %8s\n", "secrets", "MB",
		"backup s", "MB/s", "sqlite3 s", "cp s", "restore s", "rotate s",
		"DEKs/s", "raw/s", "gcm/s"
}
{
	n = $1; mb = $2 / 1048576.0; b = $3 / 1000.0; r = $4 / 1000.0
	c = $5 / 1000.0; rs = $6 / 1000.0; ro = $7 / 1000.0
	printf "%8d %6.1f %9.3f %6.1f %9.3f %6.3f %9.3f %9.3f %8.0f %8.0f %8.0f\n",
		n, mb, b, mb / b, r, c, rs, ro, n / ro, n / $9, n / $8
	seeds = seeds sprintf(" %d in %.1f s;", n, $10 / 1000.0)
}
END {
	printf "backup/restore/rotate s: the whole command (start, checks, fsync);\n"
	printf "sqlite3 s: sqlite3 .backup of the same database (the backup API in\n"
	printf "one go, no check); cp s: cp and sync of the backup file.\n"
	printf "raw/s: DEKs/s of vaultd-rewrap-raw, the same AES-GCM re-wrap with the same\n"
	printf "SQLite reads and writes (batches of 100); gcm/s: its crypto alone.\n"
	printf "Seeding over HTTP:%s\n", seeds
}' "$T/rows"
exit 0
