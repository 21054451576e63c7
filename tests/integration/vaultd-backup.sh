#!/bin/sh
# Online backup under a write load: four clients PUT secrets one after
# another while `--backup` copies the serving database, and keep writing
# after it.  The backup passes SQLite's integrity check, is mode 0600 with
# nothing left beside it, and is one state of the store: each client's
# secrets in it are an unbroken run from its first (a client sends its next
# PUT only once the last is acknowledged), with every secret acknowledged
# before the backup started among them.  Restored into a new place and
# served by a second server, each of those reads back to its value.  Then
# the refusals: an existing FILE, a missing directory, a path through a
# file, a missing database,
# and the maintenance commands mixed with each other or with --listen.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node sqlite3
oc_setup
WRITERS=4
oc_start_vaultd
V=$(oc_create_vault backup)
# Some bulk first (~7 MB), so that the copy takes more than one step of
# 4 MB while the writers commit.
OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
	put "$V" 600 bulk 12000 > /dev/null || oc_fail "seeding"

# writer ID: PUTs w<ID>/<i> in order until $T/stop exists, noting each one
# only once its 201 is in.
writer() {
	_i=0
	while [ ! -e "$T/stop" ]; do
		_v="backup-$1-$_i"
		_code=$(vd_put_status "$V" "w$1/$_i" "$_v") || break
		[ "$_code" = 201 ] || break
		echo "$V w$1/$_i $_v" >> "$T/acked.$1"
		_i=$((_i + 1))
	done
}

acked() {
	cat "$T"/acked.* 2>/dev/null | wc -l
}

# wait_acked N: until N more PUTs than now are acknowledged.
wait_acked() {
	_goal=$(($(acked) + $1))
	_w=0
	while [ "$(acked)" -lt $_goal ]; do
		_w=$((_w + 1))
		[ $_w -gt 1200 ] && oc_fail "the writers stalled at $(acked)"
		sleep 0.05
	done
}

pids=
w=1
while [ $w -le $WRITERS ]; do
	writer $w &
	pids="$pids $!"
	w=$((w + 1))
done
OC_EXTRA_PIDS="$pids"
wait_acked 40

# Everything acknowledged so far was committed before the backup began.
cat "$T"/acked.* > "$T/before"
$VAULTD --db "$VAULTD_DB" --backup "$T/out/backup.db" 2> "$T/err" &&
	oc_fail "a backup into a missing directory succeeded"
grep -q "cannot create" "$T/err" || oc_fail "missing directory: $(cat "$T/err")"
mkdir "$T/out"
$VAULTD --db "$VAULTD_DB" --backup "$T/out/backup.db" 2> "$T/err" ||
	oc_fail "backup: $(cat "$T/err")"
cat "$T/err"
wait_acked 40
: > "$T/stop"
for p in $pids; do wait "$p"; done
OC_EXTRA_PIDS=
echo "$(wc -l < "$T/before") PUTs acknowledged before the backup, $(acked) in all"

B="$T/out/backup.db"
[ "$(ls "$T/out")" = backup.db ] || oc_fail "left beside the backup: $(ls "$T/out")"
[ "$(stat -c %a "$B")" = 600 ] || oc_fail "backup mode $(stat -c %a "$B")"
[ "$(sqlite3 "file:$B?mode=ro" 'PRAGMA integrity_check')" = ok ] ||
	oc_fail "the backup fails its integrity check"
[ "$(sqlite3 "file:$B?mode=ro" 'PRAGMA journal_mode')" = delete ] ||
	oc_fail "the backup is not one self-contained file"

# One state of the store: per writer, an unbroken run 0..k-1 of secrets,
# each with exactly its one version.
sqlite3 "file:$B?mode=ro" "SELECT path FROM secrets WHERE path LIKE 'w%'" |
	sort > "$T/in-backup"
w=1
while [ $w -le $WRITERS ]; do
	k=$(grep -c "^w$w/" "$T/in-backup" || true)
	i=0
	while [ $i -lt "$k" ]; do
		grep -qx "w$w/$i" "$T/in-backup" || oc_fail "writer $w: w$w/$i missing below $k"
		i=$((i + 1))
	done
	w=$((w + 1))
done
[ "$(sqlite3 "file:$B?mode=ro" 'SELECT count(*) FROM secrets s WHERE (SELECT count(*) FROM versions v WHERE v.secret_id = s.id) != 1')" = 0 ] ||
	oc_fail "a secret without its version (or with two) in the backup"
# Every secret acknowledged before the backup began is in it.
cut -d' ' -f2 "$T/before" | sort > "$T/before.paths"
missing=$(comm -23 "$T/before.paths" "$T/in-backup" | wc -l)
[ "$missing" = 0 ] || oc_fail "$missing acknowledged secrets missing from the backup"

# Restored into a new place (with the master key, kept apart) and served.
mkdir "$T/r"
cp "$VAULTD_DB.master-key" "$T/r/vault.db.master-key"
$VAULTD --db "$T/r/vault.db" --restore "$B" 2> "$T/err" || oc_fail "restore: $(cat "$T/err")"
cat "$T/err"
oc_stop_vaultd
VAULTD_DB="$T/r/vault.db"
oc_serve_vaultd
OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
	check-list "$T/before" || oc_fail "acknowledged secrets do not read back from the restore"
OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" \
	check "$V" 600 bulk 12000 || oc_fail "the bulk secrets do not read back from the restore"
oc_stop_vaultd

# Refusals, each leaving what was there.
sum=$(sha256sum < "$B")
$VAULTD --db "$VAULTD_DB" --backup "$B" 2> "$T/err" && oc_fail "a backup overwrote a file"
grep -q "already exists" "$T/err" || oc_fail "existing file: $(cat "$T/err")"
[ "$(sha256sum < "$B")" = "$sum" ] || oc_fail "the existing file changed"
# A path through a file is no existing FILE, but one that cannot be made.
$VAULTD --db "$VAULTD_DB" --backup "$B/b2.db" 2> "$T/err" && oc_fail "a backup under a file succeeded"
grep -q "cannot create $B/b2.db: Not a directory" "$T/err" || oc_fail "path through a file: $(cat "$T/err")"
$VAULTD --db "$T/nonexistent.db" --backup "$T/out/b2.db" 2> "$T/err" &&
	oc_fail "a backup of a missing database succeeded"
grep -q "nonexistent.db" "$T/err" || oc_fail "missing database: $(cat "$T/err")"
[ "$(ls "$T/out")" = backup.db ] || oc_fail "left behind: $(ls "$T/out")"

# usage ARGS: a usage error (exit 2) that creates nothing.
usage() {
	_rc=0
	$VAULTD --db "$VAULTD_DB" "$@" 2> "$T/err" || _rc=$?
	[ $_rc = 2 ] || oc_fail "$*: exit $_rc, not a usage error"
	grep -q "^usage:" "$T/err" || oc_fail "$*: $(cat "$T/err")"
}
usage --backup "$T/out/u.db" --listen 127.0.0.1:0
usage --backup "$T/out/u.db" --restore "$B"
usage --backup "$T/out/u.db" --init --admin-key-file "$T/out/u.key"
usage --rotate-kek
usage --new-master-key "$T/out/u.key"
usage --rotate-kek --new-master-key "$T/out/u.key" --new-kek-uri 'pkcs11:object=x'
usage --rotate-kek --new-master-key "$T/out/u.key" --listen 127.0.0.1:0
[ "$(ls "$T/out")" = backup.db ] || oc_fail "a usage error left $(ls "$T/out")"
exit 0
