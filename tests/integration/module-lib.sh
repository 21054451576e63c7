# tests/integration/module-lib.sh - helpers of the module-*.sh tests,
# sourced after tests/lib.sh (not a test itself).

CLIENT="$BUILD/tests/integration/p11-client"

# mod_need: the module and the test client are built.
mod_need() {
	[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
	[ -x "$CLIENT" ] || oc_fail "the test client is not built: $CLIENT"
}

# mod_env [VAULT [NAME]]: credential mode through the environment (the
# config file stays the empty one from oc_setup); NAME labels the token.
mod_env() {
	ONECLAW_API_URL=$OC_URL
	ONECLAW_API_KEY=$ADMIN_KEY
	export ONECLAW_API_URL ONECLAW_API_KEY
	unset ONECLAW_CMEK_KEY ONECLAW_CMEK_KEY_FILE ONECLAW_AGENT_API_KEY \
		ONECLAW_VAULT_NAME
	if [ $# -ge 1 ] && [ -n "$1" ]; then
		ONECLAW_VAULT_ID=$1
		export ONECLAW_VAULT_ID
	else
		unset ONECLAW_VAULT_ID
	fi
	if [ $# -ge 2 ]; then
		ONECLAW_VAULT_NAME=$2
		export ONECLAW_VAULT_NAME
	fi
}

# mod_serial VAULT_ID: the token serial the module gives that vault.
mod_serial() {
	if [ "${#1}" -le 16 ]; then
		printf '%s' "$1"
	else
		printf '%s%s' "$(printf '%s' "$1" | cut -c1-8)" \
			"$(printf '%s' "$1" | sha256sum | cut -c1-8)"
	fi
}

# mod_client ARGS...: the test client on the module.
mod_client() {
	$OC_WRAP "$CLIENT" "$MODULE" "$@"
}

# mod_tool ARGS...: pkcs11-tool on the module, output in $T/p11.out.
mod_tool() {
	pkcs11-tool --module "$MODULE" "$@" >"$T/p11.out" 2>&1
}

# mod_urlpath PATH: the secret path for a URL (each segment encoded).
mod_urlpath() {
	node -e 'process.stdout.write(process.argv[1].split("/").map(encodeURIComponent).join("/"))' "$1"
}

# mod_put VAULT PATH FILE [TYPE]: stores FILE's bytes exactly, as the
# clients do: UTF-8 as a string, anything else as base64 with
# "encoding":"base64" in the metadata.
mod_put() {
	node -e '
const b = require("fs").readFileSync(process.argv[1]);
let s = null;
try { s = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b); } catch (e) {}
const o = s !== null ? { value: s, type: process.argv[2] }
	: { value: b.toString("base64"), type: process.argv[2], metadata: { encoding: "base64" } };
process.stdout.write(JSON.stringify(o));' "$3" "${4:-generic}" > "$T/.put.json" ||
		oc_fail "mod_put: encoding $3"
	_code=$(curl -sS -o "$T/.put.out" -w '%{http_code}' -X PUT \
		-H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary @"$T/.put.json" \
		"$OC_URL/v1/vaults/$1/secrets/$(mod_urlpath "$2")") || _code=000
	[ "$_code" = 201 ] || oc_fail "PUT $2: HTTP $_code $(cat "$T/.put.out")"
}

# mod_put_text VAULT PATH TEXT [TYPE]
mod_put_text() {
	printf '%s' "$3" > "$T/.put.txt"
	mod_put "$1" "$2" "$T/.put.txt" "${4:-generic}"
}

# mod_get VAULT PATH OUT: the value the server holds, decoded as the
# clients decode it (base64 when the metadata says so), into OUT; prints
# the JSON fields cmek_encrypted and version.
mod_get() {
	_code=$(curl -sS -o "$T/.get.json" -w '%{http_code}' \
		-H "Authorization: Bearer $ADMIN_KEY" \
		"$OC_URL/v1/vaults/$1/secrets/$(mod_urlpath "$2")") || _code=000
	[ "$_code" = 200 ] || return 1
	node -e '
const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
const enc = j.metadata && j.metadata.encoding === "base64";
require("fs").writeFileSync(process.argv[2],
	enc || j.cmek_encrypted ? Buffer.from(j.value, "base64") : Buffer.from(j.value, "utf8"));
process.stdout.write(`cmek_encrypted=${j.cmek_encrypted} version=${j.version}\n`);' "$T/.get.json" "$3"
}

# mod_status VAULT PATH: the HTTP status of a GET of the secret.
mod_status() {
	curl -sS -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $ADMIN_KEY" \
		"$OC_URL/v1/vaults/$1/secrets/$(mod_urlpath "$2")" || echo 000
}

# mod_wire_count FILE REGEX: requests in a vaultd wire log whose request
# line matches REGEX.
mod_wire_count() {
	grep -cE "^($2)" "$1" || true
}

# mod_pause ARGS...: the test client in the background on a command that
# says "found" and then waits for a line on stdin (stale, stale-write);
# returns once it has said "found" (1 when it ended instead, its output in
# $T/pause.out).  mod_resume lets it go on and waits for it.  Only
# timeout(1) bounds the wait: a client under valgrind on a busy machine
# may take long to get there.
mod_pause() {
	MOD_N=$((${MOD_N:-0} + 1))
	# A "found" left from the run before must not count.
	rm -f "$T/go.$MOD_N" "$T/pause.out"
	mkfifo "$T/go.$MOD_N"
	timeout 120 $OC_WRAP "$CLIENT" "$MODULE" "$@" < "$T/go.$MOD_N" \
		> "$T/pause.out" 2>&1 &
	MOD_PAUSED=$!
	exec 3> "$T/go.$MOD_N"
	until grep -q '^found$' "$T/pause.out" 2>/dev/null; do
		if ! kill -0 "$MOD_PAUSED" 2>/dev/null; then
			exec 3>&-
			wait "$MOD_PAUSED" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	return 0
}
mod_resume() {
	echo go >&3
	exec 3>&-
	wait "$MOD_PAUSED" || return 1
	return 0
}
