#!/bin/sh
# module-offline.sh - the module as p11-kit loads it into every process
# that asks for modules: listing slots, tokens and mechanisms sends no
# request, with a credential in the environment and vaults configured or
# not; the network is used from the first session on.  With no vault
# configured a stand-in token "1claw" answers, and a failed vault listing
# is the error of the session that needed it.  The generated .module file
# names the module by absolute path and loads it only in the programs of
# its enable-in list.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool p11tool p11-kit node curl sha256sum
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault "quiet vault")
vid2=$(oc_create_vault "second vault")
printf 'offline-%s' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v"
oc_secret "$(cat "$T/v")"
mod_put "$vid" app/secret "$T/v"
# No retries: a refused connection fails at once.
printf 'retries = 0\n' > "$ONECLAW_PKCS11_CONF"

# quiet WHAT: no request reached the server since the log was emptied.
quiet() {
	[ -s "$T/wire.log" ] && { cat "$T/wire.log" >&2; oc_fail "$1 sent requests"; }
	return 0
}

echo "== credential mode, no vault configured: the stand-in, no request"
mod_env
: > "$T/wire.log"
mod_tool -L || { cat "$T/p11.out" >&2; oc_fail "pkcs11-tool -L"; }
cat "$T/p11.out"
grep -q "token label *: 1claw *\$" "$T/p11.out" || oc_fail "no stand-in token"
grep -q "PIN initialized" "$T/p11.out" || oc_fail "credential mode: user PIN not initialised"
grep -q "login required" "$T/p11.out" && oc_fail "credential mode: login required"
mod_tool -M > /dev/null || oc_fail "pkcs11-tool -M"
mod_client slots > "$T/slots" || oc_fail "slots: $(cat "$T/slots")"
quiet "listing slots, tokens and mechanisms"

echo "== a session on the stand-in lists the vaults; the label stays"
mod_tool --list-objects --type data || { cat "$T/p11.out" >&2; oc_fail "--list-objects"; }
grep -q "label: *'app/secret'" "$T/p11.out" || oc_fail "the stand-in does not show the vault"
[ "$(mod_wire_count "$T/wire.log" 'GET /v1/vaults ')" -ge 1 ] ||
	oc_fail "no vault listing after a session was opened"
# The first vault stands behind the stand-in, the second is a new slot.
mod_client session-slots > "$T/slots" || oc_fail "session-slots: $(cat "$T/slots")"
cat "$T/slots"
[ "$(wc -l < "$T/slots")" -eq 2 ] || oc_fail "not two slots after the listing"
grep -q "^0	1claw *	1claw vault $vid" "$T/slots" || oc_fail "slot 0 is not the stand-in on the first vault"
grep -q "^1	second vault *	1claw vault $vid2" "$T/slots" || oc_fail "slot 1 is not the second vault"
# GnuTLS opens a session on each token it lists: the vault is listed, the
# token keeps its label.
p11tool --provider "$MODULE" --list-tokens > "$T/tokens" 2>&1 ||
	{ cat "$T/tokens" >&2; oc_fail "p11tool --list-tokens"; }
grep -q "Label: 1claw" "$T/tokens" || oc_fail "p11tool: the stand-in changed its label"

echo "== the server away: slots still listed, the session fails with its cause"
ONECLAW_API_URL=http://127.0.0.1:1
export ONECLAW_API_URL
mod_tool -L || { cat "$T/p11.out" >&2; oc_fail "pkcs11-tool -L with the server away"; }
grep -q "token label *: 1claw *\$" "$T/p11.out" || oc_fail "no stand-in with the server away"
mod_tool --list-objects --type data && oc_fail "a session opened without a vault listing"
cat "$T/p11.out"
grep -q "C_OpenSession.*CKR_DEVICE_ERROR" "$T/p11.out" || oc_fail "C_OpenSession is not CKR_DEVICE_ERROR"
# A debug line (tests/lib.sh keeps the debug log in a file), not stderr.
grep -q 'no session on token' "$T/p11.out" &&
	oc_fail "the failed listing is on stderr"
grep -q 'no session on token "1claw": listing vaults: http://127.0.0.1:1: .*connect.*(CKR_DEVICE_ERROR)' \
	"$ONECLAW_PKCS11_DEBUG_FILE" ||
	oc_fail "the failed listing is not in the debug log with its cause"

