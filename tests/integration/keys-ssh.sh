#!/bin/sh
# keys-ssh.sh - OpenSSH with keys that live only in the vault: `ssh_key`
# secrets (OpenSSH format from ssh-keygen for Ed25519, ECDSA P-256/P-384
# and RSA, and a PEM RSA key) appear as key objects; `ssh-keygen -D` prints
# their public keys; `ssh -I` logs in to an sshd started by the test on a
# loopback port with each key OpenSSH's PKCS#11 support handles; ssh-agent
# with `ssh-add -s` logs in too and signs with `ssh-keygen -Y sign`,
# checked by `ssh-keygen -Y verify`.  Where sshd cannot run (no root for
# its privilege separation directory), the agent signature stands in.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
keys_need
oc_need ssh ssh-keygen ssh-agent ssh-add timeout
: > "$ONECLAW_PKCS11_DEBUG_FILE"
oc_start_vaultd

# The keys: OpenSSH's own format, and one RSA key in PEM.
mkdir -p "$T/keys"
gen() {
	ssh-keygen -q "$@" -N '' -C "oneclaw-test" >"$T/gen.out" 2>&1 ||
		{ cat "$T/gen.out" >&2; oc_fail "ssh-keygen $*"; }
}
gen -t ed25519 -f "$T/keys/ed25519"
gen -t ecdsa -b 256 -f "$T/keys/ecdsa"
gen -t ecdsa -b 384 -f "$T/keys/ecdsa384"
gen -t rsa -b 3072 -f "$T/keys/rsa"
gen -t rsa -b 2048 -m PEM -f "$T/keys/rsa-pem"
grep -q 'BEGIN RSA PRIVATE KEY' "$T/keys/rsa-pem" || oc_fail "rsa-pem is not PEM"
ALL="ed25519 ecdsa ecdsa384 rsa rsa-pem"
vid=$(oc_create_vault ssh)
[ -n "$vid" ] || oc_fail "create vault"
for k in $ALL; do
	keys_register "$T/keys/$k"
	keys_put "$vid" "ssh/$k" ssh_key "$T/keys/$k"
	# From here on the private keys exist only in the vault.
	rm -f "$T/keys/$k"
	chmod 600 "$T/keys/$k.pub"
done
mod_env "$vid"

echo "== the token's key objects"
[ "$(keys_labels privkey | tr '\n' ' ')" = \
	"ssh/ecdsa ssh/ecdsa384 ssh/ed25519 ssh/rsa ssh/rsa-pem " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "private key objects"; }

# pubkey KEY: "type base64" of a .pub file (the comment differs).
pubkey() {
	cut -d' ' -f1,2 "$T/keys/$1.pub"
}

echo "== ssh-keygen -D"
timeout 60 ssh-keygen -D "$MODULE" > "$T/D.out" 2>"$T/D.err" ||
	{ cat "$T/D.err" >&2; oc_fail "ssh-keygen -D"; }
cat "$T/D.out"
cut -d' ' -f1,2 "$T/D.out" | sort > "$T/D.keys"
SSH_KEYS=
for k in $ALL; do
	if grep -qxF "$(pubkey "$k")" "$T/D.keys"; then
		SSH_KEYS="$SSH_KEYS $k"
	else
		case $k in
		ed25519)
			# OpenSSH before 9.4 skips Ed25519 token keys
			# ("skipping unsupported key type").
			echo "note: $(ssh -V 2>&1 | cut -d, -f1) does not" \
				"take Ed25519 keys from PKCS#11" ;;
		*)
			oc_fail "ssh-keygen -D does not print ssh/$k" ;;
		esac
	fi
done
# Nothing else: every key printed is one of ours.
for k in $ALL; do pubkey "$k"; done | sort > "$T/ours"
[ -z "$(comm -23 "$T/D.keys" "$T/ours")" ] ||
	oc_fail "ssh-keygen -D prints keys that are not in the vault"

# ssh OPTIONS...: the client, bounded, never asking anything.
sshc() {
	timeout 30 ssh -F /dev/null -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=10 "$@"
}
fp() {
	ssh-keygen -lf "$T/keys/$1.pub" | cut -d' ' -f2
}
# fp_re KEY: the fingerprint as an extended regex ('+' is base64; sshd -e
# ends its lines with CR LF, so no $ after it).
fp_re() {
	fp "$1" | sed 's/[+.]/\\&/g'
}

echo "== sshd on 127.0.0.1"
USER_NAME=$(id -un)
SSHD=
if [ -x /usr/sbin/sshd ]; then
	SSHD=/usr/sbin/sshd
	if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
		# The privilege separation directory of Debian's sshd.
		mkdir -p /run/sshd && chmod 755 /run/sshd
	fi
fi
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" >/dev/null 2>&1 ||
	oc_fail "host key"
cat > "$T/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PidFile $T/sshd.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
LogLevel VERBOSE
EOF
SSHD_PID=
if [ -n "$SSHD" ]; then
	for _ in 1 2 3; do
		port=$(keys_free_port)
		: > "$T/sshd.log"
		$SSHD -D -e -f "$T/sshd_config" -p "$port" \
			>>"$T/sshd.log" 2>&1 &
		SSHD_PID=$!
		OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $SSHD_PID"
		keys_wait_for "$T/sshd.log" '^Server listening on 127\.0\.0\.1' \
			"$SSHD_PID" && break
		kill "$SSHD_PID" 2>/dev/null
		SSHD_PID=
		# A port taken meanwhile is tried again; anything else is
		# this machine's sshd unable to run here.
		grep -q 'Address already in use' "$T/sshd.log" || break
	done
