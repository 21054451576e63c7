#!/bin/sh
# oneclaw-vaultd.service as systemd runs it, without systemd: its
# ExecStartPre, ExecStart and ExecReload lines, taken from the built unit,
# run with the default configuration file as installed, the state
# directory and the port (0) the only changes.  The first start creates the
# database, the master key and the admin key (0600); a restart keeps them;
# reload keeps serving.  systemd hears READY=1 once the server listens
# (Type=notify), RELOADING=1 then READY=1 around a reload, STOPPING=1 at
# the stop.  The unit carries the hardening the deployment relies on.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq python3
oc_setup
unit="$BUILD/src/vaultd/oneclaw-vaultd.service"
default_conf="$SRC/src/vaultd/vaultd.conf"
[ -f "$unit" ] || oc_fail "the unit was not built"
VAULTD_LOG="$OC_LOG_DIR/$(basename "$0").vaultd.log"
: > "$VAULTD_LOG"

# The settings the service depends on.
for kv in Type=notify NotifyAccess=main \
	User=oneclaw-vaultd Group=oneclaw-vaultd \
	StateDirectory=oneclaw-vaultd StateDirectoryMode=0700 \
	ConfigurationDirectory=oneclaw UMask=0077 Restart=on-failure \
	'ExecReload=/bin/kill -HUP $MAINPID' \
	ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes \
	MemoryDenyWriteExecute=yes PrivateTmp=yes PrivateDevices=yes \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	CapabilityBoundingSet= LockPersonality=yes RestrictRealtime=yes \
	SystemCallFilter=@system-service SystemCallArchitectures=native \
	LimitCORE=0; do
	grep -qxF "$kv" "$unit" || oc_fail "the unit lacks $kv"
done
grep -q '^DynamicUser' "$unit" && oc_fail "DynamicUser would lose the state's owner"

# The configuration the unit names, installed as shipped, in a scratch
# /etc; the state directory systemd would make.
conf=$(sed -n 's|^ExecStart=[^ ]* --config \([^ ]*\)$|\1|p' "$unit")
case $conf in
*/oneclaw/vaultd.conf) ;;
*) oc_fail "ExecStart does not read .../oneclaw/vaultd.conf: $conf" ;;
esac
state="$T/var/lib/oneclaw-vaultd"
mkdir -p "$T/etc/oneclaw" "$state"
chmod 700 "$state"
grep -q '^db = /var/lib/oneclaw-vaultd/vault.db$' "$default_conf" ||
	oc_fail "the default db is not under /var/lib/oneclaw-vaultd"
grep -q '^admin-key-file = /var/lib/oneclaw-vaultd/admin.key$' "$default_conf" ||
	oc_fail "the default admin key is not /var/lib/oneclaw-vaultd/admin.key"
grep -q '^listen = 127.0.0.1:8443$' "$default_conf" || oc_fail "the default listen changed"
sed -e "s|/var/lib/oneclaw-vaultd|$state|g" \
	-e "s|^listen = 127.0.0.1:8443$|listen = 127.0.0.1:0|" "$default_conf" \
	> "$T/etc/oneclaw/vaultd.conf"
echo "port-file = $T/port" >> "$T/etc/oneclaw/vaultd.conf"
chmod 644 "$T/etc/oneclaw/vaultd.conf"

# unit_line KEY: the unit's KEY= line, paths replaced.
unit_line() {
	sed -n "s/^$1=//p" "$unit" | sed \
		-e "s|^[^ ]*/oneclaw-vaultd |$VAULTD |" \
		-e "s| $conf| $T/etc/oneclaw/vaultd.conf|g"
}
pre=$(unit_line ExecStartPre)
start=$(unit_line ExecStart)
[ "$pre" = "$VAULTD --config $T/etc/oneclaw/vaultd.conf --init-if-missing" ] ||
	oc_fail "unexpected ExecStartPre: $pre"
[ "$start" = "$VAULTD --config $T/etc/oneclaw/vaultd.conf" ] ||
	oc_fail "unexpected ExecStart: $start"