echo "== a configured vault and name: labelled from the start, no request"
mod_env "$vid" "quiet vault"
: > "$T/wire.log"
mod_tool -L || { cat "$T/p11.out" >&2; oc_fail "pkcs11-tool -L (configured)"; }
cat "$T/p11.out"
grep -q "token label *: quiet vault *\$" "$T/p11.out" || oc_fail "not labelled with the configured name"
grep -q "serial num *: $(mod_serial "$vid") *\$" "$T/p11.out" || oc_fail "serial"
p11tool --provider "$MODULE" --list-tokens > "$T/tokens" 2>&1 ||
	{ cat "$T/tokens" >&2; oc_fail "p11tool --list-tokens (configured)"; }
grep -q "Label: quiet vault" "$T/tokens" || oc_fail "p11tool: not the configured name"
quiet "listing a configured vault"

echo "== the generated module file: absolute path, enable-in"
MODFILE="$BUILD/p11/oneclaw.module"
[ -f "$MODFILE" ] || oc_fail "no generated $MODFILE"
grep -q '^module: /.*/oneclaw-pkcs11\.so$' "$MODFILE" || oc_fail "module: is not an absolute path"
grep -q '^enable-in: .*p11tool' "$MODFILE" || oc_fail "no enable-in for p11tool"
grep -q '^disable-in:' "$MODFILE" && oc_fail "enable-in and disable-in together"
mkdir -p "$T/modules" "$T/bin"
sed "s|^module: .*|module: $MODULE|" "$MODFILE" > "$T/modules/oneclaw.module"
# The same p11tool under a name that is not in enable-in (p11-kit matches
# the name the program runs under).  In the sanitized build p11tool is a
# wrapper (tests/lib.sh oc_san_wrap): the renamed one gets its own.
real_p11tool=$(PATH=$(printf '%s' "$PATH" | sed "s|$T/san-bin:||g") command -v p11tool)
if [ "$OC_SANITIZED" = 1 ]; then
	mkdir -p "$T/bin/real"
	ln -s "$real_p11tool" "$T/bin/real/other-tool"
	sed "s|exec .*|exec '$T/bin/real/other-tool' \"\$@\"|" "$T/san-bin/p11tool" \
		> "$T/bin/other-tool"
	chmod 755 "$T/bin/other-tool"
else
	ln -s "$real_p11tool" "$T/bin/other-tool"
fi
# p11-kit itself hangs at exit under the ASan runtime (module-p11kit.sh):
# the sanitized build leaves it out.  No program may hang the suite.
p11kit_list="timeout 60 p11-kit list-modules"
[ "$OC_SANITIZED" = 1 ] && p11kit_list=:
cat > "$T/run.sh" <<EOS
$p11kit_list > "$T/list" 2>&1
timeout 60 p11tool --list-tokens > "$T/tokens" 2>&1
timeout 60 "$T/bin/other-tool" --list-tokens > "$T/other" 2>&1
EOS
if [ "$(id -u)" -eq 0 ]; then
	# p11-kit reads no user config as root: a private mount namespace.
	oc_need unshare mount pkg-config
	sysdir=$(pkg-config --variable=p11_module_configs p11-kit-1)
	[ -d "$sysdir" ] || oc_skip "no p11-kit module config directory"
	unshare --mount sh -c "mount --bind '$T/modules' '$sysdir' && sh '$T/run.sh'" \
		2> "$T/unshare.err" || {
		grep -qiE "permission|not permitted" "$T/unshare.err" &&
			oc_skip "root without a private mount namespace"
		oc_fail "p11-kit in a private mount namespace: $(cat "$T/unshare.err")"
	}
else
	# A home of the test's own: the user's p11-kit config stays untouched.
	mkdir -p "$T/home/.config/pkcs11/modules"
	cp "$T/modules/oneclaw.module" "$T/home/.config/pkcs11/modules/"
	(HOME=$T/home; export HOME; unset XDG_CONFIG_HOME; sh "$T/run.sh")
fi
if [ "$OC_SANITIZED" != 1 ]; then
	grep -q "^oneclaw: $MODULE" "$T/list" || { cat "$T/list" >&2; oc_fail "p11-kit does not load the module"; }
	grep -q "token: quiet vault" "$T/list" || oc_fail "p11-kit does not show the token"
fi
grep -q "Label: quiet vault" "$T/tokens" || oc_fail "p11tool does not load the module"
grep -q "Label: quiet vault" "$T/other" && oc_fail "a program outside enable-in loaded the module"
quiet "p11-kit-aware programs listing tokens"
exit 0
