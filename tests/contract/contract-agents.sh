#!/bin/sh
# contract-agents.sh - oneclaw-tool agent and policy against the hosted
# service's answers: agents and policies with unknown members, nulls for
# every optional member, members left out, mistyped members, odd entries
# in scopes and vault_ids, unknown permissions, a terminal escape in a
# name, and entries with no usable id (skipped, the others listed).  What
# the tool sends is exactly the API's request (no member it does not
# mean, the right types); a rotate-key answer that carries only the key
# and a PATCH answered 204 are taken; the key of a new agent works at the
# service and is never in the request log.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
command -v jq >/dev/null 2>&1 || oc_skip "jq not installed"
cf_start --scenario odd-agents --vault prod
cf_env_user
ODD=$(cf_vault_id agents-odd)
PROD=$(cf_vault_id prod)
cf_put_text "$PROD" db/pass "contract-agents-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"

# as_key KEY CMD...: CMD with the agent key KEY as the only credential.
as_key() {
	(
		unset ONECLAW_API_KEY
		ONECLAW_AGENT_API_KEY=$1
		export ONECLAW_AGENT_API_KEY
		shift
		"$@"
	)
}

echo "== agent list: every agent with a usable id"
# The usable ids as the service lists them.
cf_api GET /v1/agents
"$CF_PY" -c 'import json, re, sys
for a in json.load(open(sys.argv[1]))["agents"]:
    i = a.get("id")
    if isinstance(i, str) and re.fullmatch(r"[A-Za-z0-9._:~-]{1,64}", i):
        print(i)' "$T/.body" | sort > "$T/want.ids"
if cf_tool --json agent list > "$T/al.json" 2> "$T/al.err"; then
	jq -r '.[].id' "$T/al.json" | sort > "$T/got.ids"
	cmp -s "$T/want.ids" "$T/got.ids" && cf_ok "agent list: $(wc -l < "$T/got.ids") agents" ||
		cf_bad "agent list: $(tr '\n' ' ' < "$T/got.ids"), want $(tr '\n' ' ' < "$T/want.ids")"
else
	cf_bad "agent list --json: $(cat "$T/al.err")"
fi
if cf_tool agent list > "$T/al.txt" 2> "$T/al.err"; then
	grep -q "$(printf '\033')" "$T/al.txt" && cf_bad "agent list: an escape reached the terminal" ||
		cf_ok "agent list: the escape in a name is shown as '?'"
	grep -q 'evil?]0;owned?name' "$T/al.txt" && cf_ok "agent list: the odd name listed" ||
		cf_bad "agent list text: $(cat "$T/al.txt")"
else
	cf_bad "agent list: $(cat "$T/al.err")"
fi

echo "== a name clipped (a NUL, or longer than a name may be) names no agent"
LONG=$(printf '%01020d' 0 | tr 0 L)
for n in clip "$LONG"; do
	short=$(printf %.8s "$n")
	if cf_tool agent get "$n" > /dev/null 2> "$T/g.err"; then
		cf_bad "agent get $short...: matched the agent whose name only starts so"
	else
		grep -q "unknown agent" "$T/g.err" && cf_ok "agent get $short...: unknown" ||
			cf_bad "agent get $short...: $(cat "$T/g.err")"
	fi
done

echo "== agent get: nulls, members left out, mistyped members, odd lists"
# check NAME JQ WANT
check() {
	if cf_tool --json agent get "$1" > "$T/g.json" 2> "$T/g.err"; then
		got=$(jq -c "$2" "$T/g.json")
		[ "$got" = "$3" ] && cf_ok "agent get $1: $2" ||
			cf_bad "agent get $1: $2 is $got, want $3"
	else
		cf_bad "agent get $1: $(cat "$T/g.err")"
	fi
}
check all-nulls '[.is_active, .vault_ids, .scopes, .token_ttl_seconds, .expires_at, .description]' \
	'[null,[],[],null,null,""]'
check missing-members '[.is_active, .vault_ids, .auth_method, .created_at]' '[null,[],"",""]'
check unknown-members '[.is_active, .token_ttl_seconds, .created_at]' \
	'[null,null,"2026-02-18T12:00:00.123456+00:00"]'
check odd-lists '[.scopes, .vault_ids]' "[[\"db/*\",\"ok/**\"],[\"$ODD\"]]"
check long-description '.description | length' 1024
if cf_tool agent get all-nulls > "$T/g.txt" 2> "$T/g.err"; then
	grep -q '^active: *?$' "$T/g.txt" && cf_ok "agent get text: active unknown" ||
		cf_bad "agent get all-nulls text: $(cat "$T/g.txt")"
else
	cf_bad "agent get all-nulls: $(cat "$T/g.err")"
fi

echo "== policy list: usable entries, odd members"
if cf_tool --json policy list agents-odd > "$T/pl.json" 2> "$T/pl.err"; then
	n=$(jq length "$T/pl.json")
	[ "$n" = 5 ] && cf_ok "policy list: 5 policies" || cf_bad "policy list: $n policies, want 5"
	got=$(jq -c '[.[] | [(.permissions | join(",")), .effect, .priority]]' "$T/pl.json")
	want='[["read","allow",0],["read","allow",0],["","allow",null],["read","deny",-7],["","allow",null]]'
	[ "$got" = "$want" ] && cf_ok "policy list: permissions, effects, priorities" ||
		cf_bad "policy list: $got, want $want"
