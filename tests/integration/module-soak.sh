#!/bin/sh
# module-soak.sh - soak: four threads of one PKCS#11 application, each with
# its own R/W session, mix find, read, decrypt, write and delete in a CMEK
# vault for OC_SOAK_SECONDS (default 60, at most 120) while oneclaw-vaultd
# injects delays, 5xx, 429 with Retry-After and truncated bodies that
# reset the connection.  Then, with the faults off, the vault holds exactly
# the acknowledged writes that were not acknowledged deleted, with their
# values; every CK_RV was CKR_OK or the device error a fault explains; the
# module's memory stayed flat.  soak-client prints the figures.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl
mod_need
SOAK="$BUILD/tests/integration/soak-client"
[ -x "$SOAK" ] || oc_fail "the soak client is not built: $SOAK"
[ -x "$TOOL" ] || oc_fail "oneclaw-tool is not built: $TOOL"

secs=${OC_SOAK_SECONDS:-60}
case $secs in
'' | *[!0-9]*) oc_fail "OC_SOAK_SECONDS is a number of seconds" ;;
esac
[ "$secs" -gt 120 ] && secs=120
[ "$secs" -lt 2 ] && secs=2

oc_start_vaultd
oc_keygen "$T/cmek.key"
vid=$(oc_create_vault soak)
mod_env "$vid"
$OC_WRAP "$TOOL" -q --url "$OC_URL" cmek enable "$vid" --key "$T/cmek.key" > /dev/null ||
	oc_fail "cmek enable"
fixtures=""
for i in 1 2 3; do
	printf 'soak-fixture-%s-%s' "$i" \
		"$(head -c 300 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/fix$i"
	oc_secret "$(cat "$T/fix$i")"
	$OC_WRAP "$TOOL" -q --url "$OC_URL" secret put "$vid" "fix/$i" --file "$T/fix$i" \
		--key "$T/cmek.key" > /dev/null || oc_fail "secret put fix/$i"
	fixtures="$fixtures fix/$i=$T/fix$i"
done
# Every value the client writes starts with this: one fixture secret
# that the suite's log scan looks for.
tok=soak$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
oc_secret "$tok"

# Short cache lifetimes, so lists and values keep crossing the faults;
# one retry, so that a fault now and then meets the retry too and the
# operation fails (most still succeed).
( umask 077 && printf 'cache_ttl = 1\nretries = 1\n' > "$T/soak.conf" )
ONECLAW_PKCS11_CONF="$T/soak.conf"
export ONECLAW_PKCS11_CONF

# The faults (faults.h: the first rule whose method and path match counts
# a request; rate=N fires on every Nth).  The client writes soak/K/...,
# K = a..d in turn, so each K meets its own fault.  Delays stay far below
# the request timeout (30 s) and Retry-After within the retry budget.
s="/v1/vaults/$vid/secrets"
f="method=PUT,path=$s/soak/a/,rate=3,status=503"
f="$f;method=PUT,path=$s/soak/b/,rate=3,truncate"
f="$f;method=PUT,path=$s/soak/c/,rate=8,status=429,retry-after=1"
f="$f;method=PUT,path=$s/soak/d/,rate=4,delay=200"
f="$f;method=DELETE,path=$s/soak/a/,rate=3,status=500"
f="$f;method=DELETE,path=$s/soak/b/,rate=3,status=502,truncate"
f="$f;method=DELETE,path=$s/soak/c/,rate=8,status=429,retry-after=1"
f="$f;method=DELETE,path=$s/soak/d/,rate=4,delay=150"
f="$f;method=GET,path=$s/soak/a/,rate=4,status=503"
f="$f;method=GET,path=$s/soak/b/,rate=4,truncate"
f="$f;method=GET,path=$s/soak/c/,rate=10,status=429,retry-after=1"
f="$f;method=GET,path=$s/fix/,rate=5,delay=100"
f="$f;method=GET,path=$s/,rate=6,delay=50"
f="$f;method=GET,path=$s,rate=4,status=503,truncate"
f="$f;method=GET,path=/v1/vaults/$vid,rate=3,status=500"
f="$f;method=POST,path=/v1/auth/,count=1,status=429,retry-after=1"
oc_stop_vaultd
oc_serve_vaultd --faults "$f"
mod_env "$vid"
ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
export ONECLAW_CMEK_KEY_FILE

