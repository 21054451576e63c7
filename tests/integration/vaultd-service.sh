#!/bin/sh
# oneclaw-vaultd.service as systemd runs it, without systemd: its
# ExecStartPre, ExecStart and ExecReload lines, taken from the built unit,
# run with the default configuration file as installed, the state
# directory and the port (0) the only changes.  The first start creates the
# database, the master key and the admin key (0600); a restart keeps them;
# reload keeps serving.  The unit carries the hardening the deployment
# relies on.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
unit="$BUILD/src/vaultd/oneclaw-vaultd.service"
default_conf="$SRC/src/vaultd/vaultd.conf"
[ -f "$unit" ] || oc_fail "the unit was not built"
VAULTD_LOG="$OC_LOG_DIR/$(basename "$0").vaultd.log"
: > "$VAULTD_LOG"

# The settings the service depends on.
for kv in User=oneclaw-vaultd Group=oneclaw-vaultd \
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

# systemd_start: ExecStartPre, then ExecStart, as the unit's umask.
systemd_start() {
	(umask 077 && $pre) 2>> "$VAULTD_LOG" || oc_fail "ExecStartPre failed"
	rm -f "$T/port"
	(umask 077 && exec $OC_WRAP_VAULTD $start) 2>> "$VAULTD_LOG" &
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

# Restart: nothing created again, the data kept.
oc_stop_vaultd
systemd_start
grep -q "exists; nothing to initialise" "$VAULTD_LOG" ||
	oc_fail "the second ExecStartPre did not leave the database alone"
cksum "$state/vault.db.master-key" "$state/admin.key" | cmp -s - "$T/sums" ||
	oc_fail "a restart changed the keys"
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults[0].name')" = kept ] || oc_fail "the vault was lost over a restart"
oc_stop_vaultd
grep -q "oneclaw-vaultd: stopped" "$VAULTD_LOG" || oc_fail "no stop line"
exit 0
