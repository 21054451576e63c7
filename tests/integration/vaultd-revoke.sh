#!/bin/sh
# Stale agent tokens, as the hosted service answers them: creating,
# changing or deleting a policy for an agent, changing the agent, rotating
# its key or deleting a vault it has policies in revokes every token issued
# to it before; such a token gets 403 "token has been revoked" (the answer
# on which clients exchange their key again), a fresh exchange works at
# once, even within the same second, other agents, users and their tokens
# are unaffected, and a revocation survives a restart.  Plain policy
# denials say nothing that would make a client exchange again for nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd

A=$(oc_create_vault revoke-a)
C=$(oc_create_vault revoke-c)
for p in db/pass app/key; do
	vd_call 201 PUT "/v1/vaults/$A/secrets/$p" "{\"value\":\"fixture-revoke-$p\"}"
	oc_secret "fixture-revoke-$p"
done

# agent NAME: creates an agent; sets AGENT and KEY.
agent() {
	vd_call 201 POST /v1/agents "{\"name\":\"$1\"}"
	AGENT=$(vd_field .agent.id)
	KEY=$(vd_field .api_key)
	oc_secret "$KEY"
}
# policy VAULT AGENT PATTERN: an allow-read policy; sets POLICY.
policy() {
	vd_call 201 POST "/v1/vaults/$1/policies" \
		"{\"secret_path_pattern\":\"$3\",\"principal_type\":\"agent\",\"principal_id\":\"$2\",\"permissions\":[\"read\"]}"
	POLICY=$(vd_field .id)
}
# token KEY: prints a fresh agent token.
token() {
	_t=$(vd_token "$1" agent-token)
	[ -n "$_t" ] && [ "$_t" != null ] || oc_fail "agent token exchange"
	oc_secret "$_t"
	printf '%s' "$_t"
}
# reads TOKEN: the token reads db/pass of vault A.
reads() {
	OC_BEARER=$1 vd_call 200 GET "/v1/vaults/$A/secrets/db/pass"
	[ "$(vd_field .value)" = fixture-revoke-db/pass ] || oc_fail "read: $(cat "$T/.body")"
}
# revoked TOKEN WHAT: the token is refused as revoked, status and body
# checked with curl itself.
revoked() {
	_code=$(curl -sS -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $1" "$OC_URL/v1/vaults/$A/secrets/db/pass") ||
		_code=000
	[ "$_code" = 403 ] || oc_fail "$2: expected 403, got $_code: $(cat "$T/.body")"
	vd_problem 403
	[ "$(vd_field .detail)" = "token has been revoked" ] ||
		oc_fail "$2: detail: $(cat "$T/.body")"
}

agent x
X=$AGENT
XKEY=$KEY
policy "$A" "$X" "db/*"
XP=$POLICY
agent y
Y=$AGENT
YKEY=$KEY
policy "$A" "$Y" "db/*"
TY=$(token "$YKEY")
reads "$TY"

# Policy create, update and delete, each right after the exchange (mostly
# within one second): the old token is revoked, a new one works at once,
# the other agent's token is untouched.
TX=$(token "$XKEY")
reads "$TX"
policy "$A" "$X" "app/*"
XP2=$POLICY
revoked "$TX" "after a policy create"
TX=$(token "$XKEY")
reads "$TX"
reads "$TY"
vd_call 200 PUT "/v1/vaults/$A/policies/$XP2" '{"secret_path_pattern":"app/**"}'
revoked "$TX" "after a policy update"
TX=$(token "$XKEY")
reads "$TX"
vd_call 204 DELETE "/v1/vaults/$A/policies/$XP2"
revoked "$TX" "after a policy delete"
TX=$(token "$XKEY")
reads "$TX"
reads "$TY"
# Ten changes in quick succession: each revokes the token issued just
# before it, whatever the clock's second.
i=0
while [ $i -lt 10 ]; do
	TX=$(token "$XKEY")
	reads "$TX"
	vd_call 200 PUT "/v1/vaults/$A/policies/$XP" "{\"priority\":$i}"
	revoked "$TX" "quick change $i"
	i=$((i + 1))
done
TX=$(token "$XKEY")
reads "$TX"

# Moving a policy from one agent to another revokes both.
agent z
Z=$AGENT
ZKEY=$KEY
policy "$A" "$Z" "db/*"
TZ=$(token "$ZKEY")
reads "$TZ"
policy "$A" "$Z" "app/*"
MOVE=$POLICY
TZ=$(token "$ZKEY")
vd_call 200 PUT "/v1/vaults/$A/policies/$MOVE" "{\"principal_id\":\"$X\"}"
revoked "$TX" "policy moved to the agent"
revoked "$TZ" "policy moved away from the agent"
TX=$(token "$XKEY")
TZ=$(token "$ZKEY")
reads "$TX"
reads "$TZ"
reads "$TY"

# A policy for a user revokes no agent's token, and touches no user
# token or raw user key.
UT=$(vd_token "$ADMIN_KEY")
oc_secret "$UT"
vd_call 201 POST "/v1/vaults/$A/policies" \
	'{"secret_path_pattern":"**","principal_type":"user","principal_id":"00000000-0000-4000-8000-000000000001","permissions":["read"]}'
reads "$TX"
reads "$UT"
reads "$ADMIN_KEY"

# Changes to the agent: scopes, vault binding, key rotation.
vd_call 200 PATCH "/v1/agents/$X" '{"scopes":["db/*"]}'
revoked "$TX" "after a scope change"
TX=$(token "$XKEY")
reads "$TX"
vd_call 200 PATCH "/v1/agents/$X" "{\"vault_ids\":[\"$A\"]}"
revoked "$TX" "after a binding change"
TX=$(token "$XKEY")
reads "$TX"
vd_call 200 POST "/v1/agents/$X/rotate-key"
NEWKEY=$(vd_field .api_key)
oc_secret "$NEWKEY"
revoked "$TX" "after a key rotation"
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$XKEY\"}"
XKEY=$NEWKEY
TX=$(token "$XKEY")
reads "$TX"
reads "$TY"

# Deleting a vault deletes the policies in it: the agents they named lose
# their tokens, others keep theirs.
policy "$C" "$Z" "**"
TZ=$(token "$ZKEY")
reads "$TZ"
vd_call 204 DELETE "/v1/vaults/$C"
revoked "$TZ" "after deleting a vault the agent had a policy in"
TZ=$(token "$ZKEY")
reads "$TZ"
reads "$TX"

# A deactivated agent: its token and its key are refused as credentials
# (401: exchanging again cannot help).
vd_call 200 PATCH "/v1/agents/$Z" '{"is_active":false}'
OC_BEARER=$TZ vd_call 401 GET "/v1/vaults/$A/secrets/db/pass"
vd_problem 401
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$ZKEY\"}"

# The revocation survives a restart; a token issued after it, and the
# other agent's, still work.
OLD=$TX
vd_call 204 DELETE "/v1/vaults/$A/policies/$MOVE"
revoked "$OLD" "before the restart"
TX=$(token "$XKEY")
oc_stop_vaultd
oc_serve_vaultd
revoked "$OLD" "after a restart"
reads "$TX"
reads "$TY"
TX2=$(token "$XKEY")
reads "$TX2"
vd_call 201 POST "/v1/vaults/$A/policies" \
	"{\"secret_path_pattern\":\"other/*\",\"principal_type\":\"agent\",\"principal_id\":\"$X\",\"permissions\":[\"read\"]}"
oc_stop_vaultd
oc_serve_vaultd
revoked "$TX2" "changed, then restarted"
reads "$(token "$XKEY")"

# Plain denials: 403 with a detail that names none of the phrases on
# which clients exchange again ("no scopes", "scopes do not cover",
# "token has been revoked").
plain() {
	_d=$(vd_field .detail | tr '[:upper:]' '[:lower:]')
	case "$_d" in
	*"no scopes"* | *"scopes do not cover"* | *"token has been revoked"*)
		oc_fail "$1: a plain denial reads as stale: $(cat "$T/.body")" ;;
	esac
}
TX=$(token "$XKEY")
OC_BEARER=$TX vd_call 403 PUT "/v1/vaults/$A/secrets/db/pass" '{"value":"x"}'
plain "no write policy"
vd_call 201 POST "/v1/vaults/$A/policies" \
	"{\"secret_path_pattern\":\"db/pass\",\"principal_type\":\"agent\",\"principal_id\":\"$X\",\"permissions\":[\"read\"],\"effect\":\"deny\"}"
TX=$(token "$XKEY")
OC_BEARER=$TX vd_call 403 GET "/v1/vaults/$A/secrets/db/pass"
plain "deny policy"
OC_BEARER=$TX vd_call 403 GET "/v1/vaults/$C/secrets/db/pass"
plain "vault binding"
OC_BEARER=$TY vd_call 403 GET /v1/agents
plain "admin only"
exit 0
