#!/bin/sh
# oneclaw-vaultd --config FILE: the long options as "key = value" lines
# (comments, blank lines, master_key for master-key), the command line
# winning over the file; every bad file (unknown key, no '=', a key twice
# in either spelling, a line or file too long, a bad value, an action, a
# section, group-writable) is one message naming FILE:LINE, exit 2, and
# nothing started or created.  --init-if-missing creates the database once.
# SIGHUP reopens the debug and wire logs at their paths while serving on.
# With stderr the journal (JOURNAL_STREAM), each line carries its sd-daemon
# priority; elsewhere lines are as before.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
VAULTD_LOG="$OC_LOG_DIR/$(basename "$0").vaultd.log"
: > "$VAULTD_LOG"
VAULTD_DB="$T/state/vault.db"
ADMIN_KEY_FILE="$T/state/admin.key"
mkdir -p "$T/state"
chmod 700 "$T/state"

conf="$T/vaultd.conf"
write_conf() {
	cat > "$conf" <<CONF
# oneclaw-vaultd test settings

db = $VAULTD_DB   # the database
admin_key_file = $ADMIN_KEY_FILE
listen = 127.0.0.1:0
port-file = $T/port
	master_key = $T/state/master.key
threads = 2
CONF
	chmod 600 "$conf"
}

# refused EXPECTED-MESSAGE [extra args]: the file is refused with a message
# that names it, exit 2, and nothing is created or started.
refused() {
	_want=$1
	shift
	rm -f "$T/port"
	$VAULTD --config "$conf" "$@" > "$T/out" 2> "$T/err"
	_rc=$?
	[ $_rc -eq 2 ] || oc_fail "exit $_rc, not 2, for: $_want ($(cat "$T/err"))"
	grep -qF -- "$_want" "$T/err" ||
		oc_fail "no message '$_want': $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] || oc_fail "more than one line: $(cat "$T/err")"
	[ ! -e "$T/port" ] || oc_fail "served despite: $_want"
	[ ! -e "$VAULTD_DB" ] || oc_fail "created a database despite: $_want"
}

# The bad files first, on an empty state directory, with --init-if-missing
# so that anything read past the error would create the database.
write_conf
echo "lsten = 127.0.0.1:1" >> "$conf"
refused "$conf:9: unknown key lsten" --init-if-missing
write_conf
echo "threads 3" >> "$conf"
refused "$conf:9: expected key = value" --init-if-missing
write_conf
echo "threads = 3" >> "$conf"
refused "$conf:9: threads is set twice" --init-if-missing
write_conf
echo "master-key = $T/other.key" >> "$conf"
refused "$conf:9: master-key is set twice" --init-if-missing
write_conf
sed -i 's/^threads = 2$/threads = 0/' "$conf"
refused "$conf:8: threads must be a number from 1 to 64" --init-if-missing
write_conf
sed -i 's/^threads = 2$/request_timeout = 5s/' "$conf"
refused "$conf:8: request-timeout must be a number from 1 to 3600" --init-if-missing
write_conf
echo "listen =" >> "$conf"
sed -i '/^listen = 127/d' "$conf"
refused "$conf:8: listen has no value" --init-if-missing
write_conf
echo "init = yes" >> "$conf"
refused "$conf:9: init is not a setting: give --init on the command line" --init-if-missing
write_conf
echo "config = $conf" >> "$conf"
refused "$conf:9: config is not a setting" --init-if-missing
write_conf
echo "debug = server,nonsense" >> "$conf"
refused "$conf:9: debug: not a list of debug categories" --init-if-missing
write_conf
echo "[vault x]" >> "$conf"
refused "$conf:9: sections have no meaning here" --init-if-missing
write_conf
head -c 5000 /dev/zero | tr '\0' 'x' | sed 's/^/faults = /' >> "$conf"
echo >> "$conf"
refused "$conf:9: line longer than 4096 bytes" --init-if-missing
write_conf
i=0
while [ $i -lt 300 ]; do
	head -c 1000 /dev/zero | tr '\0' '#'
	echo
	i=$((i + 1))
done >> "$conf"
refused "$conf: larger than 262144 bytes" --init-if-missing
write_conf
chmod 620 "$conf"
refused "$conf is writable by group or others; refusing it" --init-if-missing
write_conf
refused "$T/missing.conf: cannot open" --config "$T/missing.conf" --init-if-missing
# A bad value on the command line still names the option.
write_conf
refused "--threads must be a number from 1 to 64" --threads 65 --init-if-missing

# --init-if-missing: once, then nothing; the key files 0600.
write_conf
$VAULTD --config "$conf" --init-if-missing 2>> "$VAULTD_LOG" ||
	oc_fail "--init-if-missing failed"
for f in vault.db master.key admin.key; do
	[ "$(stat -c %a "$T/state/$f")" = 600 ] || oc_fail "$f is not 0600"
done
[ ! -e "$VAULTD_DB.master-key" ] || oc_fail "master_key was not used"
cksum "$T/state/"* > "$T/sums"
$VAULTD --config "$conf" --init-if-missing 2> "$T/err" ||
	oc_fail "--init-if-missing on an existing database: $(cat "$T/err")"
grep -q "exists; nothing to initialise" "$T/err" || oc_fail "no word: $(cat "$T/err")"
cksum "$T/state/"* | cmp -s - "$T/sums" || oc_fail "--init-if-missing changed the state"
# --init itself still refuses an existing database.
$VAULTD --config "$conf" --init 2> "$T/err" && oc_fail "--init overwrote"
ADMIN_KEY=$(cat "$ADMIN_KEY_FILE")
oc_secret "$ADMIN_KEY"

