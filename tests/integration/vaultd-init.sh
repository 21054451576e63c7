#!/bin/sh
# --init: the database, master key and admin key files (mode 0600); it
# refuses to overwrite a database or an admin key file; usage errors; serving writes the port file and
# SIGTERM stops cleanly; the admin key works as a raw bearer.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
VAULTD_LOG="$OC_LOG_DIR/$(basename "$0").vaultd.log"

mode() {
	stat -c %a "$1"
}

$VAULTD --db "$T/vault.db" --init --admin-key-file "$T/admin.key" 2>>"$VAULTD_LOG" ||
	oc_fail "--init failed"
for f in vault.db vault.db.master-key admin.key; do
	[ -f "$T/$f" ] || oc_fail "$f missing"
	[ "$(mode "$T/$f")" = 600 ] || oc_fail "$f has mode $(mode "$T/$f")"
done
[ "$(wc -c < "$T/vault.db.master-key")" -eq 32 ] || oc_fail "master key size"
grep -qE '^1ck_[A-Za-z0-9_-]{43}$' "$T/admin.key" || oc_fail "admin key shape"
oc_secret "$(cat "$T/admin.key")"

# Never overwrites a database.
cp "$T/admin.key" "$T/admin.key.orig"
if $VAULTD --db "$T/vault.db" --init --admin-key-file "$T/admin2.key" 2>"$T/err"; then
	oc_fail "--init overwrote a database"
fi
grep -q "already exists" "$T/err" || oc_fail "no clear message: $(cat "$T/err")"
[ ! -e "$T/admin2.key" ] || oc_fail "a refused --init wrote a key"
cmp -s "$T/admin.key" "$T/admin.key.orig" || oc_fail "admin key changed"

# Never writes into an existing admin key file: one owned by someone else
# would keep its owner (who could read the key) whatever the mode.
echo "not yours" > "$T/taken.key"
chmod 644 "$T/taken.key"
chown nobody "$T/taken.key" 2>/dev/null || true
if $VAULTD --db "$T/new.db" --init --admin-key-file "$T/taken.key" 2>"$T/err"; then
	oc_fail "--init wrote into an existing admin key file"
fi
grep -q "taken.key" "$T/err" || oc_fail "no clear message: $(cat "$T/err")"
[ "$(cat "$T/taken.key")" = "not yours" ] || oc_fail "existing key file changed"
[ ! -e "$T/new.db" ] && [ ! -e "$T/new.db.master-key" ] ||
	oc_fail "a refused --init left a database or master key"
ln -s "$T/elsewhere" "$T/link.key"
if $VAULTD --db "$T/new.db" --init --admin-key-file "$T/link.key" 2>"$T/err"; then
	oc_fail "--init followed a symbolic link"
fi
[ ! -e "$T/elsewhere" ] || oc_fail "--init wrote through a symbolic link"

# Usage errors exit 2 and serve nothing.
for args in "" "--init" "--db $T/x.db" "--db $T/x.db --init" \
	"--db $T/x.db --bogus" "--db $T/x.db --listen 127.0.0.1:0 extra" \
	"--db $T/x.db --listen 127.0.0.1:0 --request-timeout 0" \
	"--db $T/x.db --listen 127.0.0.1:0 --threads 65" \
	"--db $T/x.db --listen 127.0.0.1:0 --max-connections -1" \
	"--db $T/x.db --listen 127.0.0.1:0 --max-connections-per-ip +5" \
	"--db $T/x.db --listen 127.0.0.1:0 --request-timeout 5s"; do
	# shellcheck disable=SC2086
	$VAULTD $args >/dev/null 2>&1
	[ $? -eq 2 ] || oc_fail "usage error not exit 2: $args"
done
$VAULTD --db "$T/x.db" --listen 127.0.0.1:0 --threads 0 2>"$T/err"
grep -q -- "--threads must be a number from 1 to 64" "$T/err" ||
	oc_fail "no clear message for a bad --threads: $(cat "$T/err")"
# Serving a missing or foreign database fails with a message.
if $VAULTD --db "$T/none.db" --listen 127.0.0.1:0 2>"$T/err"; then
	oc_fail "served a missing database"
fi
[ -s "$T/err" ] || oc_fail "no message for a missing database"
: > "$T/empty.db"
if $VAULTD --db "$T/empty.db" --listen 127.0.0.1:0 2>"$T/err"; then
	oc_fail "served a foreign database"
fi
if $VAULTD --db "$T/vault.db" --listen nowhere 2>"$T/err"; then
	oc_fail "accepted a bad --listen"
fi
# A master key readable by others is refused.
chmod 644 "$T/vault.db.master-key"
if $VAULTD --db "$T/vault.db" --listen 127.0.0.1:0 2>"$T/err"; then
	oc_fail "served with a world-readable master key"
fi
grep -q "0600" "$T/err" || oc_fail "no clear message: $(cat "$T/err")"
chmod 600 "$T/vault.db.master-key"

# Serve: port file, admin key as raw bearer, health.
oc_start_vaultd
[ "$OC_PORT" -gt 0 ] || oc_fail "bad port file"
vd_call 200 GET /v1/health
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults | length')" = 0 ] || oc_fail "a new database has vaults"
# SIGTERM stops cleanly (exit 0) and the data stays.
vd_call 201 POST /v1/vaults '{"name":"kept"}'
kill -TERM "$VAULTD_PID"
wait "$VAULTD_PID"
rc=$?
VAULTD_PID=
[ $rc -eq 0 ] || oc_fail "SIGTERM exit status $rc"
grep -q "stopping" "$VAULTD_LOG" || oc_fail "no shutdown message"
oc_serve_vaultd
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults[0].name')" = kept ] || oc_fail "vault lost over a restart"
exit 0
