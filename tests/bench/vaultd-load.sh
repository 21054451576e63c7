#!/bin/sh
# Benchmark (issue 13): oneclaw-vaultd under hostile load, beside a
# trivial libmicrohttpd responder measured in the same run
# (tests/bench/mhd-trivial: epoll, a pool of 4 threads, a fixed JSON):
#   - 64 keep-alive clients doing GET for BENCH_SECONDS (default 10):
#     requests/s, p50 and p99 latency (vaultd: GET of a secret with a
#     user token; each request has a 10 s timeout);
#   - the same while 1,000 slow connections (127.0.0.2-127.0.0.250, a
#     header byte every 3 s) are held open;
#   - peak RSS (VmHWM) of a fresh process before and after 64 concurrent
#     2 MB unauthenticated bodies (vaultd: POST /v1/auth/api-key-token;
#     each client holds its last byte until all have sent the rest).
# hostile-client does the loading; ratio = vaultd / baseline.  Printed,
# never asserted.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
D=${BENCH_SECONDS:-10}
HC="$BUILD/tests/integration/hostile-client"
TRIV="$BUILD/tests/bench/mhd-trivial"
[ -x "$HC" ] || oc_skip "tests/integration/hostile-client not built (make bench)"
[ -x "$TRIV" ] || oc_skip "tests/bench/mhd-trivial not built (make bench)"
vd_raise_nofile 2048

oc_start_vaultd
V=$(oc_create_vault bench)
oc_secret fixture-bench-value
vd_call 201 PUT "/v1/vaults/$V/secrets/bench" '{"value":"fixture-bench-value"}'
(umask 077 && vd_token "$ADMIN_KEY" > "$T/token")
oc_secret "$(cat "$T/token")"
SECRET="/v1/vaults/$V/secrets/bench"

triv_start() {
	rm -f "$T/tport"
	"$TRIV" "$T/tport" 2>>"$T/trivial.log" &
	TRIV_PID=$!
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $TRIV_PID"
	oc_wait_file "$T/tport" "$TRIV_PID" mhd-trivial
	TRIV_PORT=$(cat "$T/tport")
}

triv_stop() {
	kill "$TRIV_PID" 2>/dev/null
	wait "$TRIV_PID" 2>/dev/null
}

# load NAME PORT PATH: 64 keep-alive clients for D s; the figures go to
# $T/NAME as "rps p50 p99" ("-" when nothing was answered).
load() {
	"$HC" load --port "$2" --path "$3" --bearer-file "$T/token" \
		--clients 64 --duration "$D" --timeout 10000 > "$T/$1.out" 2>&1
	sed 's|/v1/vaults/[^/]*/|/v1/vaults/V/|' "$T/$1.out" | sed "s/^/$1: /" >&2
	_f=$(sed -n 's/^load: .* rps=\([^ ]*\) p50_ms=\([^ ]*\) p99_ms=\([^ ]*\) .*/\1 \2 \3/p' "$T/$1.out")
	echo "${_f:-0 - -}" > "$T/$1"
}

# slow_load NAME PORT PATH: load while 1,000 slow connections are open.
slow_load() {
	"$HC" slow --port "$2" --count 1000 --from 127.0.0.2 \
		--to 127.0.0.250 --interval 3000 --duration "$((D + 15))" \
		> "$T/$1.slow" 2>&1 &
	_slow=$!
	_i=0
	until grep -qs '^slow: ready' "$T/$1.slow"; do
		_i=$((_i + 1))
		[ $_i -gt 300 ] && oc_fail "slow connections not ready: $(cat "$T/$1.slow")"
		sleep 0.05
	done
	sed "s/^/$1: /" "$T/$1.slow" >&2
	load "$1" "$2" "$3"
	kill "$_slow" 2>/dev/null
	wait "$_slow" 2>/dev/null
}

# hwm NAME PID PORT PATH: VmHWM (kB) of a fresh process before and after
# the flood, to $T/NAME as "before after".
hwm() {
	_before=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$2/status")
	"$HC" flood --port "$3" --path "$4" --clients 64 --bytes 2097152 \
		--barrier --timeout 180000 --pid "$2" > "$T/$1.out" 2>&1
	sed "s/^/$1: /" "$T/$1.out" >&2
	_after=$(sed -n 's/^server: .*VmHWM_kB=\([0-9-]*\).*/\1/p' "$T/$1.out")
	echo "$_before ${_after:--}" > "$T/$1"
}

echo "measuring: four $D s load runs, then two floods..." >&2
triv_start
load vd-get "$OC_PORT" "$SECRET"
load base-get "$TRIV_PORT" "$SECRET"
slow_load vd-slow "$OC_PORT" "$SECRET"
slow_load base-slow "$TRIV_PORT" "$SECRET"
# Fresh processes for the memory figures.
triv_stop
triv_start
oc_stop_vaultd
oc_serve_vaultd
curl -sS -o /dev/null "$OC_URL/v1/health"
curl -sS -o /dev/null "http://127.0.0.1:$TRIV_PORT/"
hwm vd-flood "$VAULTD_PID" "$OC_PORT" /v1/auth/api-key-token
hwm base-flood "$TRIV_PID" "$TRIV_PORT" /v1/auth/api-key-token
triv_stop

awk -v d="$D" \
	-v vg="$(cat "$T/vd-get")" -v bg="$(cat "$T/base-get")" \
	-v vs="$(cat "$T/vd-slow")" -v bs="$(cat "$T/base-slow")" \
	-v vf="$(cat "$T/vd-flood")" -v bf="$(cat "$T/base-flood")" '
function ratio(a, b) {
	if (a == "-" || b == "-" || b + 0 == 0)
		return "-"
	return sprintf("%.2f", a / b)
}
function row(label, a, b) {
	printf "  %-36s %12s %12s %8s\n", label, a, b, ratio(a, b)
}
function mb(kb) {
	return kb == "-" ? "-" : sprintf("%.1f", kb / 1024)
}
BEGIN {
	split(vg, VG, " "); split(bg, BG, " ")
	split(vs, VS, " "); split(bs, BS, " ")
	split(vf, VF, " "); split(bf, BF, " ")
	printf "oneclaw-vaultd under hostile load; baseline: mhd-trivial " \
	       "(libmicrohttpd, epoll, 4 threads), same run\n"
	printf "  %-36s %12s %12s %8s\n", "", "vaultd", "baseline", "ratio"
	printf "64 keep-alive GET clients, %d s\n", d
	row("requests/s", VG[1], BG[1])
	row("p50 latency (ms)", VG[2], BG[2])
	row("p99 latency (ms)", VG[3], BG[3])
	printf "the same, 1,000 slow connections held open\n"
	row("requests/s", VS[1], BS[1])
	row("p50 latency (ms)", VS[2], BS[2])
	row("p99 latency (ms)", VS[3], BS[3])
	printf "peak RSS, 64 concurrent 2 MB unauthenticated bodies\n"
	row("VmHWM before (MB)", mb(VF[1]), mb(BF[1]))
	row("VmHWM after (MB)", mb(VF[2]), mb(BF[2]))
	printf "ratio = vaultd / baseline (requests/s: higher is better; " \
	       "latency, memory: lower)\n"
}'
exit 0