else
	cf_bad "policy list: $(cat "$T/pl.err")"
fi
cf_tool policy list agents-odd > "$T/pl.txt" 2> "$T/pl.err" &&
	cf_ok "policy list text" || cf_bad "policy list text: $(cat "$T/pl.err")"

echo "== agent create: the request is the API's, the key works"
cf_mark create
if cf_tool agent create sandbox --vault prod --scope 'db/*' --token-ttl 900 \
	--expires-at 2099-01-01T00:00:00Z > "$T/key" 2> "$T/c.err"; then
	KEY=$(cat "$T/key")
	oc_secret "$KEY"
	cf_ok "agent create"
else
	KEY=
	cf_bad "agent create: $(cat "$T/c.err")"
fi
# sent PHASE METHOD PATH_END WANT: what the phase sent there is WANT (a
# Python literal: every member, exact types, nothing more).
sent() {
	_same=$(cf_eval "$1" "[r.get('sent') for r in rs if r['method'] == '$2' and r['path'].endswith('$3')] == [$4]")
	[ "$_same" = True ] && cf_ok "$1 sent exactly the API's request" ||
		cf_bad "$1 sent $(cf_eval "$1" "[r.get('sent') for r in rs if r['method'] == '$2']"), want [$4]"
}
sent create POST /v1/agents \
	"{'name': 'sandbox', 'vault_ids': ['$PROD'], 'scopes': ['db/*'], 'token_ttl_seconds': 900, 'expires_at': '2099-01-01T00:00:00Z'}"
AID=$(cf_state 's["agents"]["sandbox"]["id"]')
if [ -n "$KEY" ]; then
	got=$(as_key "$KEY" cf_tool secret get "$PROD" db/pass 2> "$T/r.err") &&
		[ -n "$got" ] && cf_ok "the new key reads through the tool" ||
		cf_bad "the new key: $(cat "$T/r.err")"
fi

echo "== policy add: the request is the API's"
cf_mark policy
if PID=$(cf_tool policy add prod --path 'db/*' --agent sandbox --permissions read,write \
	--deny --priority 3 2> "$T/p.err"); then
	cf_ok "policy add: $PID"
else
	cf_bad "policy add: $(cat "$T/p.err")"
fi
sent policy POST /policies \
	"{'secret_path_pattern': 'db/*', 'principal_type': 'agent', 'principal_id': '$AID', 'permissions': ['read', 'write'], 'effect': 'deny', 'priority': 3}"
cf_tool policy rm prod "$PID" 2> "$T/p.err" && cf_ok "policy rm" ||
	cf_bad "policy rm: $(cat "$T/p.err")"
[ "$(cf_state 'len(s["policies"][a[0]])' "$PROD")" = 0 ] || cf_bad "policy rm left the policy"

echo "== rotate-key answered without the key: the tool says the key may have changed"
cf_ctl agent-answers '{"rotate":"no-key"}'
if cf_tool agent rotate-key sandbox > "$T/rot.out" 2> "$T/rot.err"; then
	cf_bad "rotate-key without a key in the answer succeeded"
else
	[ ! -s "$T/rot.out" ] && grep -q "may have been rotated" "$T/rot.err" &&
		grep -q "rotate-key $AID\` again" "$T/rot.err" &&
		cf_ok "rotate-key without a key: exit 1, told the key may have changed" ||
		cf_bad "rotate-key without a key: $(cat "$T/rot.out" "$T/rot.err")"
fi

echo "== rotate-key answered with the key alone, PATCH answered 204"
cf_ctl agent-answers '{"rotate":"key-only","patch":"empty"}'
if cf_tool --json agent rotate-key sandbox > "$T/rot.json" 2> "$T/rot.err"; then
	NEWKEY=$(jq -r .api_key "$T/rot.json")
	oc_secret "$NEWKEY"
	[ "$(jq -r '[.agent.id, .agent.name] | join("|")' "$T/rot.json")" = "$AID|sandbox" ] &&
		cf_ok "rotate-key: the key, and the agent as read before" ||
		cf_bad "rotate-key: $(jq -c .agent "$T/rot.json")"
	as_key "$KEY" cf_tool secret get "$PROD" db/pass \
		> /dev/null 2>&1 && cf_bad "the old key still works"
	as_key "$NEWKEY" cf_tool secret get "$PROD" db/pass \
		> /dev/null 2> "$T/r.err" && cf_ok "the new key works" ||
		cf_bad "the rotated key: $(cat "$T/r.err")"
else
	cf_bad "rotate-key (key-only answer): $(cat "$T/rot.err")"
fi
cf_mark deactivate
cf_tool agent deactivate sandbox 2> "$T/d.err" && cf_ok "deactivate (204)" ||
	cf_bad "deactivate: $(cat "$T/d.err")"
sent deactivate PATCH "$AID" "{'is_active': False}"
[ "$(cf_state 's["agents"]["sandbox"]["is_active"]')" = False ] || cf_bad "still active"
cf_tool agent rm sandbox 2> "$T/d.err" && cf_ok "agent rm" || cf_bad "agent rm: $(cat "$T/d.err")"
[ "$(cf_state '"sandbox" in s["agents"]')" = False ] || cf_bad "agent rm left the agent"

echo "== the keys never reach the request log"
for k in "$KEY" "${NEWKEY:-}"; do
	[ -n "$k" ] && grep -qF "$k" "$CF_LOG" && cf_bad "a key is in the request log"
done
cf_end
