#!/bin/sh
# Access control at its limits: an agent with more allow policies than a
# list holds (300), one with six patterns of the legal maximum length, one
# bound to the most vaults it may name (256); each gets a token and reads
# exactly what its policies grant.  And the answers a stale or narrow
# token gets: 403 "token has been revoked" after a policy change, 403
# outside explicit scopes, 403 for an agent with no scopes and no policies.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq awk
oc_setup
oc_start_vaultd

V=$(oc_create_vault scale)
W=$(oc_create_vault scale-other)

# agent NAME [EXTRA JSON MEMBERS]: creates an agent; sets AGENT and KEY.
agent() {
	vd_call 201 POST /v1/agents "{\"name\":\"$1\"${2:+,$2}}"
	AGENT=$(vd_field .agent.id)
	KEY=$(vd_field .api_key)
	oc_secret "$KEY"
}
# allow VAULT AGENT PATTERN: an allow-read policy.
allow() {
	vd_call 201 POST "/v1/vaults/$1/policies" \
		"{\"secret_path_pattern\":\"$3\",\"principal_type\":\"agent\",\"principal_id\":\"$2\",\"permissions\":[\"read\"]}"
}
# put VAULT PATH: stores a fixture secret as the admin.
put() {
	vd_call 201 PUT "/v1/vaults/$1/secrets/$2" "{\"value\":\"fixture-scale-$2\"}"
	oc_secret "fixture-scale-$2"
}
# token KEY: exchanges an agent key (must succeed); sets TOK.
token() {
	vd_call 200 POST /v1/auth/agent-token "{\"api_key\":\"$1\"}"
	TOK=$(vd_field .access_token)
	oc_secret "$TOK"
}
# read CODE VAULT PATH [DETAIL]: reads with $TOK; a 403 or 401 is a
# problem whose detail is DETAIL.
read_as() {
	OC_BEARER=$TOK vd_call "$1" GET "/v1/vaults/$2/secrets/$3"
	case "$1" in
	200)
		[ "$(vd_field .value)" = "fixture-scale-$3" ] ||
			oc_fail "read $3: $(cat "$T/.body")"
		;;
	*)
		vd_problem "$1"
		[ "$(vd_field .detail)" = "$4" ] ||
			oc_fail "read $3: expected \"$4\", got $(cat "$T/.body")"
		;;
	esac
}
# batch: sends the requests on stdin, "METHOD PATH [BODY]" a line, as the
# admin from one curl over one connection (a process per request would
# take most of the test's time); each must answer 201.
batch() {
	awk -v url="$OC_URL" -v key="$ADMIN_KEY" '{
		m = $1; p = $2; b = $0
		sub(/^[^ ]+ [^ ]+ ?/, "", b)
		gsub(/[\\"]/, "\\\\&", b)
		if (NR > 1)
			print "next"
		printf "url = \"%s%s\"\nrequest = \"%s\"\n", url, p, m
		printf "header = \"Authorization: Bearer %s\"\n", key
		print "header = \"Content-Type: application/json\""
		if (b != "")
			printf "data-binary = \"%s\"\n", b
		printf "output = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n"
	}' > "$T/.batch"
	curl -sS -K "$T/.batch" > "$T/.codes" || oc_fail "batch: curl failed"
	[ "$(grep -cx 201 "$T/.codes")" = "$(grep -c '^url' "$T/.batch")" ] ||
		oc_fail "batch: $(sort "$T/.codes" | uniq -c | tr '\n' ' ')"
}
# rep N TEXT: TEXT N times.
rep() {
	awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

uncovered="Token scopes do not cover this path"

# (a) 300 allow policies: more patterns than a token's lists hold.
agent many "\"vault_ids\":[\"$V\"]"
MANY=$AGENT
MANY_KEY=$KEY
awk -v v="$V" -v a="$MANY" 'BEGIN {
	for (i = 1; i <= 300; i++) {
		printf "POST /v1/vaults/%s/policies ", v
		printf "{\"secret_path_pattern\":\"p%d/**\",", i
		printf "\"principal_type\":\"agent\",\"principal_id\":\"%s\",", a
		printf "\"permissions\":[\"read\"]}\n"
	}
}' | batch
vd_call 200 GET "/v1/vaults/$V/policies"
[ "$(vd_field '[.policies[].secret_path_pattern] | unique | length')" = 300 ] ||
	oc_fail "300 policies"
for p in p1/x p150/x p300/x q/x; do
	put "$V" "$p"
done
token "$MANY_KEY"
read_as 200 "$V" p1/x
read_as 200 "$V" p150/x
read_as 200 "$V" p300/x
read_as 403 "$V" q/x "$uncovered"
# A list shows what may be read.
list_as() {
	OC_BEARER=$TOK vd_call 200 GET "/v1/vaults/$1/secrets"
	[ "$(vd_field '[.secrets[].path] | sort | join(",")')" = "$2" ] ||
		oc_fail "list: $(cat "$T/.body")"
}
list_as "$V" p1/x,p150/x,p300/x

# (b) Six patterns of about 1 KiB (the limit is 1024), each matching one
# stored secret: "bigN/" then "a?" 500 times then "*".
agent wide "\"vault_ids\":[\"$V\"]"
WIDE_KEY=$KEY
ab=$(rep 500 ab)
for n in 1 2 3 4 5 6; do
	pat="big$n/$(rep 500 'a?')*"
	if [ ${#pat} -lt 1000 ] || [ ${#pat} -gt 1024 ]; then
		oc_fail "pattern length ${#pat}"
	fi
	allow "$V" "$AGENT" "$pat"
	put "$V" "big$n/$ab"
done
put "$V" "big1/b$ab"
token "$WIDE_KEY"
for n in 1 2 3 4 5 6; do
	read_as 200 "$V" "big$n/$ab"
done
read_as 403 "$V" "big1/b$ab" "$uncovered"
read_as 403 "$V" p1/x "$uncovered"

# (c) Bound to 256 vaults (the most vault_ids holds): the token carries
# every id and still reads.
awk 'BEGIN {
	for (i = 1; i <= 254; i++)
		printf "POST /v1/vaults {\"name\":\"bound-%d\"}\n", i
}' | batch
vd_call 200 GET /v1/vaults
agent bound "\"vault_ids\":$(jq -c '[.vaults[].id]' < "$T/.body")"
[ "$(vd_field '.agent.vault_ids | length')" = 256 ] || oc_fail "256 vault_ids"
allow "$W" "$AGENT" "w/*"
put "$W" w/x
token "$KEY"
[ "$(vd_field '.vault_ids | length')" = 256 ] || oc_fail "token vault_ids"
read_as 200 "$W" w/x
OC_BEARER=$TOK vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults | length')" = 256 ] || oc_fail "bound agent lists vaults"

# (d) The answers of a stale or narrow token.  A policy change revokes the
# agent's tokens.
token "$MANY_KEY"
read_as 200 "$V" p1/x
allow "$V" "$MANY" "q/*"
read_as 403 "$V" p1/x "token has been revoked"
token "$MANY_KEY"
read_as 200 "$V" q/x
# Explicit scopes narrow what the policies grant.
agent narrow "\"vault_ids\":[\"$V\"],\"scopes\":[\"p1/*\"]"
allow "$V" "$AGENT" "**"
token "$KEY"
read_as 200 "$V" p1/x
read_as 403 "$V" p150/x "$uncovered"
list_as "$V" p1/x
# A path covered by an allow policy in another vault: past the scope check,
# refused by this vault's policies.
agent roamer
allow "$W" "$AGENT" "**"
token "$KEY"
read_as 200 "$W" w/x
read_as 403 "$V" p1/x "No policy grants access to this path"
list_as "$V" ""
# No scopes and no policies.
agent bare "\"vault_ids\":[\"$V\"]"
token "$KEY"
read_as 403 "$V" p1/x "Agent has no scopes"
exit 0
