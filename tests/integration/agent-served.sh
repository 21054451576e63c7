#!/bin/sh
# agent-served.sh - the served deployment as shipped: the lines of
# p11/systemd/oneclaw-agent@.service (ExecStart, ExecStartPost and the
# unit's environment) run here without systemd, with the paths of this
# build and this test's directories in place of /run, /etc and the
# installed programs.  An agent started with `env -i` and nothing but
# the address `oneclaw-tool agent-socket` prints reads a CMEK secret's
# plaintext through p11-kit-client.so (cmek_values = opened, so p11-kit
# 0.24 suffices).  As root, the socket admits the agent's group and no
# one else.  The units pass `systemd-analyze verify` where it runs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need p11-kit pkcs11-tool
cmek_need_node
cmek_need_module
client=$(oc_p11kit_client)
[ -n "$client" ] || oc_skip "p11-kit-client.so not found"
unit="$BUILD/p11/systemd/oneclaw-agent@.service"
user_unit="$BUILD/p11/systemd/user/oneclaw-agent@.service"
[ -f "$unit" ] && [ -f "$user_unit" ] || oc_fail "the units were not built"
oc_start_vaultd

name=test-agent
oc_keygen "$T/cmek.key"
vid=$(cmek_vault served-vault "$T/cmek.key") || exit 1
cmek_plain "$T/pt" served-
cmek_put "$vid" app/token "$T/cmek.key" "$T/pt" "$T/blob"

# The unit's configuration directory, as its comment says to set it up.
sysconfdir=$(sed -n 's|^Environment=ONECLAW_PKCS11_CONF=\(.*\)/oneclaw/agents/%i/pkcs11.conf$|\1|p' "$unit")
[ -n "$sysconfdir" ] || oc_fail "no ONECLAW_PKCS11_CONF in the unit"
conf_dir="$T/etc/oneclaw/agents/$name"
mkdir -p "$conf_dir" "$T/run/oneclaw-agent/$name" "$T/state"
chmod 700 "$conf_dir"
cp "$ADMIN_KEY_FILE" "$conf_dir/credential"
cp "$T/cmek.key" "$conf_dir/cmek.key"
chmod 600 "$conf_dir/credential" "$conf_dir/cmek.key"
cat > "$conf_dir/pkcs11.conf" <<CONF
api_url = $OC_URL
credential_file = $conf_dir/credential
vaults = $vid
cmek_key_file = $conf_dir/cmek.key
cmek_values = opened
CONF
chmod 600 "$conf_dir/pkcs11.conf"
group=$(id -gn)
echo "ONECLAW_AGENT_GROUP=$group" > "$conf_dir/unit.env"

# unit_line KEY: the unit's KEY= lines, specifiers and paths replaced.
unit_line() {
	sed -n "s/^$1=//p" "$unit" | sed \
		-e "s|%i|$name|g" -e "s|%t|$T/run|g" -e "s|%S|$T/state|g" \
		-e "s|$sysconfdir/oneclaw|$T/etc/oneclaw|g" \
		-e "s|--provider [^ ]*|--provider $MODULE|" \
		-e "s|^+||" -e "s|[^ ]*/oneclaw-tool |$TOOL |" \
		-e "s|\${ONECLAW_AGENT_GROUP}|$group|g"
}
start=$(unit_line ExecStart)
post=$(unit_line ExecStartPost)
case $post in
"/usr/bin/env -i $TOOL agent-socket "*) ;;
*) oc_fail "ExecStartPost does not run with an empty environment: $post" ;;
esac
case $start in
*" server --foreground --provider $MODULE --name $T/run/oneclaw-agent/$name/pkcs11 pkcs11:") ;;
*) oc_fail "unexpected ExecStart: $start" ;;
esac
# The ASan stage reaches p11-kit through its wrapper in PATH.
[ "$OC_SANITIZED" = 1 ] && start="p11-kit ${start#* }"
unit_line Environment > "$T/unit-env"
while IFS= read -r kv; do
	export "${kv?}"
