#!/bin/sh
# oneclaw-tool agent and policy: an agent bound to one vault with a read
# policy on a path glob reads, through its own key (the tool and the
# module), the secrets the glob matches and nothing else; rotate-key ends
# the old key; deactivate ends every key; rm removes the agent; --out
# writes a 0600 file and keeps the key off stdout; --json parses; bad
# arguments exit 2 with a message and send nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_need jq
oc_setup
mod_need
oc_start_vaultd
tool_env

A=$(oc_create_vault agents-a)
B=$(oc_create_vault agents-b)
for p in db/pass db/user app/key; do
	oc_api PUT "/v1/vaults/$A/secrets/$p" "{\"value\":\"fixture-agents-$p\"}" > /dev/null
	oc_expect_status 201
	oc_secret "fixture-agents-$p"
done
oc_api PUT "/v1/vaults/$B/secrets/db/pass" '{"value":"fixture-agents-b"}' > /dev/null
oc_expect_status 201
oc_secret fixture-agents-b

# as_agent KEY [ID] CMD...: runs CMD with the agent's key as the only
# credential.
as_agent() {
	_key=$1
	shift
	(
		unset ONECLAW_API_KEY ONECLAW_AGENT_ID
		ONECLAW_AGENT_API_KEY=$_key
		export ONECLAW_AGENT_API_KEY
		if [ -n "${AGENT_ID_ENV:-}" ]; then
			ONECLAW_AGENT_ID=$AGENT_ID_ENV
			export ONECLAW_AGENT_ID
		fi
		"$@"
	)
}

# reads KEY VAULT PATH WANT: the agent reads WANT at PATH.
reads() {
	_got=$(as_agent "$1" tool secret get "$2" "$3" 2>"$T/read.err") ||
		oc_fail "agent read $2 $3: $(cat "$T/read.err")"
	[ "$_got" = "$4" ] || oc_fail "agent read $2 $3: wrong value"
}

# refused KEY VAULT PATH PATTERN: the agent cannot read PATH.
refused() {
	expect_exit 1 "$4" as_agent "$1" tool secret get "$2" "$3"
	grep -q 'fixture-agents' "$T/out" && oc_fail "a refused read printed a value"
	return 0
}

echo "== create: the key once on stdout, the id on stderr"
KEY=$(tool agent create reader --vault agents-a --description 'reads db' \
	--token-ttl 600 2>"$T/create.err") || oc_fail "agent create: $(cat "$T/create.err")"
oc_secret "$KEY"
case $KEY in ocv_?*) ;; *) oc_fail "agent create printed no ocv_ key" ;; esac
[ "$(printf '%s\n' "$KEY" | wc -l)" = 1 ] || oc_fail "agent create printed more than the key"
grep -q 'shown once' "$T/create.err" || oc_fail "agent create: no note on stderr"
AID=$(sed -n 's/^agent id: \([^ ]*\).*/\1/p' "$T/create.err")
[ -n "$AID" ] || oc_fail "agent create: no id on stderr"

echo "== get: by name and by id, text and --json"
tool --json agent get reader > "$T/get.json" || oc_fail "agent get reader"
[ "$(jq -r '[.id, .name, .description, .auth_method, .is_active, .token_ttl_seconds, (.vault_ids | join(",")), (.scopes | length)] | map(tostring) | join("|")' "$T/get.json")" = \
	"$AID|reader|reads db|api_key|true|600|$A|0" ] || oc_fail "agent get --json: $(cat "$T/get.json")"
jq -e 'has("api_key") | not' "$T/get.json" > /dev/null || oc_fail "agent get shows a key"
tool agent get "$AID" > "$T/get.txt" || oc_fail "agent get by id"
grep -q "^name: *reader$" "$T/get.txt" || oc_fail "agent get text: $(cat "$T/get.txt")"
grep -q "^vaults: *$A$" "$T/get.txt" || oc_fail "agent get text: vaults"
grep -q "^active: *yes$" "$T/get.txt" || oc_fail "agent get text: active"
tool agent list > "$T/list.txt" || oc_fail "agent list"
grep -q "^$AID  yes     1       reader$" "$T/list.txt" || oc_fail "agent list: $(cat "$T/list.txt")"
tool --json agent list > "$T/list.json" || oc_fail "agent list --json"
[ "$(jq -r 'map(.id) | join(",")' "$T/list.json")" = "$AID" ] || oc_fail "agent list --json"

