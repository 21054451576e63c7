#!/bin/sh
# Restore: a backup replaces a database that has moved on (its write-ahead
# log still full after kill -9, a rollback journal beside it): afterwards
# the database is the backup's state, no stale log or journal is left to be
# replayed over it, and a server reads it.  Refused,
# changing nothing and leaving nothing beside the database: a restore while
# a server holds the database, a file that is not SQLite, a truncated
# backup, a SQLite database that is not oneclaw-vaultd's, a master key that
# does not open the backup, a missing file, a master key path too long.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq sqlite3
oc_setup
oc_start_vaultd
V=$(oc_create_vault restore)
vd_call 201 PUT "/v1/vaults/$V/secrets/kept" '{"value":"before-backup"}'
$VAULTD --db "$VAULTD_DB" --backup "$T/backup.db" 2> "$T/err" || oc_fail "backup: $(cat "$T/err")"
vd_call 201 PUT "/v1/vaults/$V/secrets/later" '{"value":"after-backup"}'
vd_call 201 PUT "/v1/vaults/$V/secrets/kept" '{"value":"second-version"}'

# state: the database and what lies beside it.
state() {
	( cd "$T" && ls -a | grep -v '^state\.\|^err$' && sha256sum vault.db )
}

# refused WHAT FILE [ARGS]: the restore fails saying WHAT, and changes
# nothing.
refused() {
	_what=$1 _file=$2
	shift 2
	state > "$T/state.before"
	$VAULTD --db "$VAULTD_DB" --restore "$_file" "$@" 2> "$T/err" &&
		oc_fail "restore of $_file succeeded"
	grep -q "$_what" "$T/err" || oc_fail "restore of $_file: $(cat "$T/err")"
	state > "$T/state.after"
	cmp -s "$T/state.before" "$T/state.after" ||
		oc_fail "restore of $_file changed $(diff "$T/state.before" "$T/state.after")"
	echo "refused: $(head -n1 "$T/err")"
}

# While the server runs.
refused "in use" "$T/backup.db"
vd_call 200 GET "/v1/vaults/$V/secrets/later"

# The server dies hard: its last commits are only in the log.
vd_kill9
[ -s "$VAULTD_DB-wal" ] || oc_fail "no write-ahead log to test with"
# A copy of the database as the crash left it, log and all, to restore
# from later.
mkdir "$T/crash"
cp "$VAULTD_DB" "$T/crash/vault.db"
cp "$VAULTD_DB-wal" "$T/crash/vault.db-wal"

head -c 65536 /dev/urandom > "$T/random.bin"
refused "not a database" "$T/random.bin"
head -c 20000 "$T/backup.db" > "$T/truncated.db"
refused "truncated.db" "$T/truncated.db"
sqlite3 "$T/other.db" "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB); CREATE TABLE t(x)"
refused "not a oneclaw-vaultd database" "$T/other.db"
( umask 077 && head -c 32 /dev/urandom > "$T/wrong.key" )
refused "does not open" "$T/backup.db" --master-key "$T/wrong.key"
refused "cannot read" "$T/missing.db"
long=$(printf "$T/%04100d" 0)
refused "master key path is too long" "$T/backup.db" --master-key "$long"

# A rollback journal left beside it belongs to the old file as much.
: > "$VAULTD_DB-journal"
$VAULTD --db "$VAULTD_DB" --restore "$T/backup.db" 2> "$T/err" ||
	oc_fail "restore: $(cat "$T/err")"
cat "$T/err"
[ ! -e "$VAULTD_DB-wal" ] || oc_fail "the old write-ahead log outlived the restore"
[ ! -e "$VAULTD_DB-journal" ] || oc_fail "the old rollback journal outlived the restore"
[ "$(stat -c %a "$VAULTD_DB")" = 600 ] || oc_fail "restored mode $(stat -c %a "$VAULTD_DB")"
[ "$(ls "$T" | grep -c 'vault.db.restore')" = 0 ] || oc_fail "a temporary file was left"
oc_serve_vaultd
vd_call 200 GET "/v1/vaults/$V/secrets/kept"
[ "$(vd_field '[.value, .version] | join("|")')" = "before-backup|1" ] ||
	oc_fail "restored secret: $(cat "$T/.body")"
vd_call 404 GET "/v1/vaults/$V/secrets/later"
# And it takes writes again.
vd_call 201 PUT "/v1/vaults/$V/secrets/later" '{"value":"after-restore"}'

# A restore only reads its FILE: restored from the crash copy, whose last
# commits are in its log, the new database has them, and neither the copy
# nor its log changed (SQLite folds a log into its file on close).
mkdir "$T/r"
cp "$VAULTD_DB.master-key" "$T/r/vault.db.master-key"
sums=$(cd "$T/crash" && sha256sum vault.db vault.db-wal)
$VAULTD --db "$T/r/vault.db" --restore "$T/crash/vault.db" 2> "$T/err" ||
	oc_fail "restore of the crash copy: $(cat "$T/err")"
[ "$(cd "$T/crash" && sha256sum vault.db vault.db-wal 2>&1)" = "$sums" ] ||
	oc_fail "the restore changed its FILE: $(ls -l "$T/crash")"
[ "$(sqlite3 "file:$T/r/vault.db?mode=ro" 'SELECT count(*) FROM versions')" = 3 ] ||
	oc_fail "the crash copy's logged commits are not in its restore"
exit 0
