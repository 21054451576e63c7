#!/bin/sh
# The packages, built, checked, installed, used and purged on this machine:
# the steps of README.md's "Install from packages", in its order.
#
#   1. the tree (its files as git has them, or the release tarball's) is
#      copied to a temporary directory and built there with
#      `dpkg-buildpackage -us -uc -b` (DEB_BUILD_OPTIONS=nocheck);
#   2. lintian on the .changes: any error fails;
#   3. the packages installed with apt-get, offline (every dependency is
#      already here: scripts/deps);
#   4. `p11-kit list-modules` names the installed module, the only library
#      the packages hold; every program's --version is configure.ac's; the
#      installed header compiles;
#   5. oneclaw-vaultd started as its installed unit starts it (no systemd
#      here: the unit's ExecStartPre= and ExecStart= lines, as its User=,
#      on a free loopback port), a CMEK vault and a secret made with the
#      installed oneclaw-tool and the admin key, an agent bound to the vault
#      with a read policy on a path glob, and the secret read through the
#      installed module with the agent's key, by pkcs11-tool on its path and
#      by p11tool through p11-kit's registration; outside the glob the agent
#      reads nothing;
#   6. `apt-get purge`: every file dpkg listed is gone, so are the state
#      directory, the system user and p11-kit's module.
#
# It changes the machine (packages, a system user, a p11-kit module every
# p11-kit-aware program may load), so it runs alone, after every other
# check, and a trap purges whatever it installed however it ends.  It needs
# root (or passwordless sudo; else it skips, exit 77), and refuses to run
# when any of the packages is already installed.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n sh "$0" "$@"
	fi
	echo "SKIP: packages: installing packages needs root or passwordless sudo"
	exit 77
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
packages="oneclaw-pkcs11 oneclaw-tool oneclaw-vaultd oneclaw-pkcs11-dev"
user=oneclaw-vaultd
state=/var/lib/oneclaw-vaultd
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
module=/usr/lib/$arch/pkcs11/oneclaw-pkcs11.so
# configure.ac sets it once, as major, minor and micro.
vpart() { sed -n "s/^m4_define(\[oc_version_$1\], *\[\([0-9]*\)\])$/\1/p" "$top/configure.ac"; }
version=$(vpart major).$(vpart minor).$(vpart micro)
case $version in [0-9]*.[0-9]*.[0-9]*) ;; *) version= ;; esac
[ -n "$version" ] || { echo "FAIL: packages: no version in configure.ac" >&2; exit 1; }

say() { echo "packages: $*"; }
fail() {
	echo "FAIL: packages: $*" >&2
	exit 1
}
started=$(date +%s)
lap=$started
# took WHAT: prints the seconds since the previous one.
took() {
	now=$(date +%s)
	say "$1 took $((now - lap)) s"
	lap=$now
}

for p in $packages; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		fail "$p is installed already: this test installs and purges its own build, so remove it first"
	fi
done
for c in dpkg-buildpackage lintian apt-get pkcs11-tool p11-kit p11tool setpriv curl python3 cc pkg-config; do
	command -v "$c" >/dev/null 2>&1 || fail "$c is not installed (scripts/deps installs it)"
done

