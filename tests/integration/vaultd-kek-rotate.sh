#!/bin/sh
# Rotation of the server's master key (--rotate-kek) over 2,500 secrets in
# three vaults, one of them CMEK.  Refused, changing nothing and creating
# no key: while a server runs, with a master key that does not open the
# database, with a new key path in a missing directory, with the key in
# use as the new one, with a master key path too long.  While it runs, no
# server starts and no backup is taken.  Killed with -9 after its first
# batch: the database
# records exactly that batch, no server starts on it (with either key), a
# different new key is refused, and running the same command again
# finishes it.  Then the old key opens nothing, the same command again
# says the rotation is finished, and a server with the new key reads every
# secret back.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node sqlite3
oc_setup
oc_start_vaultd
bulk() {
	OC_URL=$OC_URL OC_TOKEN=$ADMIN_KEY node "$SRC/tests/integration/vaultd-bulk.js" "$@"
}
VA=$(oc_create_vault kek-a)
VB=$(oc_create_vault kek-b)
VC=$(oc_create_vault kek-cmek)
oc_keygen "$T/cmek.key"
oc_keygen "$T/other-cmek.key"
K=$(cat "$T/cmek.key")
vd_call 200 POST "/v1/vaults/$VC/cmek" "{\"fingerprint\":\"$(vd_cmek fpr "$K")\"}"
bulk put "$VA" 1200 a > /dev/null || oc_fail "seeding a"
bulk put "$VB" 800 b > /dev/null || oc_fail "seeding b"
vd_cmek put "$VC" "$K" 500 c > /dev/null || oc_fail "seeding c"
N=$(sqlite3 "file:$VAULTD_DB?mode=ro" 'SELECT count(*) FROM versions')
[ "$N" = 2500 ] || oc_fail "$N versions seeded"
OLD="$VAULTD_DB.master-key"
NEW="$T/new.key"

# state: the files beside the database (its log aside: SQLite may fold it
# in on any close) and the database's content.
state() {
	( cd "$T" && ls -a | grep -v '^state\.\|^err$\|-wal$\|-shm$' &&
		sqlite3 "file:vault.db?mode=ro" .dump | sha256sum )
}

# refused WHAT ARGS: --rotate-kek ARGS fails saying WHAT and changes
# nothing (no new key file either).
refused() {
	_what=$1
	shift
	state > "$T/state.before"
	$VAULTD --db "$VAULTD_DB" --rotate-kek "$@" 2> "$T/err" &&
		oc_fail "rotation $* succeeded"
	grep -q "$_what" "$T/err" || oc_fail "rotation $*: $(cat "$T/err")"
	state > "$T/state.after"
	cmp -s "$T/state.before" "$T/state.after" ||
		oc_fail "rotation $* changed $(diff "$T/state.before" "$T/state.after")"
	echo "refused: $(head -n1 "$T/err")"
}

refused "in use" --new-master-key "$NEW"
oc_stop_vaultd
( umask 077 && head -c 32 /dev/urandom > "$T/wrong.key" )
refused "does not open" --master-key "$T/wrong.key" --new-master-key "$NEW"
refused "cannot create master key" --new-master-key "$T/nodir/new.key"
refused "is the KEK in use" --new-master-key "$OLD"
refused "master key path is too long" --master-key "$(printf "$T/%04100d" 0)" \
	--new-master-key "$NEW"

# Killed after its first batch (held there by a test-only fault).
: > "$T/hold"
$VAULTD --db "$VAULTD_DB" --rotate-kek --new-master-key "$NEW" \
	--faults "rotate-hold=$T/hold" 2> "$T/rot.err" &
