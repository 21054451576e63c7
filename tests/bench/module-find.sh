#!/bin/sh
# tests/bench/module-find.sh - a vault of 10,000 secrets: find every object
# through the module, then read 1,000 values, beside raw libcurl doing the
# same HTTP requests (the token exchange, one list, then 1,000 GETs over
# one kept-alive connection) in the same run (tests/bench/module-find.c).
# Prints the times and their ratio, the HTTP requests oneclaw-vaultd saw
# for each (counted in its --wire-log) and the TCP connections each opened
# (counted by a loopback relay, tests/bench/module-find.js).  Never
# asserted.
# BENCH_SECRETS and BENCH_READS change the sizes.
. "$top_srcdir/tests/lib.sh"
oc_setup
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
oc_need node curl
bench="$BUILD/tests/bench/module-find"
[ -x "$bench" ] || oc_fail "$bench is not built (make bench builds it)"
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
nsec=${BENCH_SECRETS:-10000}
nread=${BENCH_READS:-1000}
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault find-bench)
[ -n "$vid" ] || oc_fail "create vault"
node "$SRC/tests/bench/module-find.js" seed "$OC_URL" "$vid" \
	"$ADMIN_KEY_FILE" bench/s "$nsec" || oc_fail "seeding"

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

# faster A B: result line A has a smaller total than B (or B is empty).
faster() {
	[ -z "$2" ] && return 0
	awk -v a="$(field total_s "$1")" -v b="$(field total_s "$2")" \
		'BEGIN { exit !(a < b) }'
}

best_m="" best_c=""
for round in 1 2 3; do
	r0=$(reqs)
	m=$("$bench" module "$MODULE" "$nread") || oc_fail "module run"
	r1=$(reqs)
	c=$("$bench" curl "$OC_URL" "$vid" "$ADMIN_KEY_FILE" bench/s "$nread") ||
		oc_fail "curl run"
	r2=$(reqs)
	echo "round $round: module $m"
	echo "round $round: curl   $c"
	mreq=$((r1 - r0))
	creq=$((r2 - r1))
	if [ "$round" = 1 ]; then
		echo "requests the server saw from the module:"
		kinds "$r0" "$r1"
		echo "requests the server saw from libcurl:"
		kinds "$r1" "$r2"
	fi
	faster "$m" "$best_m" && best_m=$m
	faster "$c" "$best_c" && best_c=$c
done

# Connections: the module once more, through a counting relay.
node "$SRC/tests/bench/module-find.js" proxy "$T/pport" "$OC_PORT" \
	"$T/pconns" &
ppid=$!
OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $ppid"
oc_wait_file "$T/pport" "$ppid" relay
ONECLAW_API_URL="http://127.0.0.1:$(cat "$T/pport")"
"$bench" module "$MODULE" "$nread" >/dev/null || oc_fail "module run via relay"
mconn=$(cat "$T/pconns")
"$bench" curl "$ONECLAW_API_URL" "$vid" "$ADMIN_KEY_FILE" bench/s "$nread" \
	>/dev/null || oc_fail "curl run via relay"
cconn=$(($(cat "$T/pconns") - mconn))
kill "$ppid" 2>/dev/null

echo
echo "vault of $nsec secrets; find all, then read $nread values (best of 3)"
printf '%-8s %8s %6s %9s %9s %9s %9s %6s\n' "client" "objects" "read" \
	"find s" "read s" "total s" "requests" "conns"
printf '%-8s %8s %6s %9s %9s %9s %9s %6s\n' module \
	"$(field objects "$best_m")" "$(field read "$best_m")" \
	"$(field find_s "$best_m")" "$(field read_s "$best_m")" \
	"$(field total_s "$best_m")" "$mreq" "$mconn"
printf '%-8s %8s %6s %9s %9s %9s %9s %6s\n' libcurl \
	"$(field objects "$best_c")" "$(field read "$best_c")" \
	"$(field find_s "$best_c")" "$(field read_s "$best_c")" \
	"$(field total_s "$best_c")" "$creq" "$cconn"
awk -v m="$(field total_s "$best_m")" -v c="$(field total_s "$best_c")" \
	-v mf="$(field find_s "$best_m")" -v cf="$(field find_s "$best_c")" \
	'BEGIN { printf "ratio module/libcurl: total %.2f, find %.2f\n",
		m / c, mf / cf }'