w=$(mktemp -d "${TMPDIR:-/tmp}/oc-packages.XXXXXX")
chmod 755 "$w"
vaultd_pid=
installed=
backups=
cleanup() {
	rc=$?
	set +e
	if [ -n "$vaultd_pid" ]; then
		kill "$vaultd_pid" 2>/dev/null
		wait "$vaultd_pid" 2>/dev/null
	fi
	if [ -n "$installed" ]; then
		on=
		for p in $packages; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
				grep -q 'installed$' && on="$on $p"
		done
		if [ -n "$on" ]; then
			say "purging what this run installed:$on"
			# shellcheck disable=SC2086
			DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
				-o DPkg::Lock::Timeout=120 $on >"$w/purge-trap.log" 2>&1 ||
				cat "$w/purge-trap.log" >&2
		fi
	fi
	[ -n "$backups" ] && rm -rf "$backups"
	[ $rc -ne 0 ] && [ -f "$w/vaultd.log" ] && tail -n 20 "$w/vaultd.log" >&2
	[ -z "${OC_KEEP:-}" ] && rm -rf "$w"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- 1. build --------------------------------------------------------------
mkdir "$w/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# The files git tracks or would track, as they are now (a deleted one
	# left out): no build tree.
	# shellcheck disable=SC2016
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do if [ -e "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$w/src"
else
	(cd "$top" && tar --exclude='./_build*' --exclude=./autom4te.cache \
		--exclude='./debian/build' -cf - .) | tar -xf - -C "$w/src"
fi
# README's `apt-get build-dep ./`, simulated: nothing to fetch.
(cd "$w/src" && apt-get build-dep -s -q ./) >"$w/build-dep.log" 2>&1 ||
	{ cat "$w/build-dep.log" >&2; fail "apt-get build-dep -s ./"; }
missing=$(sed -n 's/^Inst \([^ ]*\) .*/\1/p' "$w/build-dep.log" | tr '\n' ' ')
[ -z "$missing" ] || fail "build dependencies missing: $missing(scripts/deps installs them)"
say "building oneclaw-pkcs11 $version: dpkg-buildpackage -us -uc -b"
if ! (cd "$w/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$w/build.log" 2>&1; then
	tail -n 40 "$w/build.log" >&2
	fail "dpkg-buildpackage"
fi
debs=
for p in $packages; do
	for f in "$w/${p}_${version}"_*.deb; do
		[ -f "$f" ] || fail "no $p package was built"
		debs="$debs $f"
	done
done
took build

# ---- 2. lintian --------------------------------------------------------------
lintian --fail-on error --display-info "$w"/oneclaw-pkcs11_"${version}"_*.changes \
	>"$w/lintian.log" 2>&1 && lint=0 || lint=$?
grep -v '^running with root privileges' "$w/lintian.log" | sed 's/^/packages: lintian: /'
[ "$lint" -eq 0 ] || fail "lintian reports errors"
say "lintian: $(grep -c '^E:' "$w/lintian.log") errors, $(grep -c '^W:' "$w/lintian.log") warnings"
took lintian

# ---- 3. install (README: "Install from packages") ---------------------------------
# Offline: apt may install these four and nothing else (a dependency
# missing here would be fetched from the network).
# shellcheck disable=SC2086
apt-get install -s -q $debs >"$w/simulate.log" 2>&1 ||
	{ cat "$w/simulate.log" >&2; fail "apt-get install -s"; }
echo "$packages" | tr ' ' '\n' >"$w/ours"
extra=$(sed -n 's/^Inst \([^ ]*\) .*/\1/p' "$w/simulate.log" | grep -vxF -f "$w/ours" || true)
[ -z "$extra" ] || fail "the packages need what is not installed: $extra (scripts/deps installs it)"
installed=yes
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	-o DPkg::Lock::Timeout=120 $debs >"$w/install.log" 2>&1; then
	cat "$w/install.log" >&2
	fail "apt-get install"
fi
for p in $packages; do
	dpkg -L "$p" | while read -r f; do
		if [ -d "$f" ]; then echo "$f" >>"$w/dirs"; else echo "$f"; fi
	done >>"$w/files"
done
say "installed $(wc -l <"$w/files") files"

# ---- 4. the module registered, the programs' versions -------------------------
p11-kit list-modules >"$w/modules" 2>&1 || fail "p11-kit list-modules: $(cat "$w/modules")"
grep -q "^oneclaw: $module\$" "$w/modules" ||
	fail "p11-kit list-modules does not name $module: $(cat "$w/modules")"
for prog in oneclaw-tool oneclaw-vaultd; do
	v=$("/usr/bin/$prog" --version) || fail "$prog --version"
	case "$v" in
	*" $version") ;;
	*) fail "$prog --version says '$v', configure.ac $version" ;;
	esac
done
# debian/changelog says the version too: the packages are configure.ac's.
for p in $packages; do
	v=$(dpkg-query -W -f='${Version}' "$p") || fail "dpkg-query $p"
	[ "$v" = "$version" ] || fail "package $p is version $v, configure.ac $version"
done
# The module is a plugin: in p11-kit's directory alone, no libtool
# archive, no versioned name or link.
mods=$(grep -E '^/usr/lib/.*\.(so|la)(\..*)?$' "$w/files" | tr '\n' ' ')
[ "$mods" = "$module " ] || fail "the packages' libraries are '$mods', not $module alone"
# The -dev package's header compiles after p11-kit's PKCS#11 header.
printf '#include <p11-kit/pkcs11.h>\n#include <oneclaw-pkcs11.h>\nint main(void) { return CKM_ONECLAW_CMEK != 0x8C1A0001UL; }\n' >"$w/header.c"
# shellcheck disable=SC2046
if ! cc -Werror -o "$w/header" "$w/header.c" $(pkg-config --cflags p11-kit-1) ||
	! "$w/header"; then
	fail "oneclaw-pkcs11.h does not compile as installed"
fi
getent passwd "$user" >/dev/null || fail "no system user $user"
[ "$(stat -c '%a %U' "$state")" = "700 $user" ] ||
	fail "$state is $(stat -c '%a %U' "$state"), not 700 $user"
took install

# ---- 5. the service, a vault, an agent, a read through the module ---------------
unit=$(grep '/oneclaw-vaultd\.service$' "$w/files" | head -n1)
[ -n "$unit" ] || fail "the oneclaw-vaultd package has no oneclaw-vaultd.service"
port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
# unit_lines KEY: the unit's KEY= values, systemd's specifiers for the
# directories expanded, the command prefixes (-, +, !, @, :) dropped.
unit_lines() {
	sed -n "s/^$1=//p" "$unit" | sed -e 's/^[-+!@:]*//' \
		-e 's|%S|/var/lib|g' -e 's|%t|/run|g' -e 's|%L|/var/log|g' \
		-e 's|%E|/etc|g' -e 's|%%|%|g'
}
unit_user=$(unit_lines User | tail -n1)
[ "$unit_user" = "$user" ] || fail "the unit runs as '$unit_user', not $user"
# The directories systemd would make for the unit, owned by its user.
for kind in State:/var/lib Runtime:/run Logs:/var/log; do
	mode=$(unit_lines "${kind%%:*}DirectoryMode" | tail -n1)
	for d in $(unit_lines "${kind%%:*}Directory"); do
		install -d -m "${mode:-0755}" -o "$user" -g "$user" "${kind#*:}/$d"
	done
done
# The free port goes where the unit's address is: on its command line, or
# in the configuration file it names (edited as an admin would).
conf=$(unit_lines ExecStart | sed -n 's/.*--config[= ]\([^ ]*\).*/\1/p' | head -n1)
if unit_lines ExecStart | grep -q -- '--listen'; then
	listen_sed="s/--listen[= ][^ ]*/--listen 127.0.0.1:$port/"
else
	listen_sed=
	if [ -z "$conf" ] || [ ! -f "$conf" ]; then
		fail "no --listen nor --config in the unit's ExecStart"
	fi
	grep -q '^[[:space:]]*listen[[:space:]]*=' "$conf" ||
		fail "$conf sets no listen address"
	sed -i "s/^\([[:space:]]*listen[[:space:]]*=\).*/\1 127.0.0.1:$port/" "$conf"
fi
envs=$(unit_lines Environment | tr '\n' ' ')
unit_umask=$(unit_lines UMask | tail -n1)
saved_umask=$(umask)
umask "${unit_umask:-0022}"
set -f
# As the unit's user, with its environment (setpriv execs: the pid is
# the server's).
as_user="setpriv --reuid=$user --regid=$user --init-groups -- env HOME=$state $envs"
unit_lines ExecStartPre >"$w/pre"
while read -r cmd; do
	say "ExecStartPre: $cmd"
	# shellcheck disable=SC2086
	$as_user $cmd >>"$w/vaultd.log" 2>&1 || fail "ExecStartPre=$cmd"
done <"$w/pre"
set +f
umask "$saved_umask"
cmd=$(unit_lines ExecStart | tail -n1)
[ -n "$listen_sed" ] && cmd=$(echo "$cmd" | sed "$listen_sed")
say "ExecStart: $cmd"
url="http://127.0.0.1:$port"
# start_vaultd: ExecStart as the unit's user; returns once it answers.
start_vaultd() {
	saved_umask=$(umask)
	umask "${unit_umask:-0022}"
	set -f
	# shellcheck disable=SC2086
	$as_user $cmd >>"$w/vaultd.log" 2>&1 &
	vaultd_pid=$!
	set +f
	umask "$saved_umask"
	i=0
	until curl -sf "$url/v1/health" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "oneclaw-vaultd does not answer on $url"
		kill -0 "$vaultd_pid" 2>/dev/null || fail "oneclaw-vaultd exited at start"
		sleep 0.05
	done
	[ "$(ps -o user= -p "$vaultd_pid")" = "$user" ] ||
		fail "oneclaw-vaultd does not run as $user"
}
stop_vaultd() {
	kill "$vaultd_pid"
	wait "$vaultd_pid" 2>/dev/null || true
	vaultd_pid=
}
start_vaultd
say "oneclaw-vaultd serves $url as $user"

# From here on, README.md's "Install from packages" command by command
# ($w/admin stands for the admin's ~/oneclaw, $w/app for the application's
# directory, $url for http://127.0.0.1:8443, the shipped address).
admin_key=$state/admin.key
[ -f "$admin_key" ] || fail "no admin key at $admin_key"
tool=/usr/bin/oneclaw-tool
umask 077
mkdir "$w/admin" "$w/app"
cd "$w/admin"
install -m 0600 "$admin_key" admin.key
printf 'api_url = %s\ncredential_file = %s/admin.key\n' "$url" "$PWD" >admin.conf
ONECLAW_PKCS11_CONF=$PWD/admin.conf
export ONECLAW_PKCS11_CONF
vault=$($tool vault create payments 2>>tool.log) || fail "oneclaw-tool vault create"
$tool keygen --out cmek.key >/dev/null 2>>tool.log || fail "oneclaw-tool keygen"
$tool cmek enable payments --key cmek.key >/dev/null 2>>tool.log ||
	fail "oneclaw-tool cmek enable"
printf 'sk-packages-%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" >openai.txt
$tool secret put payments api-keys/openai --key cmek.key <openai.txt >/dev/null 2>>tool.log ||
	fail "oneclaw-tool secret put"
# Beside the README: a secret outside the agent's policy.
printf 'outside the policy' >password.txt
$tool secret put payments db/password --key cmek.key <password.txt >/dev/null 2>>tool.log ||
	fail "oneclaw-tool secret put"

# The agent, or, with no agent commands in this tool, the admin key.
if $tool agent --help >/dev/null 2>&1; then
	$tool agent create app --vault payments --out app.key >/dev/null 2>>tool.log ||
		fail "oneclaw-tool agent create"
	$tool policy add payments --path 'api-keys/*' --agent app --permissions read \
		>/dev/null 2>>tool.log || fail "oneclaw-tool policy add"
	agents=yes
else
	say "SKIP part: this oneclaw-tool has no agent commands; the application reads with the admin key"
	cp admin.key app.key
	agents=
fi

cd "$w/app"
install -m 0600 "$w/admin/app.key" "$w/admin/cmek.key" .
cat >app.conf <<EOF
api_url = $url
credential_file = $PWD/app.key
cmek_key_file = $PWD/cmek.key
vaults = $vault
[vault $vault]
name = payments
cmek_values = opened
EOF
ONECLAW_PKCS11_CONF=$PWD/app.conf
export ONECLAW_PKCS11_CONF
pkcs11-tool --module "$module" \
	--read-object --type data --label api-keys/openai --output-file openai.txt \
	>pkcs11-tool.log 2>&1 || {
	cat pkcs11-tool.log >&2
	fail "pkcs11-tool --module $module --read-object"
}
cmp -s openai.txt "$w/admin/openai.txt" || fail "pkcs11-tool read another value"
say "pkcs11-tool read the secret through $module"
p11tool --export --outder 'pkcs11:token=payments;object=api-keys%2Fopenai;type=data' \
	>p11tool.out 2>p11tool.log || {
	cat p11tool.log >&2
	fail "p11tool --export through p11-kit's registered module"
}
cmp -s p11tool.out "$w/admin/openai.txt" || fail "p11tool read another value"
say "p11tool read the secret through p11-kit's registration of the module"
if [ -n "$agents" ]; then
	if pkcs11-tool --module "$module" --read-object --type data --label db/password \
		--output-file password.txt >denied.log 2>&1; then
		fail "the agent read db/password, outside its policy"
	fi
	# Asked for by path, not found by a list: the server refuses it.
	if $tool secret get "$vault" db/password --key cmek.key >denied.out 2>>denied.log; then
		fail "the agent's key got db/password from the server"
	fi
	say "the agent reads nothing outside api-keys/*"
fi

# README.md's "Backing up oneclaw-vaultd", for the service: a backup as
# its user while it serves, a write after it, then a restore with the
# service stopped gives the backup's state back.
backups=/var/backups/oneclaw-vaultd
install -d -m 0700 -o "$user" -g "$user" "$backups"
setpriv --reuid="$user" --regid="$user" --init-groups -- \
	/usr/bin/oneclaw-vaultd --config "$conf" --backup "$backups/vault.db" \
	>>"$w/vaultd.log" 2>&1 || fail "oneclaw-vaultd --backup as $user"
printf 'written after the backup' >"$w/later.txt"
ONECLAW_PKCS11_CONF=$w/admin/admin.conf $tool secret put payments api-keys/later \
	--key "$w/admin/cmek.key" <"$w/later.txt" >/dev/null 2>>"$w/admin/tool.log" ||
	fail "oneclaw-tool secret put after the backup"
stop_vaultd
setpriv --reuid="$user" --regid="$user" --init-groups -- \
	/usr/bin/oneclaw-vaultd --config "$conf" --restore "$backups/vault.db" \
	>>"$w/vaultd.log" 2>&1 || fail "oneclaw-vaultd --restore as $user"
start_vaultd
rm -f openai.txt
pkcs11-tool --module "$module" \
	--read-object --type data --label api-keys/openai --output-file openai.txt \
	>pkcs11-tool.log 2>&1 || fail "no api-keys/openai after the restore"
cmp -s openai.txt "$w/admin/openai.txt" || fail "the restore changed api-keys/openai"
if pkcs11-tool --module "$module" --read-object --type data \
	--label api-keys/later --output-file later.txt >>pkcs11-tool.log 2>&1; then
	fail "api-keys/later, written after the backup, survived the restore"
fi
rm -rf "$backups"
backups=
say "backup while serving and restore as $user: the backup's state is back"
unset ONECLAW_PKCS11_CONF
cd "$w"
stop_vaultd
took service

# ---- 6. purge: nothing left behind ---------------------------------------------
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
	-o DPkg::Lock::Timeout=120 $packages >"$w/purge.log" 2>&1; then
	cat "$w/purge.log" >&2
	fail "apt-get purge"
fi
installed=
left=$(while read -r f; do if [ -e "$f" ]; then echo "$f"; fi; done <"$w/files")
[ -z "$left" ] || fail "left after the purge: $left"
# A directory no other package owns is gone too (/etc/oneclaw, ...).
left=$(grep -vx '/\.' "$w/dirs" | sort -u | while read -r d; do
	if [ -d "$d" ] && ! dpkg -S "$d" >/dev/null 2>&1; then echo "$d"; fi
done)
[ -z "$left" ] || fail "directories left after the purge: $left"
[ ! -e "$state" ] || fail "$state is left after the purge"
! getent passwd "$user" >/dev/null || fail "the user $user is left after the purge"
! getent group "$user" >/dev/null || fail "the group $user is left after the purge"
p11-kit list-modules >"$w/modules" 2>&1 || true
! grep -q oneclaw "$w/modules" || fail "p11-kit still lists the module after the purge"
for p in $packages; do
	! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed' ||
		fail "$p is still known to dpkg"
done
took purge
say "done in $(($(date +%s) - started)) s"
echo "PASS: packages"