echo "soak: $secs s against $OC_URL with faults"
# shellcheck disable=SC2086
"$SOAK" "$MODULE" "$secs" "$T/manifest" "$tok" $fixtures > "$T/soak.out" 2>&1
rc=$?
cat "$T/soak.out"
[ "$rc" -eq 0 ] || oc_fail "soak-client (exit $rc)"

# The faults off: a fresh vaultd on the same database.
oc_stop_vaultd
oc_serve_vaultd
mod_env "$vid"
oc_api GET "$s?prefix=soak/" > "$T/list.json"
oc_expect_status 200
$OC_WRAP "$TOOL" -q --url "$OC_URL" secret export "$vid" --prefix soak/ \
	--key "$T/cmek.key" > "$T/export.jsonl" || oc_fail "secret export"

# What a failed write may have left: a fault that answers instead of the
# handler (status) or delays it (below the timeout) leaves nothing, so a
# failed write is absent; only truncate lands after the handler committed
# (soak/b/: the answer breaks off, the PUT is retried and may run out of
# tries), so a failed write there may be present, but then with exactly
# the value written.  DELETE answers 204 without a body, so no fault lands
# after a delete: a failed delete leaves the secret present.
node -e '
const fs = require("fs");
const [manifest, list, exp] = process.argv.slice(1);
const want = new Map();
for (const l of fs.readFileSync(manifest, "utf8").split("\n")) {
	if (!l) continue;
	const [st, path, hex] = l.split(" ");
	if (want.has(path)) { console.error(`twice in the manifest: ${path}`); process.exit(1); }
	want.set(path, { st, v: Buffer.from(hex, "hex") });
}
const listed = new Set(JSON.parse(fs.readFileSync(list, "utf8")).secrets
	.map(x => x.path).filter(p => p.startsWith("soak/")));
const got = new Map();
for (const l of fs.readFileSync(exp, "utf8").split("\n")) {
	if (!l) continue;
	const j = JSON.parse(l);
	got.set(j.path, j.value_base64 !== undefined ?
		Buffer.from(j.value_base64, "base64") : Buffer.from(j.value, "utf8"));
}
let bad = 0;
const n = { P: 0, D: 0, F: 0, maybe: 0, maybeKept: 0 };
const fail = (m) => { console.error("FAIL: " + m); bad++; };
for (const p of listed)
	if (!got.has(p)) fail(`${p}: listed but not exported`);
for (const [p, v] of got) {
	if (!listed.has(p)) fail(`${p}: exported but not listed`);
	if (!want.has(p)) fail(`${p}: in the vault, never written`);
}
for (const [p, w] of want) {
	const v = got.get(p);
	n[w.st]++;
	if (w.st === "P") {
		if (!v) fail(`${p}: acknowledged write missing`);
		else if (!v.equals(w.v)) fail(`${p}: acknowledged write has another value`);
	} else if (w.st === "D") {
		if (v) fail(`${p}: acknowledged delete still present`);
	} else if (w.st === "F") {
		const maybe = p.startsWith("soak/b/");
		if (maybe) n.maybe++;
		if (v && !maybe) fail(`${p}: failed write present`);
		else if (v && !v.equals(w.v)) fail(`${p}: failed write present with another value`);
		else if (v) n.maybeKept++;
	} else {
		fail(`${p}: state ${w.st}`);
	}
}
console.log(`vault check: ${n.P} present as acknowledged, ${n.D} deleted as acknowledged, ` +
	`${n.F} failed writes (${n.maybe} after a possible commit, ${n.maybeKept} of them committed), ` +
	`${got.size} secrets under soak/`);
process.exit(bad ? 1 : 0);
' "$T/manifest" "$T/list.json" "$T/export.jsonl" || oc_fail "the vault does not hold exactly the acknowledged writes"
exit 0