echo "== no policy: nothing readable"
refused "$KEY" "$A" db/pass 'access denied'

echo "== policy add: read on db/*"
P1=$(tool policy add agents-a --path 'db/*' --agent reader --permissions read) ||
	oc_fail "policy add"
tool --json policy list agents-a > "$T/pol.json" || oc_fail "policy list --json"
[ "$(jq -r '.[] | [.id, .vault_id, .secret_path_pattern, .principal_type, .principal_id, (.permissions | join(",")), .effect] | join("|")' "$T/pol.json")" = \
	"$P1|$A|db/*|agent|$AID|read|allow" ] || oc_fail "policy list --json: $(cat "$T/pol.json")"
tool policy list "$A" > "$T/pol.txt" || oc_fail "policy list"
grep -q "^$P1  allow   read        agent  $AID  db/\*$" "$T/pol.txt" ||
	oc_fail "policy list text: $(cat "$T/pol.txt")"

echo "== the agent's key: the glob, not outside it, not another vault"
reads "$KEY" "$A" db/pass fixture-agents-db/pass
reads "$KEY" "$A" db/user fixture-agents-db/user
AGENT_ID_ENV=$AID
reads "$KEY" "$A" db/pass fixture-agents-db/pass
AGENT_ID_ENV=
refused "$KEY" "$A" app/key 'access denied'
refused "$KEY" "$B" db/pass 'access denied'
printf 'agent-write' > "$T/w.txt"
expect_exit 1 'access denied' as_agent "$KEY" tool secret put "$A" db/pass --file "$T/w.txt"
# The module, with the same key in its environment.
got=$(as_agent "$KEY" env ONECLAW_VAULT_ID="$A" \
	$OC_WRAP "$CLIENT" "$MODULE" read db/pass) || oc_fail "module read as the agent"
[ "$got" = fixture-agents-db/pass ] || oc_fail "module read: wrong value"
as_agent "$KEY" env ONECLAW_VAULT_ID="$A" \
	$OC_WRAP "$CLIENT" "$MODULE" read app/key > /dev/null 2>&1 &&
	oc_fail "the module read outside the glob"

echo "== rotate-key --out: a 0600 file, the key not on stdout, the old key ends"
umask 022
tool agent rotate-key reader --out "$T/new.key" > "$T/rot.out" 2> "$T/rot.err" ||
	oc_fail "rotate-key --out: $(cat "$T/rot.err")"
NEWKEY=$(cat "$T/new.key")
oc_secret "$NEWKEY"
[ "$(stat -c %a "$T/new.key")" = 600 ] || oc_fail "the key file is not 0600"
[ "$(cat "$T/rot.out")" = "$AID" ] || oc_fail "rotate-key --out: stdout: $(cat "$T/rot.out")"
grep -q ocv_ "$T/rot.out" "$T/rot.err" && oc_fail "rotate-key --out printed the key"
[ "$NEWKEY" != "$KEY" ] || oc_fail "rotate-key gave the same key"
refused "$KEY" "$A" db/pass 'credential was refused'
reads "$NEWKEY" "$A" db/pass fixture-agents-db/pass
# An existing file is refused before anything changes.
expect_exit 1 'exists' tool agent rotate-key reader --out "$T/new.key"
[ "$(cat "$T/new.key")" = "$NEWKEY" ] || oc_fail "rotate-key overwrote a key file"
reads "$NEWKEY" "$A" db/pass fixture-agents-db/pass

echo "== --json create and rotate-key"
tool --json agent create jsonbot --vault "$A" --vault agents-a --scope 'db/pass' \
	--expires-at 2099-01-01T00:00:00Z > "$T/c.json" || oc_fail "agent create --json"
JKEY=$(jq -r .api_key "$T/c.json")
oc_secret "$JKEY"
JID=$(jq -r .agent.id "$T/c.json")
case $JKEY in ocv_?*) ;; *) oc_fail "create --json: no api_key" ;; esac
[ "$(jq -r '[.agent.name, (.agent.scopes | join(",")), (.agent.vault_ids | join(",")), .agent.expires_at] | join("|")' "$T/c.json")" = \
	"jsonbot|db/pass|$A|2099-01-01T00:00:00Z" ] || oc_fail "create --json: $(jq -c .agent "$T/c.json")"