# Serving from the file; the command line wins over it.
start() {
	rm -f "$T/port"
	$OC_WRAP_VAULTD $VAULTD --config "$conf" "$@" 2>> "$VAULTD_LOG" &
	VAULTD_PID=$!
	oc_wait_file "$T/port" "$VAULTD_PID" vaultd
	OC_PORT=$(cat "$T/port")
	OC_URL="http://127.0.0.1:$OC_PORT"
}
start
vd_call 200 GET /v1/health
grep -q "serving $VAULTD_DB, listening on 127.0.0.1:0 port $OC_PORT (2 threads" "$VAULTD_LOG" ||
	oc_fail "no start line with the file's settings"
oc_stop_vaultd
grep -q "oneclaw-vaultd: stopped$" "$VAULTD_LOG" || oc_fail "no stop line"
start --threads 3 --wire-log "$T/wire.log" --debug-file "$T/debug.log" --debug server
grep -q "port $OC_PORT (3 threads" "$VAULTD_LOG" || oc_fail "the command line did not win"

# SIGHUP: the logs moved away (as logrotate does) come back at their paths.
vd_call 201 POST /v1/vaults '{"name":"before-rotate"}'
vid=$(vd_field .id)
vd_call 201 PUT "/v1/vaults/$vid/secrets/a" '{"value":"one"}'
grep -q "before-rotate" "$T/wire.log" || oc_fail "nothing in the wire log"
grep -q "stored version 1 " "$T/debug.log" || oc_fail "nothing in the debug log"
mv "$T/wire.log" "$T/wire.log.1"
mv "$T/debug.log" "$T/debug.log.1"
n=$(grep -c "log files reopened" "$VAULTD_LOG")
kill -HUP "$VAULTD_PID"
i=0
while [ "$(grep -c "log files reopened" "$VAULTD_LOG")" -eq "$n" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && oc_fail "no word of the logs reopened"
	sleep 0.05
done
kill -0 "$VAULTD_PID" || oc_fail "SIGHUP stopped the server"
vd_call 201 POST /v1/vaults '{"name":"after-rotate"}'
vd_call 201 PUT "/v1/vaults/$vid/secrets/a" '{"value":"two"}'
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults | length')" = 2 ] || oc_fail "a vault lost over SIGHUP"
[ -f "$T/wire.log" ] && [ -f "$T/debug.log" ] || oc_fail "no new log files"
[ "$(stat -c %a "$T/wire.log")" = 600 ] || oc_fail "new wire log not 0600"
[ "$(stat -c %a "$T/debug.log")" = 600 ] || oc_fail "new debug log not 0600"
grep -q "after-rotate" "$T/wire.log" || oc_fail "the new request is not in the new wire log"
grep -q "after-rotate" "$T/wire.log.1" && oc_fail "the new request went to the moved wire log"
grep -q "stored version 2 " "$T/debug.log" || oc_fail "nothing in the new debug log"
grep -q "stored version 2 " "$T/debug.log.1" && oc_fail "a new line in the moved debug log"
grep -q "before-rotate" "$T/wire.log.1" || oc_fail "the moved wire log lost its lines"
oc_stop_vaultd

# The journal: each line with its priority, as sd-daemon(3) has it.
: > "$T/journal"
stream=$(stat -c %d:%i "$T/journal")
rm -f "$T/port"
JOURNAL_STREAM=$stream ONECLAW_PKCS11_DEBUG=server,bogus \
	env -u ONECLAW_PKCS11_DEBUG_FILE \
	$OC_WRAP_VAULTD $VAULTD --config "$conf" 2>> "$T/journal" &
VAULTD_PID=$!
oc_wait_file "$T/port" "$VAULTD_PID" vaultd
OC_PORT=$(cat "$T/port")
OC_URL="http://127.0.0.1:$OC_PORT"
vd_call 200 GET /v1/health
oc_stop_vaultd
grep -q '^<6>oneclaw-vaultd [^ ]*: serving ' "$T/journal" || oc_fail "no <6> start line"
grep -q '^<6>oneclaw-vaultd: GET /v1/health 200 ' "$T/journal" || oc_fail "no <6> request line"
grep -q '^<6>oneclaw-vaultd: stopped$' "$T/journal" || oc_fail "no <6> stop line"
grep -q '^<7>oneclaw\[[0-9]*\] server ' "$T/journal" || oc_fail "no <7> debug line"
grep -q '^<4>oneclaw: ONECLAW_PKCS11_DEBUG: ignoring unknown debug category bogus' \
	"$T/journal" || oc_fail "no <4> warning"
grep -v '^<[3467]>' "$T/journal" && oc_fail "a line without its priority"
JOURNAL_STREAM=$stream $VAULTD --config "$conf" --threads 0 2>> "$T/journal"
grep -q '^<3>oneclaw\[[0-9]*\]: oneclaw-vaultd: --threads must be' "$T/journal" ||
	oc_fail "no <3> error line"
cat "$T/journal" >> "$VAULTD_LOG"
# Elsewhere (JOURNAL_STREAM inherited, stderr another file): no prefix.
JOURNAL_STREAM=$stream $VAULTD --config "$conf" --threads 0 2> "$T/err"
grep -q '^oneclaw\[[0-9]*\]: oneclaw-vaultd: --threads must be' "$T/err" ||
	oc_fail "a priority on a stderr that is not the journal: $(cat "$T/err")"
exit 0
