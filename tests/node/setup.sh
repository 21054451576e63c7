#!/bin/sh
# tests/node/setup.sh [DIR] - installs the pinned npm packages of
# tests/node/package.json (package-lock.json pins the exact tarball) into
# DIR/node_modules, DIR defaulting to $top_builddir/tests/node-deps.  The tests
# then run node with NODE_PATH=DIR/node_modules.
#
# pkcs11js is a native addon: node-gyp builds it against the Node headers
# installed with Node (nodedir /usr, i.e. /usr/include/node), so nothing but
# the npm registry is needed.  Idempotent: a stamp holding the Node version
# and the checksum of the pinned files skips all work when nothing changed;
# concurrent callers (make -j check) are serialised with flock.  npm's cache
# lives in DIR too, so a re-install works without the network once cached.
#
# Exit 0: ready.  Exit 1: could not install (no npm, no registry, no
# headers, build failure); the reason is on stderr and the npm log is in
# DIR/setup.log.  Callers turn that into a skip (77), never a pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${top_builddir:-.}/tests/node-deps}
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)

say() { echo "node-setup: $*" >&2; }

command -v node >/dev/null 2>&1 || { say "node is not installed"; exit 1; }
command -v npm >/dev/null 2>&1 || { say "npm is not installed"; exit 1; }

want="node $(node --version) $(cat "$here/package.json" \
	"$here/package-lock.json" | cksum)"
stamp="$dir/.setup-stamp"

ready() {
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
		NODE_PATH="$dir/node_modules" node -e 'require("pkcs11js")' \
			>/dev/null 2>&1
}

ready && exit 0

# One installer at a time; the others wait, then find it done.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir/.setup-lock"
	flock -w 600 9 || { say "timed out waiting for another install"; exit 1; }
	ready && exit 0
fi

nodedir=${npm_config_nodedir:-/usr}
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
	say "no Node headers in $nodedir/include/node (pkcs11js builds on them)"
	exit 1
fi

cp "$here/package.json" "$here/package-lock.json" "$dir/" || exit 1
rm -f "$stamp"

# npm_ci ARGS...: npm ci in $dir with the cache and headers set, bounded so
# an unreachable registry fails in about a minute, not five.
npm_ci() {
	(cd "$dir" &&
		npm_config_cache="$dir/.npm-cache" npm_config_nodedir="$nodedir" \
		npm_config_update_notifier=false \
		timeout 600 npm ci --no-audit --no-fund "$@") >>"$dir/setup.log" 2>&1 &&
		NODE_PATH="$dir/node_modules" node -e 'require("pkcs11js")' \
			>>"$dir/setup.log" 2>&1
}

: > "$dir/setup.log"
# From the cache alone first (works offline once installed), then the
# registry.
if npm_ci --offline || npm_ci --prefer-offline --fetch-retries=1 \
	--fetch-timeout=30000 --fetch-retry-mintimeout=2000 \
	--fetch-retry-maxtimeout=5000; then
	echo "$want" > "$stamp"
	exit 0
fi
say "npm could not install the pinned packages into $dir (offline?);" \
	"last lines of $dir/setup.log:"
tail -n 15 "$dir/setup.log" >&2
exit 1
