# tests/contract/contract-lib.sh - helpers of the contract-*.sh tests,
# sourced after tests/lib.sh (not a test itself).
#
# The contract tests run the module and oneclaw-tool against
# hosted-fixture.py, a stand-in of the HOSTED service shaped on its
# published API, not against oneclaw-vaultd (which answers what our client
# expects).  Each test starts its own fixture on a free loopback port.
#
# After `cf_start [fixture args]`:
#   $CF_URL, $CF_PORT       the fixture
#   $CF_USER_KEY            its 1ck_ user key ($T/user.key)
#   $CF_AGENT_KEY           its ocv_ agent key ($T/agent.key)
#   $CF_LOG                 its request log (JSON lines, see logq.py)
# A test checks with cf_bad (counts a failure and goes on, so that one run
# shows every broken promise) and ends with cf_end.

. "$top_srcdir/tests/integration/module-lib.sh" # CLIENT, mod_pause, mod_resume
CF_FIXTURE="$SRC/tests/contract/hosted-fixture.py"
CF_LOGQ="$SRC/tests/contract/logq.py"
CF_FAILS=0
CF_N=0

# cf_need: python3, the module, the test client and the tool.  $CF_PY is
# the interpreter itself: a version manager's shim in front of it can cost
# most of a second per call, and the tests call it often.
cf_need() {
	command -v python3 >/dev/null 2>&1 ||
		oc_skip "python3 not installed (it runs the contract fixture)"
	CF_PY=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$CF_PY" ] ||
		oc_skip "python3 does not run"
	[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
	[ -x "$CLIENT" ] || oc_fail "the test client is not built: $CLIENT"
	[ -x "$TOOL" ] || oc_fail "oneclaw-tool is not built: $TOOL"
}

# cf_key PREFIX FILE: a fresh random key, registered as a fixture secret.
cf_key() {
	( umask 077 && printf '%s%s\n' "$1" \
		"$(head -c 30 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" \
		> "$2" )
	oc_secret "$(cat "$2")"
}

cf_cleanup() {
	_rc=$?
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ] && [ -f "${CF_LOG:-}" ]; then
		echo "--- fixture request log (last 30 lines) ---" >&2
		tail -n 30 "$CF_LOG" | cut -c1-400 >&2
	fi
	(exit "$_rc")
	oc_cleanup
}

# cf_start [hosted-fixture.py args...]
cf_start() {
	cf_key 1ck_ "$T/user.key"
	cf_key ocv_ "$T/agent.key"
	CF_USER_KEY=$(cat "$T/user.key")
	CF_AGENT_KEY=$(cat "$T/agent.key")
	CF_LOG="$OC_LOG_DIR/$(basename "$0").fixture.log"
	rm -f "$T/fixture.port"
	"$CF_PY" "$CF_FIXTURE" --port-file "$T/fixture.port" --log "$CF_LOG" \
		--user-key-file "$T/user.key" --agent-key-file "$T/agent.key" \
		"$@" 2>"$OC_LOG_DIR/$(basename "$0").fixture-stderr.log" &
	CF_PID=$!
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $CF_PID"
	trap cf_cleanup EXIT
	oc_wait_file "$T/fixture.port" "$CF_PID" "the contract fixture"
	CF_PORT=$(cat "$T/fixture.port")
	CF_URL="http://127.0.0.1:$CF_PORT"
}

# cf_ctl VERB [JSON]: a control verb of the fixture (see its --help).
cf_ctl() {
	_body=${2:-}
	[ -n "$_body" ] || _body='{}'
	_code=$(curl -sS -o "$T/.ctl" -w '%{http_code}' -X POST \
		--data-binary "$_body" "$CF_URL/_fixture/$1") || _code=000
	[ "$_code" = 200 ] || oc_fail "fixture control $1: HTTP $_code $(cat "$T/.ctl")"
}

# cf_mark NAME: starts a phase of the request log (logq.py --phase).
cf_mark() {
	cf_ctl mark "{\"name\":\"$1\"}"
}

# cf_state EXPR [ARGS...]: a Python expression over the fixture's state
# `s` (GET /_fixture/state), with ARGS as the list `a`.
cf_state() {
	curl -sS "$CF_URL/_fixture/state" > "$T/.state" || oc_fail "fixture state"
	"$CF_PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
a = sys.argv[3:]
print(eval(sys.argv[2]))' "$T/.state" "$@"
}

