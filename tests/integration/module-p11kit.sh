#!/bin/sh
# module-p11kit.sh - the module registered through a p11-kit module file:
# `p11-kit list-modules` lists it with its token, `p11tool` without
# --provider finds the token and exports a secret, and x-init-reserved
# reaches the module.  p11-kit reads no user config as root, so as root the
# module directory is replaced in a private mount namespace (unshare);
# otherwise a private HOME holds ~/.config/pkcs11/modules.  System
# directories are never changed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
# libp11-kit's own exit handler deadlocks in freelocale() when the ASan
# runtime is preloaded, with or without this module configured.
[ "$OC_SANITIZED" = 1 ] &&
	oc_skip "p11-kit hangs at exit under the ASan runtime (not the module)"
oc_need p11-kit p11tool node curl pkg-config
mod_need
oc_start_vaultd

vid=$(oc_create_vault registered)
printf 'via-p11-kit-%s' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v"
oc_secret "$(cat "$T/v")"
mod_put "$vid" app/secret "$T/v"
mod_env "$vid" registered

mkdir -p "$T/modules"
printf 'module: %s\nx-init-reserved: read_only=true\n' "$MODULE" > "$T/modules/oneclaw.module"

cat > "$T/run.sh" <<EOS
set -e
p11-kit list-modules > "$T/list" 2>&1
p11tool --list-tokens > "$T/tokens" 2>&1
p11tool --export --outder "pkcs11:token=registered;object=app%2Fsecret;type=data" > "$T/out" 2>"$T/err"
EOS
if [ "$(id -u)" -eq 0 ]; then
	oc_need unshare mount
	sysdir=$(pkg-config --variable=p11_module_configs p11-kit-1)
	[ -d "$sysdir" ] || oc_skip "no p11-kit module config directory"
	unshare --mount sh -c "mount --bind '$T/modules' '$sysdir' && sh '$T/run.sh'" \
		2> "$T/unshare.err" || {
		if grep -qiE "permission|not permitted" "$T/unshare.err"; then
			oc_skip "root without a private mount namespace"
		fi
		cat "$T/unshare.err" "$T/list" "$T/tokens" "$T/err" >&2 2>/dev/null
		oc_fail "p11-kit in a private mount namespace"
	}
else
	mkdir -p "$HOME/.config/pkcs11/modules"
	cp "$T/modules/oneclaw.module" "$HOME/.config/pkcs11/modules/"
	unset XDG_CONFIG_HOME
	sh "$T/run.sh" || { cat "$T/list" "$T/tokens" "$T/err" >&2; oc_fail "p11-kit with a private HOME"; }
fi
cat "$T/list"
grep -q "^oneclaw: $MODULE" "$T/list" || oc_fail "p11-kit does not list the module"
grep -q "token: registered" "$T/list" || oc_fail "p11-kit does not show the token"
grep -q "write-protected" "$T/list" || oc_fail "x-init-reserved did not reach the module"
grep -q "Label: registered" "$T/tokens" || oc_fail "p11tool does not find the token"
cmp -s "$T/out" "$T/v" || oc_fail "p11tool --export through p11-kit: the bytes differ"
exit 0