done < "$T/unit-env"
[ "$ONECLAW_PKCS11_AUDIT" = syslog ] ||
	oc_fail "the unit does not turn the audit on (ONECLAW_PKCS11_AUDIT)"
[ "$ONECLAW_TOKEN_CACHE" = "$T/run/oneclaw-agent/$name/token" ] ||
	oc_fail "the unit shares no token between connections"
# No syslog in a test: the same lines go to a file.
ONECLAW_PKCS11_AUDIT="$OC_LOG_DIR/$(basename "$0").audit.log"
: > "$ONECLAW_PKCS11_AUDIT"
exchanges() { grep -c 'POST /v1/auth/api-key-token' "$VAULTD_LOG"; }
ex0=$(exchanges)

# ExecStart, then ExecStartPost as systemd runs them.
$start > "$T/server.out" 2> "$T/server.err" &
OC_P11KIT_PID=$!
OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $OC_P11KIT_PID"
$post > "$T/address" 2> "$T/post.err" ||
	{ cat "$T/post.err" "$T/server.err"; oc_fail "ExecStartPost failed"; }
sock="$T/run/oneclaw-agent/$name/pkcs11"
[ "$(stat -c '%a %G' "$sock")" = "660 $group" ] ||
	oc_fail "socket is $(stat -c '%a %G' "$sock"), want 660 $group"
addr=$(sed -n 's/^P11_KIT_SERVER_ADDRESS=//p' "$T/address")
[ "$addr" = "unix:path=$sock" ] || oc_fail "unexpected address: $addr"
[ "$($TOOL agent-socket --runtime-dir "$T/run" "$name")" = \
	"P11_KIT_SERVER_ADDRESS=$addr" ] || oc_fail "agent-socket disagrees"

# ExecStartPost runs as root in a directory the serving user owns: it
# changes only the server's own socket, never one linked in from
# elsewhere or another user's.
mkdir -p "$T/run/oneclaw-agent/linked"
ln "$sock" "$T/run/oneclaw-agent/linked/pkcs11" ||
	oc_fail "cannot hard-link the socket"
$TOOL agent-socket --runtime-dir "$T/run" --group "$group" linked \
	> /dev/null 2> "$T/linked.err" && oc_fail "a hard-linked socket was changed"
grep -q "is not the server's own socket" "$T/linked.err" ||
	{ cat "$T/linked.err"; oc_fail "no clear refusal of a linked socket"; }
rm -f "$T/run/oneclaw-agent/linked/pkcs11"
if [ "$(id -u)" = 0 ]; then
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"$T/run/oneclaw-agent/linked/pkcs11" || oc_fail "bind a socket"
	chown nobody:nogroup "$T/run/oneclaw-agent/linked/pkcs11"
	chmod 600 "$T/run/oneclaw-agent/linked/pkcs11"
	$TOOL agent-socket --runtime-dir "$T/run" --group "$group" linked \
		> /dev/null 2>&1 && oc_fail "another user's socket was changed"
	[ "$(stat -c '%a %G' "$T/run/oneclaw-agent/linked/pkcs11")" = "600 nogroup" ] ||
		oc_fail "another user's socket changed"
fi

# The agent: nothing but the address.
mkdir -p "$T/agent"
agent_read() {
	env -i PATH=/usr/bin:/bin P11_KIT_SERVER_ADDRESS="$addr" "$@" \
		pkcs11-tool --module "$client" --read-object --type data \
		--label app/token -o "$T/agent/out"
}
agent_read >"$T/agent.log" 2>&1 ||
	{ cat "$T/agent.log" "$T/server.err"; oc_fail "the agent could not read"; }
cmp -s "$T/agent/out" "$T/pt" ||
	oc_fail "the agent's read is not the plaintext"
