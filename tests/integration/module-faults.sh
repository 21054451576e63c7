#!/bin/sh
# module-faults.sh - every fault gives its clean CK_RV or recovers; none
# crashes or hangs: a secret deleted since listing (gone:
# CKR_OBJECT_HANDLE_INVALID), 500s (CKR_DEVICE_ERROR, ulDeviceError 500)
# and a single 500, 429 or 401 (recovered), a truncated body, a slow
# server past the timeout, a stopped server, a server that never answers,
# garbage JSON and an oversized body (CKR_DEVICE_ERROR), access denied
# (CKR_ACTION_PROHIBITED), a refused credential (CKR_USER_NOT_LOGGED_IN).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl timeout mkfifo
mod_need
oc_start_vaultd

vid=$(oc_create_vault faults)
other=$(oc_create_vault elsewhere)
mod_put_text "$vid" app/a "fault-a"
mod_put_text "$vid" app/doomed "fault-doomed"
mod_env "$vid"

# expect RV ARGS...: p11-client rv-read ... prints RV, within the limit.
expect() {
	_want=$1
	shift
	timeout 120 $OC_WRAP "$CLIENT" "$MODULE" "$@" > "$T/rv" 2> "$T/rv.err"
	_rc=$?
	[ "$_rc" -eq 124 ] && oc_fail "$*: hung"
	[ "$_rc" -ge 128 ] && oc_fail "$*: killed by signal $((_rc - 128))"
	_got=$(head -n1 "$T/rv")
	[ "$_got" = "$_want" ] || oc_fail "$*: $_got $(cat "$T/rv.err"), want $_want"
	echo "ok: $* -> $_got"
}
restart() { # vaultd args...
	oc_stop_vaultd
	oc_serve_vaultd "$@"
	mod_env "$vid"
}

expect CKR_OK rv-read app/a

# Deleted between listing and reading.
mod_pause stale app/doomed || oc_fail "stale: $(cat "$T/pause.out")"
oc_api DELETE "/v1/vaults/$vid/secrets/app/doomed" > /dev/null
mod_resume || oc_fail "stale client: $(cat "$T/pause.out")"
grep -q CKR_OBJECT_HANDLE_INVALID "$T/pause.out" || oc_fail "deleted: $(cat "$T/pause.out")"
echo "ok: deleted since listing -> CKR_OBJECT_HANDLE_INVALID"

# Server errors: always (device error, the status in ulDeviceError), once
# (retried), 429 once (Retry-After honoured), 401 once (re-exchanged).
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,status=500"
expect CKR_DEVICE_ERROR rv-read app/a
expect "CKR_DEVICE_ERROR 500" deverr app/a
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,status=500,count=1"
expect CKR_OK rv-read app/a
restart --faults "method=GET,path=/v1/vaults/$vid/secrets,status=429,retry-after=1,count=1"
expect CKR_OK rv-read app/a
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,status=401,count=1"
expect CKR_OK rv-read app/a
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,truncate"
expect CKR_DEVICE_ERROR rv-read app/a

# Slow: past the timeout is a device error, within it a value.
( umask 077 && printf 'timeout = 1\nretries = 0\n' > "$T/fast.conf" )
# The slow answer is held until the client has given up.
: > "$T/hold"
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,hold=$T/hold"
ONECLAW_PKCS11_CONF="$T/fast.conf" expect CKR_DEVICE_ERROR rv-read app/a
rm -f "$T/hold"
restart --faults "method=GET,path=/v1/vaults/$vid/secrets/,delay=300"
expect CKR_OK rv-read app/a

# Access denied: an agent bound to another vault.
restart
oc_api POST /v1/agents "{\"name\":\"bound\",\"vault_ids\":[\"$other\"]}" > "$T/agent.json"
oc_expect_status 201
agent_key=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1])).api_key)' "$T/agent.json")
oc_secret "$agent_key"
(
	unset ONECLAW_API_KEY
	ONECLAW_AGENT_API_KEY=$agent_key
	export ONECLAW_AGENT_API_KEY
	expect CKR_ACTION_PROHIBITED rv-read app/a
) || exit 1

# A credential the server refuses.
ONECLAW_API_KEY=1ck_thisisnotavalidkeythisisnotvalid expect CKR_USER_NOT_LOGGED_IN rv-read app/a

# The server stopped.
oc_stop_vaultd
expect CKR_DEVICE_ERROR rv-read app/a

# Servers that break the API: never answering, garbage, oversized.
cat > "$T/fake.js" <<'EOS'
const http = require("http");
const mode = process.argv[2];
const srv = http.createServer((req, res) => {
	if (req.url.startsWith("/v1/auth/")) {
		res.writeHead(200, { "Content-Type": "application/json" });
		res.end(JSON.stringify({ access_token: "aa.bb.cc", token_type: "Bearer", expires_in: 3600 }));
		return;
	}
	if (mode === "silent")
		return;
	res.writeHead(200, { "Content-Type": "application/json" });
	if (mode === "garbage") {
		res.end("{\"secrets\": [ {\"path\": \"app/a\", \"version\": tru");
		return;
	}
	const chunk = Buffer.alloc(1 << 20, 0x20);
	let n = 0;
	const more = () => {
		while (n < 200) {
			n++;
			if (!res.write(chunk)) { res.once("drain", more); return; }
		}
		res.end();
	};
	res.on("error", () => {});
	more();
});
srv.listen(0, "127.0.0.1", () =>
	require("fs").writeFileSync(process.argv[3], String(srv.address().port)));
EOS
for mode in silent garbage oversized; do
	rm -f "$T/fake.port"
	node "$T/fake.js" "$mode" "$T/fake.port" &
	fake=$!
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $fake"
	oc_wait_file "$T/fake.port" "$fake" "the fake server"
	ONECLAW_API_URL="http://127.0.0.1:$(cat "$T/fake.port")" \
		ONECLAW_PKCS11_CONF="$T/fast.conf" expect CKR_DEVICE_ERROR rv-read app/a
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
done
exit 0