RPID=$!
OC_EXTRA_PIDS=$RPID
at() {
	sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT v FROM meta WHERE k = 'kek_rotation_at'"
}
i=0
while [ "$(at)" = "" ] || [ "$(at)" = 0 ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && oc_fail "the rotation made no progress: $(cat "$T/rot.err")"
	kill -0 $RPID 2>/dev/null || oc_fail "the rotation ended early: $(cat "$T/rot.err")"
	sleep 0.05
done
# While it runs, neither a server nor a backup gets the database.
$VAULTD --db "$VAULTD_DB" --master-key "$NEW" --listen 127.0.0.1:0 \
	--port-file "$T/port.x" 2> "$T/err" && oc_fail "a server started beside the rotation"
grep -q "held by a restore or a KEK rotation" "$T/err" || oc_fail "beside the rotation: $(cat "$T/err")"
$VAULTD --db "$VAULTD_DB" --backup "$T/during.db" 2> "$T/err" && oc_fail "a backup ran beside the rotation"
grep -q "held by a restore or a KEK rotation" "$T/err" || oc_fail "backup beside the rotation: $(cat "$T/err")"
[ ! -e "$T/during.db" ] || oc_fail "a backup file was left"
echo "refused: $(head -n1 "$T/err")"
kill -9 $RPID
wait $RPID 2>/dev/null
OC_EXTRA_PIDS=
[ "$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT count(*) FROM versions WHERE rowid <= $(at)")" = 100 ] ||
	oc_fail "the record is not at the end of the first batch: $(at)"
[ "$(stat -c %a "$NEW")" = 600 ] || oc_fail "new key mode $(stat -c %a "$NEW")"

# No server while it is unfinished, with either key.
for key in "$OLD" "$NEW"; do
	$VAULTD --db "$VAULTD_DB" --master-key "$key" --listen 127.0.0.1:0 \
		--port-file "$T/port.x" 2> "$T/err" && oc_fail "a server started mid-rotation"
	grep -q "unfinished" "$T/err" || oc_fail "mid-rotation start: $(cat "$T/err")"
done
echo "refused: $(head -n1 "$T/err")"
# Neither with another new key.
( umask 077 && head -c 32 /dev/urandom > "$T/other.key" )
refused "give those keys" --new-master-key "$T/other.key"
refused "cannot read the new master key" --new-master-key "$T/missing.key"

$VAULTD --db "$VAULTD_DB" --rotate-kek --new-master-key "$NEW" 2> "$T/err" ||
	oc_fail "resume: $(cat "$T/err")"
cat "$T/err"
grep -q "finishing the rotation" "$T/err" || oc_fail "not a resume"
grep -q "re-wrapped $((N - 100)) DEKs" "$T/err" || oc_fail "resume count"
[ "$(sqlite3 "file:$VAULTD_DB?mode=ro" "SELECT count(*) FROM meta WHERE k LIKE 'kek_rotation%'")" = 0 ] ||
	oc_fail "the rotation record outlived it"

# The old key opens nothing now.
$VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --port-file "$T/port.x" 2> "$T/err" &&
	oc_fail "a server started with the old key"
grep -q "does not open" "$T/err" || oc_fail "old key: $(cat "$T/err")"
refused "does not open" --new-master-key "$T/other.key"
# Killed after its last transaction, before it could say so: the same
# command again says it is finished, changing nothing.
state > "$T/state.before"
$VAULTD --db "$VAULTD_DB" --rotate-kek --new-master-key "$NEW" 2> "$T/err" ||
	oc_fail "the finished rotation run again: $(cat "$T/err")"
grep -q "a rotation to it is finished" "$T/err" || oc_fail "run again: $(cat "$T/err")"
state > "$T/state.after"
cmp -s "$T/state.before" "$T/state.after" || oc_fail "running it again changed the database"

oc_serve_vaultd --master-key "$NEW"
bulk check "$VA" 1200 a || oc_fail "vault a after the rotation"
bulk check "$VB" 800 b || oc_fail "vault b after the rotation"
vd_cmek check "$VC" "$K" "$(cat "$T/other-cmek.key")" 500 c ||
	oc_fail "the CMEK vault after the rotation"
vd_call 201 PUT "/v1/vaults/$VA/secrets/after" '{"value":"after-rotation"}'
exit 0
