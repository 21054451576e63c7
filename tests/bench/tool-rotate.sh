#!/bin/sh
# Benchmark: CMEK rotation of one vault of 10,000 sealed secrets against
# oneclaw-vaultd, client-side (oneclaw-tool re-seals every secret, N
# parallel requests) beside server-assisted (the server's job) in the same
# run, on the same vault.  Printed, never asserted.  Also printed: the CPU
# time oneclaw-vaultd and oneclaw-tool spend on the client-side rotation
# and the rate the machine's cores would allow at that cost, which tells a
# rotation bound by the processors from one waiting on fsync.
#   OC_BENCH_SECRETS  number of secrets (default 10000)
#   OC_BENCH_JOBS     client-side parallel requests (default 8)
#   OC_BENCH_SERIAL=1 also a client-side run with one request at a time
#                     (slow: not in the default run)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need node awk
N=${OC_BENCH_SECRETS:-10000}
J=${OC_BENCH_JOBS:-8}
# Debug logging would measure the log, not the rotation.
ONECLAW_PKCS11_DEBUG=
export ONECLAW_PKCS11_DEBUG
oc_start_vaultd
tool_env

for k in k1 k2 k3 k4; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done
V=$(tool vault create bench-rotate) || oc_fail "vault create"
tool cmek enable "$V" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "enable"
t0=$(date +%s.%N)
gen_jsonl "$N" b > "$T/b.jsonl"
tool -q --json secret import "$V" --file "$T/b.jsonl" --key "$T/k1.key" --jobs 16 \
	> "$T/seed.json" || oc_fail "seeding"
seed_s=$(json_get seconds < "$T/seed.json")

# rotate OLD NEW MODE [JOBS] -> the summary JSON in $T/last.json
rotate() {
	tool -q --json cmek rotate "$V" --old "$T/$1.key" --new "$T/$2.key" \
		--mode "$3" --jobs "${4:-$J}" > "$T/last.json" || oc_fail "rotate $3"
	cat "$T/last.json" >&2
}
field() { json_get "$1" < "$2"; }
# CPU seconds (user + system) that oneclaw-vaultd has used so far, and
# that this shell's finished children (the tool) have: whether the
# client-side rotation waits on the disk or on the processors.
vaultd_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$VAULTD_PID/stat" 2>/dev/null || echo 0
}
# (times runs in this shell, not in a $(...) subshell that has no children)
children_cpu() {
	awk 'NR == 2 {
		n = split($0, f, /[ ms]+/); s = 0
		for (i = 1; i < n; i += 2) s += f[i] * 60 + f[i + 1]
		printf "%.2f", s }' "$1"
}

vd0=$(vaultd_cpu)
times > "$T/times0"
rotate k1 k2 client "$J"
times > "$T/times1"
vd1=$(vaultd_cpu)
tc0=$(children_cpu "$T/times0")
tc1=$(children_cpu "$T/times1")
cp "$T/last.json" "$T/client.json"
rotate k2 k3 server
cp "$T/last.json" "$T/server.json"
if [ -n "${OC_BENCH_SERIAL:-}" ]; then
	rotate k3 k4 client 1
	cp "$T/last.json" "$T/client1.json"
else
	: > "$T/client1.json"
fi
[ "$(field verified "$T/client.json")" = "$N" ] && [ "$(field verified "$T/server.json")" = "$N" ] ||
	oc_fail "a rotation did not verify every secret"

node -e '
	const fs = require("fs");
	const [n, j, seed, cf, sf, c1f] = process.argv.slice(1);
	const c = JSON.parse(fs.readFileSync(cf)), s = JSON.parse(fs.readFileSync(sf));
	const c1t = fs.readFileSync(c1f, "utf8"), c1 = c1t.trim() ? JSON.parse(c1t) : null;
	const rate = (r) => r.total / r.rotate_seconds;
	const rateAll = (r) => r.total / (r.rotate_seconds + r.verify_seconds);
	const row = (name, r) => console.log(
		name.padEnd(30) + String(r.total).padStart(8) +
		r.rotate_seconds.toFixed(2).padStart(11) + rate(r).toFixed(0).padStart(11) +
		r.verify_seconds.toFixed(2).padStart(10) + rateAll(r).toFixed(0).padStart(12) +
		(rate(r) / rate(s)).toFixed(2).padStart(9));
	console.log("CMEK rotation of " + n + " secrets against oneclaw-vaultd " +
		"(seeding took " + Number(seed).toFixed(1) + " s)");
	console.log("mode".padEnd(30) + "secrets".padStart(8) + "rotate s".padStart(11) +
		"secrets/s".padStart(11) + "verify s".padStart(10) + "with verify".padStart(12) +
		"ratio".padStart(9));
	row("server-assisted (baseline)", s);
	row("client-side, " + j + " parallel", c);
	if (c1) row("client-side, 1 at a time", c1);
	console.log("ratio = secrets/s relative to the server-side job in the same run; " +
		"verification (a GET and open of every secret) is not in \"rotate s\",");
	console.log("\"with verify\" = secrets / (rotate s + verify s): the whole " +
		"rotation as the tool reports it;");
	console.log("the server-side time is as the tool sees it following the job " +
		"(polled every 500 ms, so up to 0.5 s long).");
' "$N" "$J" "$seed_s" "$T/client.json" "$T/server.json" "$T/client1.json"
awk -v n="$N" -v v0="$vd0" -v v1="$vd1" -v t0="$tc0" -v t1="$tc1" \
	-v cores="$(getconf _NPROCESSORS_ONLN)" -v load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" '
	BEGIN {
		v = v1 - v0; t = t1 - t0
		printf "client-side CPU (rotate + verify): oneclaw-vaultd %.2f s, " \
			"oneclaw-tool %.2f s = %.0f us per secret;\n", v, t, (v + t) * 1e6 / n
		printf "%d cores would allow at most %.0f secrets/s with verify at " \
			"that cost (1-minute load average %s, this run included)\n",
			cores, n * cores / (v + t), load
	}'
t1=$(date +%s.%N)
echo "bench wall time: $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s"