# cf_vault_id NAME
cf_vault_id() {
	cf_state 's["vaults"][a[0]]' "$1"
}

# cf_count MARK EXPR, cf_eval MARK EXPR, cf_show MARK EXPR: logq.py over
# the phase MARK of the request log.
cf_count() {
	"$CF_PY" "$CF_LOGQ" "$CF_LOG" --phase "$1" count "$2"
}
cf_eval() {
	"$CF_PY" "$CF_LOGQ" "$CF_LOG" --phase "$1" eval "$2"
}
cf_show() {
	"$CF_PY" "$CF_LOGQ" "$CF_LOG" --phase "$1" show "$2" | cut -c1-400 >&2
}

# cf_api METHOD PATH [JSON]: a request with the user key as bearer; the
# body in $T/.body, the status in $CF_STATUS.
cf_api() {
	if [ $# -gt 2 ]; then
		CF_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X "$1" \
			-H "Authorization: Bearer $CF_USER_KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "$3" "$CF_URL$2") || CF_STATUS=000
	else
		CF_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X "$1" \
			-H "Authorization: Bearer $CF_USER_KEY" "$CF_URL$2") ||
			CF_STATUS=000
	fi
}

# cf_put VAULT PATH FILE [JSON MEMBERS]: stores FILE's text (UTF-8) at
# PATH with the user key, plus the members of the JSON object given
# (type, metadata, expires_at, max_access_count...).
cf_put() {
	_members=${4:-}
	[ -n "$_members" ] || _members='{}'
	"$CF_PY" -c 'import json, sys
o = {"value": open(sys.argv[1], encoding="utf-8").read()}
o.update(json.loads(sys.argv[2]))
sys.stdout.write(json.dumps(o))' "$3" "$_members" > "$T/.put.json" ||
		oc_fail "cf_put: encoding $3"
	CF_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X PUT \
		-H "Authorization: Bearer $CF_USER_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary @"$T/.put.json" \
		"$CF_URL/v1/vaults/$1/secrets/$2") || CF_STATUS=000
	rm -f "$T/.put.json"
	[ "$CF_STATUS" = 201 ] || oc_fail "PUT $2: HTTP $CF_STATUS $(cat "$T/.body")"
}

# cf_put_text VAULT PATH TEXT [JSON MEMBERS]: TEXT is registered as a
# fixture secret.
cf_put_text() {
	printf '%s' "$3" > "$T/.put.txt"
	oc_secret "$3"
	cf_put "$1" "$2" "$T/.put.txt" "${4:-}"
	rm -f "$T/.put.txt"
}

# cf_env_user [VAULT_ID], cf_env_agent [VAULT_ID]: the module and the tool
# use the fixture with the user or the agent key (credential mode through
# the environment; the config file stays oc_setup's empty one).
cf_env_user() {
	cf_env_clear "${1:-}"
	ONECLAW_API_KEY=$CF_USER_KEY
	export ONECLAW_API_KEY
}
cf_env_agent() {
	cf_env_clear "${1:-}"
	ONECLAW_AGENT_API_KEY=$CF_AGENT_KEY
	export ONECLAW_AGENT_API_KEY
}
cf_env_clear() {
	unset ONECLAW_API_KEY ONECLAW_AGENT_API_KEY ONECLAW_AGENT_ID \
		ONECLAW_TOKEN ONECLAW_CMEK_KEY ONECLAW_CMEK_KEY_FILE \
		ONECLAW_VAULT_ID ONECLAW_BASE_URL
	ONECLAW_API_URL=$CF_URL
	export ONECLAW_API_URL
	if [ -n "$1" ]; then
		ONECLAW_VAULT_ID=$1
		export ONECLAW_VAULT_ID
	fi
}

# cf_tool ARGS...: oneclaw-tool, stdin from /dev/null.
cf_tool() {
	$OC_WRAP "$TOOL" "$@" < /dev/null
}

# cf_client ARGS...: the test client on the module.
cf_client() {
	$OC_WRAP "$CLIENT" "$MODULE" "$@"
}

cf_ok() {
	echo "ok: $*"
}

cf_bad() {
	echo "FAIL: $*" >&2
	CF_FAILS=$((CF_FAILS + 1))
}

cf_end() {
	[ "$CF_FAILS" -eq 0 ] || oc_fail "$CF_FAILS check(s) failed (see FAIL lines above)"
	exit 0
}
