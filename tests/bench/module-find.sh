#!/bin/sh
# tests/bench/module-find.sh - vaults of 1,000, 10,000 and 100,000 secrets:
# find every object through the module, then read 1,000 values, beside raw
# libcurl doing the same HTTP requests (the token exchange, one list parsed
# with yajl as it arrives, then 1,000 GETs over one kept-alive connection)
# in the same run (tests/bench/module-find.c).  Prints per size the times
# and their ratio, the peak resident memory the find added and its bytes
# per secret (in all, and over the previous size: what one more secret
# costs), the HTTP requests oneclaw-vaultd saw for each (counted in
# its --wire-log) and the TCP connections each opened (counted by a
# loopback relay, tests/bench/module-find.js).  Never asserted.
# BENCH_SIZES, BENCH_READS and BENCH_ROUNDS change the sizes (rounds: 7
# up to 10,000 secrets, 5 above).
. "$top_srcdir/tests/lib.sh"
oc_setup
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
oc_need node curl
bench="$BUILD/tests/bench/module-find"
[ -x "$bench" ] || oc_fail "$bench is not built (make bench builds it)"
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
sizes=${BENCH_SIZES:-1000 10000 100000}
nread=${BENCH_READS:-1000}
rounds=${BENCH_ROUNDS:-}
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault find-bench)
[ -n "$vid" ] || oc_fail "create vault"

ONECLAW_API_URL=$OC_URL
ONECLAW_API_KEY=$ADMIN_KEY
ONECLAW_VAULT_ID=$vid
export ONECLAW_API_URL ONECLAW_API_KEY ONECLAW_VAULT_ID

# Requests the server has seen so far (request lines in the wire log).
reqs() {
	grep -acE '^(GET|PUT|POST|DELETE|PATCH|HEAD) /' "$T/wire.log"
}
# kinds FROM TO: the requests FROM+1..TO by method and route.
kinds() {
	grep -aE '^(GET|PUT|POST|DELETE|PATCH|HEAD) /' "$T/wire.log" |
		sed -n "$(($1 + 1)),$2p" |
		sed -E 's#/v1/vaults/[^/ ]+#/v1/vaults/ID#; s#(/secrets/)[^ ]+#\1PATH#' |
		awk '{ print $1, $2 }' | sort | uniq -c | sed 's/^ */    /'
}
field() { # field NAME RESULT-LINE
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# faster A B: result line A found faster than B (or B is empty): the
# find is what the sizes compare.
faster() {
	[ -z "$2" ] && return 0
	awk -v a="$(field find_s "$1")" -v b="$(field find_s "$2")" \
		'BEGIN { exit !(a < b) }'
}

# Connections (the same at every size): the smallest vault, once more,
# through a counting relay.
conns() {
	node "$SRC/tests/bench/module-find.js" proxy "$T/pport" "$OC_PORT" \
		"$T/pconns" &
	ppid=$!
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $ppid"
	oc_wait_file "$T/pport" "$ppid" relay
	_url="http://127.0.0.1:$(cat "$T/pport")"
	ONECLAW_API_URL=$_url "$bench" module "$MODULE" "$nread" >/dev/null ||
		oc_fail "module run via relay"
	mconn=$(cat "$T/pconns")
	"$bench" curl "$_url" "$vid" "$ADMIN_KEY_FILE" bench/s "$nread" \
		>/dev/null || oc_fail "curl run via relay"
	cconn=$(($(cat "$T/pconns") - mconn))
	kill "$ppid" 2>/dev/null
}

# row SIZE CLIENT RESULT REQUESTS CONNS PREV-RESULT: the peak memory per
# secret, in all and over the previous size (what one more secret costs).
row() {
	printf '%8s %-8s %8s %6s %8s %8s %8s %5s %5s %9s %7s %7s\n' "$1" "$2" \
		"$(field objects "$3")" "$(field read "$3")" \
		"$(field find_s "$3")" "$(field read_s "$3")" \
		"$(field total_s "$3")" "$4" "$5" "$(field rss_kb "$3")" \
		"$(awk -v k="$(field rss_kb "$3")" -v n="$(field objects "$3")" \
			'BEGIN { printf "%.0f", n ? k * 1024 / n : 0 }')" \
		"$(awk -v k="$(field rss_kb "$3")" -v n="$(field objects "$3")" \
			-v k0="$(field rss_kb "$6")" -v n0="$(field objects "$6")" \
			'BEGIN { if (n0 == "" || n == n0) print "-";
				 else printf "%.0f", (k - k0) * 1024 / (n - n0) }')"
}

seeded=0
: > "$T/table"
for nsec in $sizes; do
	node "$SRC/tests/bench/module-find.js" seed "$OC_URL" "$vid" \
		"$ADMIN_KEY_FILE" bench/s "$nsec" "$seeded" || oc_fail "seeding"
	seeded=$nsec
	best_m="" best_c=""
	round=1
	# Small vaults are quick: more rounds against the machine's noise.
	n_rounds=${rounds:-$( [ "$nsec" -le 10000 ] && echo 7 || echo 5 )}
	while [ "$round" -le "$n_rounds" ]; do
		r0=$(reqs)
		m=$("$bench" module "$MODULE" "$nread") || oc_fail "module run"
		r1=$(reqs)
		c=$("$bench" curl "$OC_URL" "$vid" "$ADMIN_KEY_FILE" bench/s "$nread") ||
			oc_fail "curl run"
		r2=$(reqs)
		echo "$nsec secrets, round $round: module $m"
		echo "$nsec secrets, round $round: curl   $c"
		mreq=$((r1 - r0))
		creq=$((r2 - r1))
		if [ "$round" = 1 ] && [ "$seeded" = "${sizes%% *}" ]; then
			echo "requests the server saw from the module:"
			kinds "$r0" "$r1"
			echo "requests the server saw from libcurl:"
			kinds "$r1" "$r2"
		fi
		faster "$m" "$best_m" && best_m=$m
		faster "$c" "$best_c" && best_c=$c
		round=$((round + 1))
	done
	[ -n "${mconn:-}" ] || conns
	row "$nsec" module "$best_m" "$mreq" "$mconn" "${prev_m:-}" >> "$T/table"
	row "$nsec" libcurl "$best_c" "$creq" "$cconn" "${prev_c:-}" >> "$T/table"
	prev_m=$best_m prev_c=$best_c
	awk -v s="$nsec" -v m="$(field total_s "$best_m")" \
		-v c="$(field total_s "$best_c")" \
		-v mf="$(field find_s "$best_m")" -v cf="$(field find_s "$best_c")" \
		'BEGIN { printf "%8s ratio module/libcurl: find %.2f, total %.2f\n",
			s, mf / cf, m / c }' >> "$T/table"
done

echo
echo "find every object, then read $nread values (the run with the fastest find of ${rounds:-7 or 5}); libcurl parses the list with yajl"
printf '%8s %-8s %8s %6s %8s %8s %8s %5s %5s %9s %7s %7s\n' secrets client \
	objects read "find s" "read s" "total s" reqs conns "peak kB" "B/obj" \
	"B/more"
cat "$T/table"
