#!/bin/sh
# contract-vault-bound.sh - an agent key bound to one vault.  The hosted
# service checks the binding before it looks anything up, so
# GET /v1/vaults/<a name> answers 403 to that agent, not 404: a client
# that treats only 404 as "not an id, try it as a name" cannot find a vault
# by name.  oneclaw-tool secret get <VAULT NAME> <path> must fall back to
# the vault list (which shows the bound vault) and work.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault bound-vault --vault other-vault --agent-vaults bound-vault
BOUND=$(cf_vault_id bound-vault)
VALUE="vault-bound-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$BOUND" app/token "$VALUE"
cf_env_agent

echo "== secret get by vault name"
cf_mark by-name
rc=0
cf_tool secret get bound-vault app/token > "$T/out" 2> "$T/err" || rc=$?
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$VALUE" ]; then
	cf_ok "secret get bound-vault app/token"
else
	cf_bad "secret get bound-vault app/token: exit $rc: $(cat "$T/err")"
fi
[ "$(cf_count by-name 'r["path"] == "/v1/vaults/bound-vault" and r["status"] != 403')" = 0 ] ||
	oc_fail "the fixture did not answer 403 to a vault name"

echo "== secret get by vault id"
rc=0
cf_tool secret get "$BOUND" app/token > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "$VALUE" ] && cf_ok "secret get by id" ||
	cf_bad "secret get $BOUND app/token: exit $rc: $(cat "$T/err")"

echo "== a vault outside the binding, by name"
rc=0
cf_tool secret get other-vault app/token > /dev/null 2> "$T/err" || rc=$?
[ "$rc" = 1 ] && cf_ok "other-vault: exit 1 ($(cat "$T/err"))" ||
	cf_bad "other-vault: exit $rc, want 1: $(cat "$T/err")"

echo "== the module: one token, the bound vault"
# No vault configured: the stand-in token lists the vaults at the first
# session and stands for the first one.
if cf_client session-slots > "$T/slots" 2> "$T/slots.err"; then
	[ "$(wc -l < "$T/slots")" = 1 ] && grep -q "	1claw *	1claw vault $BOUND" "$T/slots" &&
		cf_ok "one token, bound-vault" ||
		cf_bad "tokens: $(cat "$T/slots")"
else
	cf_bad "p11-client slots: $(cat "$T/slots.err")"
fi
cf_end
