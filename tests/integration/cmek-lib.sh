# tests/integration/cmek-lib.sh - helpers of the cmek-*.sh tests, sourced
# after tests/lib.sh (not a test itself).  The reference side of every CMEK
# check is Node's WebCrypto (tests/node/cmek-tool.js), the 1claw SDK's own
# primitive; fixtures are sealed there and stored over HTTP with curl.

# cmek_need_node: the pinned npm packages (tests/node/setup.sh) are
# installed, or the test skips with the reason.  Sets NODE_TESTS, NODE_PATH.
cmek_need_node() {
	oc_need node npm curl
	NODE_TESTS="$SRC/tests/node"
	if ! sh "$NODE_TESTS/setup.sh" "$BUILD/tests/node-deps" 2>"$T/node-setup.err"
	then
		cat "$T/node-setup.err" >&2
		oc_skip "the pinned npm package pkcs11js could not be installed"
	fi
	NODE_PATH="$BUILD/tests/node-deps/node_modules"
	export NODE_PATH
}

cmek_need_module() {
	[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
}

cmek_tool() {
	node "$NODE_TESTS/cmek-tool.js" "$@"
}

# cmek_node SCRIPT ARGS...: runs a Node test client; 77 skips, anything
# but 0 fails.
cmek_node() {
	_script=$1
	shift
	node "$NODE_TESTS/$_script" "$@"
	_rc=$?
	[ "$_rc" -eq 77 ] && oc_skip "$_script: pkcs11js unavailable"
	[ "$_rc" -eq 0 ] || oc_fail "$_script $* (exit $_rc)"
	return 0
}

# cmek_random N: N random characters from [A-Za-z0-9].
cmek_random() {
	head -c $(($1 * 2)) /dev/urandom | base64 | tr -dc 'A-Za-z0-9' |
		head -c "$1"
}

# cmek_plain FILE PREFIX: a fresh text plaintext, registered as a fixture
# secret for the suite-wide log scan.
cmek_plain() {
	printf '%s%s' "$2" "$(cmek_random 24)" > "$1"
	oc_secret "$(cat "$1")"
}

# cmek_vault NAME KEYFILE: creates a vault with CMEK on (the key's
# fingerprint only) and prints its id.
cmek_vault() {
	_vid=$(oc_create_vault "$1")
	[ -n "$_vid" ] || oc_fail "could not create vault $1"
	cmek_enable "$_vid" "$2" >&2
	echo "$_vid"
}

cmek_enable() {
	_fp=$(cmek_tool fp "$2") || oc_fail "fingerprint of $2"
	oc_api POST "/v1/vaults/$1/cmek" "{\"fingerprint\":\"$_fp\"}" >/dev/null
	oc_expect_status 200
}

# cmek_put VAULT PATH KEYFILE PLAINFILE BLOBFILE: seals PLAINFILE with
# WebCrypto into BLOBFILE and PUTs standard base64 of it, as the SDK does.
cmek_put() {
	cmek_tool seal "$3" < "$4" > "$5" || oc_fail "seal $4"
	cmek_put_b64 "$1" "$2" "$(base64 -w0 < "$5")"
}

cmek_put_b64() {
	oc_api PUT "/v1/vaults/$1/secrets/$2" \
		"{\"value\":\"$3\",\"type\":\"api_key\"}" >/dev/null
	oc_expect_status 201
}

# cmek_module_env VAULT [KEYFILE [NAME]]: configures the module through
# the environment (the config file stays the empty one from oc_setup);
# NAME labels the token.
cmek_module_env() {
	ONECLAW_API_URL=$OC_URL
	ONECLAW_API_KEY=$ADMIN_KEY
	ONECLAW_VAULT_ID=$1
	export ONECLAW_API_URL ONECLAW_API_KEY ONECLAW_VAULT_ID
	unset ONECLAW_CMEK_KEY ONECLAW_CMEK_KEY_FILE ONECLAW_VAULT_NAME
	if [ $# -ge 2 ] && [ -n "$2" ]; then
		ONECLAW_CMEK_KEY_FILE=$2
		export ONECLAW_CMEK_KEY_FILE
	fi
	if [ $# -ge 3 ]; then
		ONECLAW_VAULT_NAME=$3
		export ONECLAW_VAULT_NAME
	fi
}

# cmek_check_secret VAULT PATH KEYFILE EXPECTFILE: the server holds PATH
# as a CMEK secret that opens (outside the module) to EXPECTFILE.
cmek_check_secret() {
	cmek_tool check-secret --url "$OC_URL" --bearer-file "$ADMIN_KEY_FILE" \
		--vault "$1" --path "$2" --key "$3" --expect "$4" ||
		oc_fail "server copy of $2"
}

