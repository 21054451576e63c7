#!/bin/sh
# tests/bench/first-secret.sh - time to the first secret at a distance:
# oneclaw-vaultd behind a relay that delays each direction by 25 ms (a
# 50 ms round trip, tests/bench/delay-relay.c); from C_Initialize to the
# value of one secret found by label, in vaults of BENCH_SIZES secrets
# (default 10 and 10,000: the client's cost must not grow with the vault),
# beside raw libcurl doing the least a client must (token exchange, the
# path's metadata, its value: 3 round trips) and beside `oneclaw-tool
# secret get` (exec to exit), all in the same run
# (tests/bench/first-secret.c).  Prints the best of BENCH_ROUNDS, the HTTP
# requests oneclaw-vaultd saw (its --wire-log) and the TCP connections each
# opened (counted by the relay), and the ratios.  Never asserted.
. "$top_srcdir/tests/lib.sh"
oc_setup
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
oc_need node
bench="$BUILD/tests/bench/first-secret"
relay="$BUILD/tests/bench/delay-relay"
for p in "$bench" "$relay"; do
	[ -x "$p" ] || oc_fail "$p is not built (make bench builds it)"
done
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
sizes=${BENCH_SIZES:-10 10000}
rounds=${BENCH_ROUNDS:-5}
delay=${BENCH_DELAY_MS:-25}
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault first-bench)
[ -n "$vid" ] || oc_fail "create vault"

"$relay" "$T/pport" "$OC_PORT" "$T/pconns" "$delay" &
rpid=$!
OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $rpid"
oc_wait_file "$T/pport" "$rpid" relay
url="http://127.0.0.1:$(cat "$T/pport")"

ONECLAW_API_URL=$url
ONECLAW_API_KEY=$ADMIN_KEY
ONECLAW_VAULT_ID=$vid
export ONECLAW_API_URL ONECLAW_API_KEY ONECLAW_VAULT_ID

reqs() { grep -acE '^(GET|PUT|POST|DELETE|PATCH|HEAD) /' "$T/wire.log"; }
conns() { cat "$T/pconns"; }
kinds() { # kinds FROM TO: the requests FROM+1..TO by method and route
	grep -aE '^(GET|PUT|POST|DELETE|PATCH|HEAD) /' "$T/wire.log" |
		sed -n "$(($1 + 1)),$2p" |
		sed -E 's#/v1/vaults/[^/ ?]+#/v1/vaults/ID#; s#(/secrets/)[^ ]+#\1PATH#; s#(prefix=)[^ ]+#\1PATH#' |
		awk '{ print $1, $2 }' | sort | uniq -c | sed 's/^ */    /'
}
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# measure NAME COMMAND...: best time of $rounds runs into best_NAME, the
# requests and connections of one run into req_NAME and conn_NAME.
measure() {
	_name=$1
	shift
	_best=""
	_r=1
	while [ "$_r" -le "$rounds" ]; do
		_q0=$(reqs) _c0=$(conns)
		_out=$("$@") || oc_fail "$_name run"
		_q1=$(reqs) _c1=$(conns)
		_t=$(field time_s "$_out")
		if [ -z "$_best" ] || awk -v a="$_t" -v b="$_best" 'BEGIN { exit !(a < b) }'; then
			_best=$_t
		fi
		if [ "$_r" = 1 ]; then
			echo "requests the server saw from $_name:"
			kinds "$_q0" "$_q1"
		fi
		_r=$((_r + 1))
	done
	eval "best_$_name=\$_best req_$_name=\$((_q1 - _q0)) conn_$_name=\$((_c1 - _c0))"
}

row() { # row NAME TITLE SIZE
	eval "_t=\$best_$1 _q=\$req_$1 _c=\$conn_$1"
	printf '%8s %-24s %9s %6s %9s %9s\n' "$3" "$2" "$_q" "$_c" "$_t" \
		"$(awk -v a="$_t" -v b="$best_curl" 'BEGIN { printf "%.2f", a / b }')"
}

seeded=0
: > "$T/table"
for nsec in $sizes; do
	node "$SRC/tests/bench/module-find.js" seed "$OC_URL" "$vid" \
		"$ADMIN_KEY_FILE" bench/s "$nsec" "$seeded" || oc_fail "seeding"
	seeded=$nsec
	# The first secret: in the middle of the vault's paths.
	label=bench/s$(printf '%05d' $((nsec / 2)))
	echo "== $nsec secrets"
	measure module "$bench" module "$MODULE" "$label"
	measure curl "$bench" curl "$url" "$vid" "$ADMIN_KEY_FILE" "$label"
	measure tool "$bench" run "$TOOL" -q --url "$url" secret get "$vid" "$label"
	{
		row curl "libcurl (3 requests)" "$nsec"
		row module "module C_Initialize.." "$nsec"
		row tool "oneclaw-tool secret get" "$nsec"
	} >> "$T/table"
done

echo
echo "first secret by label, ${delay} ms each way (best of $rounds)"
printf '%8s %-24s %9s %6s %9s %9s\n' secrets client requests conns "time s" \
	"x curl"
cat "$T/table"