# listen_notify ADDRESS FILE: systemd's end of NOTIFY_SOCKET (a path, or
# @NAME in the abstract namespace), each datagram a line of FILE.
listen_notify() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a = sys.argv[1]
s.bind("\0" + a[1:] if a[0] == "@" else a)
open(sys.argv[2], "w").close()
open(sys.argv[2] + ".up", "w").close()
while True:
    with open(sys.argv[2], "a") as f:
        f.write(s.recv(4096).decode() + "\n")
' "$1" "$2" &
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $!"
	_i=0
	until [ -e "$2.up" ]; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && oc_fail "the notify listener did not start"
		sleep 0.05
	done
}
listen_notify "$T/notify" "$T/notified"

# notified STATE N [FILE]: waits until STATE has been heard N times.
notified() {
	_f=${3:-$T/notified}
	_i=0
	while [ "$(grep -cx "$1" "$_f")" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && oc_fail "systemd did not hear $1 (time $2): $(cat "$_f")"
		sleep 0.05
	done
}

# systemd_start: ExecStartPre, then ExecStart, as the unit's umask.
systemd_start() {
	(umask 077 && $pre) 2>> "$VAULTD_LOG" || oc_fail "ExecStartPre failed"
	rm -f "$T/port"
	(umask 077 && NOTIFY_SOCKET="$T/notify" &&
		export NOTIFY_SOCKET && exec $OC_WRAP_VAULTD $start) 2>> "$VAULTD_LOG" &
	VAULTD_PID=$!
	oc_wait_file "$T/port" "$VAULTD_PID" "ExecStart"
	OC_PORT=$(cat "$T/port")
	OC_URL="http://127.0.0.1:$OC_PORT"
}

# First start: the database, master key and admin key, 0600 and ours.
systemd_start
for f in vault.db vault.db.master-key admin.key; do
	[ -f "$state/$f" ] || oc_fail "the first start made no $f"
	[ "$(stat -c '%a %u' "$state/$f")" = "600 $(id -u)" ] ||
		oc_fail "$f is $(stat -c '%a %u' "$state/$f"), want 600 $(id -u)"
done
ADMIN_KEY=$(cat "$state/admin.key")
oc_secret "$ADMIN_KEY"
grep -q "created $state/vault.db" "$VAULTD_LOG" || oc_fail "no word of the creation"
notified READY=1 1
vd_call 200 GET /v1/health
vd_call 201 POST /v1/vaults '{"name":"kept"}'
cksum "$state/vault.db.master-key" "$state/admin.key" > "$T/sums"

# Reload: the server keeps answering.
reload=$(sed -n 's/^ExecReload=//p' "$unit" | sed "s/\$MAINPID/$VAULTD_PID/")
$reload || oc_fail "ExecReload failed"
i=0
until grep -q "log files reopened" "$VAULTD_LOG"; do
	i=$((i + 1))
	[ $i -gt 200 ] && oc_fail "reload was not taken"
	sleep 0.05
done
vd_call 200 GET /v1/vaults
notified RELOADING=1 1
notified READY=1 2

# Restart: nothing created again, the data kept.
oc_stop_vaultd
notified STOPPING=1 1
systemd_start
notified READY=1 3
grep -q "exists; nothing to initialise" "$VAULTD_LOG" ||
	oc_fail "the second ExecStartPre did not leave the database alone"
cksum "$state/vault.db.master-key" "$state/admin.key" | cmp -s - "$T/sums" ||
	oc_fail "a restart changed the keys"
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults[0].name')" = kept ] || oc_fail "the vault was lost over a restart"
oc_stop_vaultd
grep -q "oneclaw-vaultd: stopped" "$VAULTD_LOG" || oc_fail "no stop line"

# An abstract NOTIFY_SOCKET (@NAME) is heard too.
listen_notify "@oc-notify-$$" "$T/notified-abstract"
rm -f "$T/port"
NOTIFY_SOCKET="@oc-notify-$$" $OC_WRAP_VAULTD $start 2>> "$VAULTD_LOG" &
VAULTD_PID=$!
oc_wait_file "$T/port" "$VAULTD_PID" "the server"
notified READY=1 1 "$T/notified-abstract"
oc_stop_vaultd
exit 0