# --scope narrows what a policy grants: ** is read, db/pass only comes.
tool policy add "$A" --path '**' --agent "$JID" --permissions read,write > /dev/null ||
	oc_fail "policy add by agent id"
reads "$JKEY" "$A" db/pass fixture-agents-db/pass
refused "$JKEY" "$A" db/user 'access denied'
tool --json agent rotate-key jsonbot --out "$T/json.key" > "$T/r.json" || oc_fail "rotate-key --json --out"
oc_secret "$(cat "$T/json.key")"
[ "$(jq -r '[.agent.id, .key_file, has("api_key")] | map(tostring) | join("|")' "$T/r.json")" = \
	"$JID|$T/json.key|false" ] || oc_fail "rotate-key --json --out: $(cat "$T/r.json")"
tool --json agent rotate-key "$JID" > "$T/r2.json" || oc_fail "rotate-key --json"
JKEY2=$(jq -r .api_key "$T/r2.json")
oc_secret "$JKEY2"
reads "$JKEY2" "$A" db/pass fixture-agents-db/pass
tool --json agent create filebot --out "$T/file.key" > "$T/f.json" || oc_fail "create --json --out"
oc_secret "$(cat "$T/file.key")"
[ "$(stat -c %a "$T/file.key")" = 600 ] || oc_fail "create --out: not 0600"
jq -e '.key_file and (has("api_key") | not) and (.agent.vault_ids == [])' "$T/f.json" > /dev/null ||
	oc_fail "create --json --out: $(cat "$T/f.json")"
grep -q ocv_ "$T/f.json" && oc_fail "create --json --out printed the key"
expect_exit 1 'exists' tool agent create other --out "$T/file.key"
tool --json agent get other > /dev/null 2>&1 && oc_fail "a refused --out still made an agent"

echo "== policy rm, --deny"
PD=$(tool policy add agents-a --path db/user --agent reader --permissions read --deny --priority -5) ||
	oc_fail "policy add --deny"