fi
if [ -z "$SSHD_PID" ]; then
	echo "note: sshd cannot run here; only the agent signature is checked"
	[ -s "$T/sshd.log" ] && cat "$T/sshd.log"
fi

# login KEY ARGS...: authorized_keys holds KEY only; ssh ARGS logs in, and
# sshd says it accepted exactly that key.
login() {
	_k=$1
	shift
	pubkey "$_k" > "$T/authorized_keys"
	_n=$(grep -c '^Accepted publickey' "$T/sshd.log")
	sshc -p "$port" "$@" "$USER_NAME@127.0.0.1" echo "in-with-$_k" \
		> "$T/ssh.out" 2>&1 < /dev/null ||
		{ cat "$T/ssh.out" >&2; tail -n 20 "$T/sshd.log" >&2;
		  oc_fail "ssh login with ssh/$_k"; }
	grep -qx "in-with-$_k" "$T/ssh.out" ||
		{ cat "$T/ssh.out" >&2; oc_fail "ssh ran nothing with ssh/$_k"; }
	_re="Accepted publickey for $USER_NAME from 127\\.0\\.0\\.1 .*"
	keys_wait_for "$T/sshd.log" "$_re $(fp_re "$_k")" "$SSHD_PID" ||
		{ tail -n 20 "$T/sshd.log" >&2;
		  oc_fail "sshd did not accept ssh/$_k"; }
	[ "$(grep -c '^Accepted publickey' "$T/sshd.log")" -eq $((_n + 1)) ] ||
		oc_fail "not one login with ssh/$_k"
}

if [ -n "$SSHD_PID" ]; then
	echo "== ssh -I (the module in the ssh process)"
	for k in $SSH_KEYS; do
		login "$k" -I "$MODULE"
		echo "ssh/$k: logged in ($(fp "$k"))"
	done
	# A key the vault does not hold gets nobody in.
	ssh-keygen -q -t ecdsa -N '' -f "$T/other" >/dev/null 2>&1
	cut -d' ' -f1,2 "$T/other.pub" > "$T/authorized_keys"
	sshc -p "$port" -I "$MODULE" "$USER_NAME@127.0.0.1" true \
		>"$T/ssh.out" 2>&1 < /dev/null &&
		oc_fail "ssh got in with a key the vault does not hold"
fi

if [ "$OC_SANITIZED" = 1 ]; then
	# ssh-agent runs the module in ssh-pkcs11-helper with a clean
	# environment, so without the ASan runtime the sanitized module
	# cannot load; ssh -I above ran the same signing code sanitized.
	echo "keys-ssh ok (ssh-agent part not run: sanitized build)"
	exit 0
fi
echo "== ssh-agent with ssh-add -s"
# The agent loads only providers on its allow list, by real path.
MODREAL=$(readlink -f "$MODULE")
eval "$(ssh-agent -s -a "$T/agent.sock" -P "$MODREAL")" > /dev/null ||
	oc_fail "ssh-agent"
OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $SSH_AGENT_PID"
# ssh-add asks for the token's PIN; the module in credential mode needs
# none, so the answer is empty.
printf '#!/bin/sh\necho\n' > "$T/askpass"
chmod 700 "$T/askpass"
SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	timeout 60 ssh-add -s "$MODREAL" > "$T/add.out" 2>&1 < /dev/null ||
	{ cat "$T/add.out" >&2; oc_fail "ssh-add -s"; }
timeout 30 ssh-add -L > "$T/agent.keys" 2>&1 ||
	{ cat "$T/agent.keys" >&2; oc_fail "ssh-add -L"; }
for k in $SSH_KEYS; do
	cut -d' ' -f1,2 "$T/agent.keys" | grep -qxF "$(pubkey "$k")" ||
		{ cat "$T/agent.keys" >&2; oc_fail "the agent lacks ssh/$k"; }
done
if [ -n "$SSHD_PID" ]; then
	for k in $SSH_KEYS; do
		login "$k"
		echo "ssh/$k: logged in through the agent"
	done
fi
# A signature made by the agent (so by the module), checked by OpenSSH.
printf 'signed through the vault %s\n' "$(date +%s)" > "$T/msg"
for k in $SSH_KEYS; do
	rm -f "$T/msg.sig"
	timeout 30 ssh-keygen -Y sign -f "$T/keys/$k.pub" -n oneclaw-test \
		"$T/msg" > "$T/sign.out" 2>&1 ||
		{ cat "$T/sign.out" >&2; oc_fail "ssh-keygen -Y sign with ssh/$k"; }
	echo "tester $(pubkey "$k")" > "$T/allowed"
	ssh-keygen -Y verify -f "$T/allowed" -I tester -n oneclaw-test \
		-s "$T/msg.sig" < "$T/msg" > "$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; oc_fail "-Y verify with ssh/$k"; }
	echo "ssh/$k: $(cat "$T/verify.out")"
done
timeout 30 ssh-add -e "$MODREAL" > /dev/null 2>&1 || true
kill "$SSH_AGENT_PID" 2>/dev/null || true
echo "keys-ssh ok"
