#!/bin/sh
# contract-stale-token.sh - creating, changing or deleting a policy revokes
# every JWT of the agent at once on the hosted service, which then answers
# 403 with a detail saying so; the official MCP client drops its token and
# exchanges the key again on exactly these details: "token has been
# revoked", "no scopes", "scopes do not cover".  The module and the tool
# must recover the same way, with exactly ONE more token exchange; a plain
# 403 (a policy that denies the path) is an answer, not a stale token: no
# exchange, and the error (tool: exit 1 "access denied"; module:
# CKR_ACTION_PROHIBITED).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault app
APP=$(cf_vault_id app)
VALUE="stale-token-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$APP" app/token "$VALUE"
cf_put_text "$APP" app/denied "denied-$VALUE"
cf_env_agent "$APP"

issued() {
	cf_count "$1" '"issued" in r'
}

i=0
for detail in "token has been revoked" "no scopes" "scopes do not cover this path"; do
	i=$((i + 1))
	echo "== \"$detail\": the module, revoked between find and read"
	cf_mark "module-$i"
	mod_pause stale app/token || oc_fail "stale app/token: $(cat "$T/pause.out")"
	cf_ctl revoke "{\"detail\":\"$detail\"}"
	mod_resume || cf_bad "p11-client stale: $(cat "$T/pause.out")"
	rv=$(tail -n 1 "$T/pause.out")
	n403=$(cf_count "module-$i" 'r["status"] == 403')
	[ "$n403" -ge 1 ] || oc_fail "the fixture never answered the revoked token"
	n=$(issued "module-$i")
	if [ "$rv" = CKR_OK ] && [ "$n" = 2 ]; then
		cf_ok "module: read after revocation, one more exchange"
	else
		cf_bad "module, \"$detail\": read gave $rv after $n token exchange(s) (want CKR_OK after 2)"
	fi

	# One tool run is one process: the policy changes between its token
	# exchange and its first request (the fixture revokes the next token
	# as it is issued).
	echo "== \"$detail\": oneclaw-tool, its token revoked as it was issued"
	cf_tool secret get "$APP" app/token > "$T/get.out" 2> "$T/get.err" ||
		oc_fail "the tool cannot read before the revocation: $(cat "$T/get.err")"
	cf_ctl revoke "{\"detail\":\"$detail\",\"future\":1}"
	cf_mark "tool-$i"
	rc=0
	cf_tool secret get "$APP" app/token > "$T/get.out" 2> "$T/get.err" || rc=$?
	[ "$(cf_count "tool-$i" 'r["status"] == 403')" -ge 1 ] ||
		oc_fail "the fixture never answered the revoked token"
	n=$(issued "tool-$i")
	if [ "$rc" = 0 ] && [ "$(cat "$T/get.out")" = "$VALUE" ] && [ "$n" = 2 ]; then
		cf_ok "tool: read after revocation, one more exchange"
	else
		cf_bad "tool, \"$detail\": exit $rc after $n token exchange(s) (want 0 after 2): $(cat "$T/get.err")"
	fi
done

echo "== a plain 403: no exchange, the error"
cf_ctl deny '{"path":"app/denied"}'
cf_mark tool-deny
rc=0
cf_tool secret get "$APP" app/denied > /dev/null 2> "$T/deny.err" || rc=$?
n=$(issued tool-deny)
if [ "$rc" = 1 ] && grep -q 'access denied' "$T/deny.err" && [ "$n" = 1 ]; then
	cf_ok "tool: exit 1, access denied, no extra exchange"
else
	cf_bad "tool, plain 403: exit $rc after $n exchange(s) (want 1 after 1, 'access denied'): $(cat "$T/deny.err")"
fi
cf_mark module-deny
rv=$(cf_client rv-read app/denied 2>&1)
n=$(issued module-deny)
if [ "$rv" = CKR_ACTION_PROHIBITED ] && [ "$n" = 1 ]; then
	cf_ok "module: CKR_ACTION_PROHIBITED, no extra exchange"
else
	cf_bad "module, plain 403: $rv after $n exchange(s) (want CKR_ACTION_PROHIBITED after 1)"
fi
cf_end