tool --json policy list "$A" > "$T/pol.json"
[ "$(jq -r ".[] | select(.id == \"$PD\") | [.effect, .priority] | map(tostring) | join(\"|\")" "$T/pol.json")" = "deny|-5" ] ||
	oc_fail "deny policy: $(cat "$T/pol.json")"
refused "$NEWKEY" "$A" db/user 'access denied'
tool --json policy rm agents-a "$PD" > "$T/rm.json" || oc_fail "policy rm"
jq -e ".id == \"$PD\" and .deleted == true" "$T/rm.json" > /dev/null || oc_fail "policy rm --json"
reads "$NEWKEY" "$A" db/user fixture-agents-db/user
expect_exit 1 'not found' tool policy rm agents-a "$PD"
UID_=00000000-0000-4000-8000-000000000001
tool --json policy add "$A" --path 'x/**' --user "$UID_" --permissions write > "$T/u.json" ||
	oc_fail "policy add --user"
[ "$(jq -r '[.principal_type, .principal_id, (.permissions | join(","))] | join("|")' "$T/u.json")" = "user|$UID_|write" ] ||
	oc_fail "policy add --user: $(cat "$T/u.json")"

echo "== deactivate: the key ends"
tool agent deactivate reader 2> "$T/deact.err" || oc_fail "deactivate: $(cat "$T/deact.err")"
refused "$NEWKEY" "$A" db/pass 'credential was refused'
[ "$(tool --json agent get reader | jq -r .is_active)" = false ] || oc_fail "still active"
tool agent list | grep -q "^$AID  no " || oc_fail "agent list: not shown inactive"

echo "== rm"
tool --json agent rm reader > "$T/arm.json" || oc_fail "agent rm"
jq -e ".id == \"$AID\" and .deleted == true" "$T/arm.json" > /dev/null || oc_fail "agent rm --json"
expect_exit 1 "unknown agent 'reader'" tool agent get reader
expect_exit 1 "unknown agent '$AID'" tool agent get "$AID"
tool --json agent list | jq -e "map(.id) | index(\"$AID\") == null" > /dev/null ||
	oc_fail "agent rm: still listed"

echo "== names: ambiguous, unknown"
tool agent create twin --out "$T/t1.key" > /dev/null || oc_fail "twin 1"
tool agent create twin --out "$T/t2.key" > /dev/null || oc_fail "twin 2"
oc_secret "$(cat "$T/t1.key")" "$(cat "$T/t2.key")"
expect_exit 1 'ambiguous' tool agent get twin
expect_exit 1 "unknown agent 'nobody'" tool policy add "$A" --path x --agent nobody --permissions read
expect_exit 1 "unknown vault" tool policy list no-such-vault
expect_exit 1 "unknown vault" tool agent create x --vault no-such-vault
tool agent get x > /dev/null 2>&1 && oc_fail "an unknown --vault still made an agent"

echo "== a key that cannot be written: exit 1, and what happened told"
# A write that fails half-way (file size limit): the file is removed, the
# key is not shown anywhere, and the message says the rotated key is held
# by nobody and how to get one.  (A wrapper such as valgrind cannot run
# with no room for its own files.)
if [ -z "${OC_WRAP:-}" ]; then
	(
		trap '' XFSZ
		ulimit -f 0
		rc=0
		tool agent rotate-key "$JID" --out "$T/half.key" 2>&1 || rc=$?
		echo "rc=$rc"
	) | cat > "$T/half.log"
	grep -q '^rc=1$' "$T/half.log" || oc_fail "rotate-key into a full file: $(cat "$T/half.log")"
	grep -q "cannot write $T/half.key: .*a key nobody holds: run \`oneclaw-tool agent rotate-key $JID --out FILE\`" \
		"$T/half.log" || oc_fail "rotate-key into a full file: $(cat "$T/half.log")"
	[ -e "$T/half.key" ] && oc_fail "a half-written key file was left"
	grep -q ocv_ "$T/half.log" && oc_fail "a failed key file write printed the key"
	refused "$JKEY2" "$A" db/pass 'credential was refused'
fi
# stdout that cannot be written: without --out the key is lost (said,
# with the command that makes a new one); with --out it is in the file.
expect_exit 1 "the key is lost: run \`oneclaw-tool agent rotate-key $JID\`" \
	sh -c 'exec "$@" > /dev/full' sh $OC_WRAP "$TOOL" agent rotate-key "$JID"
expect_exit 1 "cannot write the output \(the key is in $T/full.key\)" \
	sh -c 'exec "$@" > /dev/full' sh $OC_WRAP "$TOOL" --json agent rotate-key "$JID" --out "$T/full.key"
FKEY=$(cat "$T/full.key")
oc_secret "$FKEY"
reads "$FKEY" "$A" db/pass fixture-agents-db/pass
# An --out that cannot be created stops the command before a key is made:
# the key in use keeps working, no agent appears, no file is left.
expect_exit 1 "cannot create --out $T/no-such-dir/k: No such file" \
	tool agent rotate-key "$JID" --out "$T/no-such-dir/k"
reads "$FKEY" "$A" db/pass fixture-agents-db/pass
expect_exit 1 "cannot create --out $T/no-such-dir/k" \
	tool agent create nodir --out "$T/no-such-dir/k"
tool agent get nodir > /dev/null 2>&1 && oc_fail "an --out that cannot be created still made an agent"
# A command that fails before the key is made removes the file it made.
expect_exit 1 "unknown agent 'nobody'" tool agent rotate-key nobody --out "$T/nobody.key"
[ -e "$T/nobody.key" ] && oc_fail "a failed rotate-key left its --out file"
expect_exit 1 "unknown vault" tool agent create x --vault no-such-vault --out "$T/x.key"
[ -e "$T/x.key" ] && oc_fail "a failed create left its --out file"

echo "== usage errors: exit 2, a message, nothing sent"
before=$(tool --json agent list | jq length)
expect_exit 2 'create, list, get' tool agent
expect_exit 2 'unknown subcommand' tool agent frob
expect_exit 2 'add, list or rm' tool policy
expect_exit 2 'exactly one NAME' tool agent create
expect_exit 2 'exactly one NAME' tool agent create a b
expect_exit 2 'agent name is 1 to' tool agent create ''
expect_exit 2 'agent name is 1 to' tool agent create "$(printf 'a\033b')"
expect_exit 2 'token-ttl wants a whole number from 1 to 86400' tool agent create a --token-ttl 0
expect_exit 2 'token-ttl wants a whole number' tool agent create a --token-ttl 86401
expect_exit 2 'token-ttl wants a whole number' tool agent create a --token-ttl 10s
expect_exit 2 'RFC 3339' tool agent create a --expires-at tomorrow
expect_exit 2 'RFC 3339' tool agent create a --expires-at 2030-02-30T00:00:00Z
expect_exit 2 'in the past' tool agent create a --expires-at 2001-01-01T00:00:00Z
expect_exit 2 'scope wants a path glob' tool agent create a --scope ''
expect_exit 2 'scope wants a path glob' tool agent create a --scope "$(printf 'db/\001')"
expect_exit 2 'description wants at most' tool agent create a --description "$(printf 'x\ny')"
expect_exit 2 'out wants a file name' tool agent create a --out ''
many=$(i=0; while [ $i -le 4096 ]; do printf -- '--scope x '; i=$((i + 1)); done)
# shellcheck disable=SC2086
expect_exit 2 'at most 4096 --scope' tool agent create a $many
many=$(i=0; while [ $i -le 4096 ]; do printf -- '--vault x '; i=$((i + 1)); done)
# shellcheck disable=SC2086
expect_exit 2 'at most 4096 --vault' tool agent create a $many
big=$(printf '%01000d' 0 | tr 0 g)
many=$(i=0; while [ $i -lt 263 ]; do printf -- '--scope %s ' "$big"; i=$((i + 1)); done)
# shellcheck disable=SC2086
expect_exit 2 'bytes together' tool agent create a $many
expect_exit 2 'needs a value' tool agent create a --vault
expect_exit 2 'vault wants a vault id or name' tool agent create a --vault ''
expect_exit 2 'agent wants an agent id or name' tool policy add "$A" --path x --agent '' --permissions read
expect_exit 2 'unknown option' tool agent create a --vaults x
expect_exit 2 'exactly one AGENT' tool agent get
expect_exit 2 'exactly one AGENT' tool agent rm a b
expect_exit 2 'exactly one AGENT' tool agent rotate-key
expect_exit 2 'exactly one AGENT' tool agent deactivate
expect_exit 2 'unexpected argument' tool agent list x
expect_exit 2 'give --path' tool policy add "$A" --agent a --permissions read
expect_exit 2 'path wants a path glob' tool policy add "$A" --path '' --agent a --permissions read
expect_exit 2 'one of --agent AGENT or --user' tool policy add "$A" --path x --permissions read
expect_exit 2 'one of --agent AGENT or --user' tool policy add "$A" --path x --agent a --user "$UID_" --permissions read
expect_exit 2 'give --permissions' tool policy add "$A" --path x --agent a
expect_exit 2 'permissions takes read, write' tool policy add "$A" --path x --agent a --permissions admin
expect_exit 2 'permissions takes read, write' tool policy add "$A" --path x --agent a --permissions read,
expect_exit 2 'permissions takes read, write' tool policy add "$A" --path x --agent a --permissions ''
expect_exit 2 'a permission twice' tool policy add "$A" --path x --agent a --permissions write,write
expect_exit 2 'priority wants a whole number' tool policy add "$A" --path x --agent a --permissions read --priority 1e3
expect_exit 2 'priority wants a whole number' tool policy add "$A" --path x --agent a --permissions read --priority 1000001
expect_exit 2 'priority wants a whole number' tool policy add "$A" --path x --agent a --permissions read --priority --5
expect_exit 2 'user wants a user id' tool policy add "$A" --path x --user bob --permissions read
expect_exit 2 'RFC 3339' tool policy add "$A" --path x --agent a --permissions read --expires-at 2030-01-01
expect_exit 2 'exactly one VAULT' tool policy list
expect_exit 2 'a VAULT and a POLICY_ID' tool policy rm "$A"
expect_exit 2 'is not a policy id' tool policy rm "$A" 'a/b'
[ "$(tool --json agent list | jq length)" = "$before" ] || oc_fail "a usage error changed the agents"
for c in "agent create" "agent list" "agent get" "agent rotate-key" "agent deactivate" \
	"agent rm" "policy add" "policy list" "policy rm" agent policy; do
	# shellcheck disable=SC2086
	tool $c --help > "$T/help" || oc_fail "$c --help"
	grep -q 'Usage: oneclaw-tool agent\|Usage: oneclaw-tool policy' "$T/help" ||
		oc_fail "$c --help prints no usage"
done
tool --help | grep -q 'policy add VAULT' || oc_fail "--help does not list policy add"
echo "PASS"