echo "the agent read app/token's plaintext through the served module"
# More agent processes, each a connection and a fresh module process:
# one token exchange for all of them.
for i in 1 2 3; do
	agent_read >"$T/agent.log" 2>&1 || oc_fail "agent read $i"
done
n=$(($(exchanges) - ex0))
[ "$n" = 1 ] || oc_fail "$n token exchanges for 4 agent processes, want 1"
[ "$(stat -c %a "$T/run/oneclaw-agent/$name/token")" = 600 ] ||
	oc_fail "the token file is not 0600"
echo "served: 1 token exchange for 4 agent processes (token_cache)"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	rm -f "$T/agent/out"
	chmod 755 "$T" # the socket's path, for another user
	chmod 1777 "$T/agent"
	agent_read setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all >"$T/other.log" 2>&1 &&
		oc_fail "a user outside $group reached the token"
	[ -e "$T/agent/out" ] && oc_fail "a user outside $group read the secret"
	grep -q "app/token" "$T/other.log" &&
		oc_fail "a user outside $group saw the object"
	agent_read setpriv --reuid=nobody --regid="$group" --clear-groups \
		--inh-caps=-all >"$T/member.log" 2>&1 ||
		{ cat "$T/member.log"; oc_fail "a member of $group could not read"; }
	cmp -s "$T/agent/out" "$T/pt" || oc_fail "the member's read differs"
	chmod 700 "$T"
	echo "the socket admits group $group only"
fi

# The audit: one line per read, naming the agent (the socket's peer),
# never the value.
# (the agent's PATH, not this shell's: the ASan stage wraps pkcs11-tool)
tool_exe=$(readlink -f "$(env -i PATH=/usr/bin:/bin sh -c 'command -v pkcs11-tool')")
line="op=read result=CKR_OK vault=$vid label=app/token mech=-"
{
	for i in 1 2 3 4; do
		echo "$line caller_pid=N caller_uid=$(id -u) caller_exe=$tool_exe via=socket"
	done
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		echo "$line caller_pid=N caller_uid=$(id -u nobody) caller_exe=$tool_exe via=socket"
} > "$T/audit.want"
sed -e 's/^[^ ]* oneclaw-pkcs11 audit: //' -e 's/caller_pid=[0-9]*/caller_pid=N/' \
	"$ONECLAW_PKCS11_AUDIT" > "$T/audit.got"
cmp -s "$T/audit.got" "$T/audit.want" ||
	{ diff "$T/audit.want" "$T/audit.got"; oc_fail "the audit lines differ"; }
grep -qF "$(cat "$T/pt")" "$ONECLAW_PKCS11_AUDIT" && oc_fail "a value in the audit"
echo "audit: $(wc -l < "$T/audit.got") lines, each naming the agent process"
sed 's/^/  /' "$ONECLAW_PKCS11_AUDIT"

# systemd-analyze verify on instances whose programs exist here.
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/verify/user" "$T/xdg"
	chmod 700 "$T/xdg"
	sed "s|^\(ExecStartPost=+\{0,1\}\)[^ ]*/oneclaw-tool |\1$TOOL |" "$unit" \
		> "$T/verify/oneclaw-agent@$name.service"
	sed "s|^\(ExecStartPost=\)[^ ]*/oneclaw-tool |\1$TOOL |" "$user_unit" \
		> "$T/verify/user/oneclaw-agent@$name.service"
	systemd-analyze verify --man=no \
		"$T/verify/oneclaw-agent@$name.service" > "$T/verify.out" 2>&1
	rc=$?
	XDG_RUNTIME_DIR="$T/xdg" systemd-analyze --user verify --man=no \
		"$T/verify/user/oneclaw-agent@$name.service" >> "$T/verify.out" 2>&1
	rc=$((rc + $?))
	if grep -q "oneclaw-agent@" "$T/verify.out" || [ $rc -ne 0 ]; then
		cat "$T/verify.out"
		oc_fail "systemd-analyze verify"
	fi
	echo "systemd-analyze verify: both units clean"
fi
exit 0
