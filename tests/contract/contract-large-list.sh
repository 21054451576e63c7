#!/bin/sh
# contract-large-list.sh - the hosted service has no pagination: a vault of
# 100,000 secrets answers its list in one 27 MB body.  The module must
# list every one of them as a data object (once sent with a
# Content-Length, once chunked), in bounded memory: the client's peak
# resident set stays under 512 MiB (a bound, not a timing; not judged in
# a sanitized build).  oneclaw-tool secret list must list them too.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault bulk-length --vault bulk-chunked
cf_env_user

COUNT=100000
MAX_KB=$((512 * 1024))
LEN=$(cf_vault_id bulk-length)
CHUNKED=$(cf_vault_id bulk-chunked)
cf_ctl bulk "{\"vault\":\"$LEN\",\"count\":$COUNT}"
cf_ctl bulk "{\"vault\":\"$CHUNKED\",\"count\":$COUNT,\"chunked\":true}"
# The fixture's own list answer, for the record.
cf_api GET "/v1/vaults/$LEN/secrets"
[ "$CF_STATUS" = 200 ] || oc_fail "GET the list: $CF_STATUS"
echo "the list of $COUNT secrets is $(wc -c < "$T/.body") bytes"
rm -f "$T/.body"

# list_all VAULT HOW: the module lists the vault; every object counted.
list_all() {
	cf_mark "module-$2"
	if ONECLAW_VAULT_ID=$1 timeout 600 $OC_WRAP "$CLIENT" "$MODULE" labels \
		> "$T/labels" 2> "$T/labels.err"; then
		n=$(wc -l < "$T/labels")
		hwm=$(sed -n 's/^VmHWM \([0-9]*\) kB$/\1/p' "$T/labels.err")
		echo "$2: $n objects, client peak RSS ${hwm:-?} kB"
		[ "$n" = "$COUNT" ] && cf_ok "$2: all $COUNT objects" ||
			cf_bad "$2: the module lists $n objects, not $COUNT"
		[ "$(sort -u "$T/labels" | wc -l)" = "$COUNT" ] ||
			cf_bad "$2: labels are not $COUNT distinct paths"
		grep -qx 'svc/app-99999/db-password' "$T/labels" ||
			cf_bad "$2: the last secret is missing"
		if [ "$OC_SANITIZED" = 1 ]; then
			# ASan's shadow memory and quarantine are not the module's.
			echo "$2: peak RSS not judged in a sanitized build"
		elif [ -n "$hwm" ] && [ "$hwm" -lt "$MAX_KB" ]; then
			cf_ok "$2: peak RSS $hwm kB < $MAX_KB kB"
		else
			cf_bad "$2: peak RSS ${hwm:-unknown} kB, bound $MAX_KB kB"
		fi
	else
		cf_bad "$2: p11-client labels: $(tail -n 3 "$T/labels.err")"
	fi
	[ "$(cf_count "module-$2" 'r["method"] == "GET" and r["path"].endswith("/secrets")')" -ge 1 ] ||
		cf_bad "$2: the module never asked for the list"
	rm -f "$T/labels"
}

echo "== the module, an answer with a Content-Length"
list_all "$LEN" content-length
echo "== the module, a chunked answer"
list_all "$CHUNKED" chunked

echo "== oneclaw-tool secret list"
if cf_tool --json secret list "$LEN" > "$T/list.json" 2> "$T/list.err"; then
	n=$("$CF_PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/list.json")
	[ "$n" = "$COUNT" ] && cf_ok "secret list: $COUNT secrets" ||
		cf_bad "secret list: $n secrets, not $COUNT"
else
	cf_bad "secret list: $(cat "$T/list.err")"
fi
rm -f "$T/list.json"
cf_end
