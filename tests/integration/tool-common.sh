# tests/integration/tool-common.sh - helpers shared by the tool-*.sh tests
# (sourced after tests/lib.sh; not a test itself).

# tool_env: point the tool at this test's vaultd with the admin key, and
# keep its state (the rotation jobs it started) in the test's directory.
tool_env() {
	ONECLAW_API_URL=$OC_URL
	ONECLAW_API_KEY=$ADMIN_KEY
	XDG_STATE_HOME="$T/state"
	export ONECLAW_API_URL ONECLAW_API_KEY XDG_STATE_HOME
}

# tool ARGS...: runs oneclaw-tool (stdin from /dev/null unless redirected).
tool() {
	$OC_WRAP "$TOOL" "$@"
}

# expect_exit CODE PATTERN CMD...: CMD must exit with CODE and print an
# error matching the extended regex PATTERN on stderr; its stderr is kept
# in $T/err.  stdin is $EXPECT_STDIN (default /dev/null).
expect_exit() {
	_want=$1 _pat=$2
	shift 2
	_rc=0
	"$@" >"$T/out" 2>"$T/err" <"${EXPECT_STDIN:-/dev/null}" || _rc=$?
	if [ "$_rc" -ne "$_want" ]; then
		echo "--- stderr of: $*" >&2
		cat "$T/err" >&2
		oc_fail "expected exit $_want, got $_rc: $*"
	fi
	grep -Eq -- "$_pat" "$T/err" ||
		{ cat "$T/err" >&2; oc_fail "stderr does not match /$_pat/: $*"; }
	# Every message is one of ours, and never a key or value.
	grep -q 'oneclaw-tool' "$T/err" || oc_fail "no oneclaw-tool message: $*"
}

# snapshot VAULT FILE: what the vault holds (paths, versions, CMEK state).
snapshot() {
	tool --json secret list "$1" > "$2" || oc_fail "secret list $1"
}

# same_snapshot VAULT FILE: the vault is unchanged since snapshot.
same_snapshot() {
	tool --json secret list "$1" > "$T/snap.now" || oc_fail "secret list $1"
	cmp -s "$2" "$T/snap.now" || oc_fail "vault $1 changed"
}

# gen_jsonl N PREFIX > FILE: N secrets PREFIX/sNNNNN with known values.
gen_jsonl() {
	awk -v n="$1" -v p="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"path\":\"%s/s%05d\",\"value\":\"plain-%s-%05d-%08x\"}\n",
				p, i, p, i, (i * 2654435761) % 4294967296
	}'
}

# same_values EXPECTED.jsonl ACTUAL.jsonl: every path has the same value.
same_values() {
	node -e '
		const fs = require("fs");
		const load = f => {
			const m = new Map();
			for (const l of fs.readFileSync(f, "utf8").split("\n")) {
				if (!l.trim()) continue;
				const o = JSON.parse(l);
				m.set(o.path, o.value !== undefined ? o.value :
				      Buffer.from(o.value_base64, "base64").toString("latin1"));
			}
			return m;
		};
		const a = load(process.argv[1]), b = load(process.argv[2]);
		let bad = 0;
		if (a.size !== b.size) { console.error("count " + a.size + " vs " + b.size); bad++; }
		for (const [k, v] of a) if (b.get(k) !== v) { if (bad++ < 3) console.error("differs: " + k); }
		process.exit(bad ? 1 : 0);
	' "$1" "$2" || oc_fail "values differ between $1 and $2"
}

# json_get FIELD < JSON: a top-level field (numbers and strings).
json_get() {
	oc_json_field "$1"
}

# wait_for_line FILE REGEX PID: waits until FILE holds a line matching
# REGEX; returns 1 if PID ends first.  (A safety limit, not a timing
# assertion.)
wait_for_line() {
	_i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || return 1
		_i=$((_i + 1))
		[ $_i -gt 12000 ] && oc_fail "waited too long for /$2/ in $1"
		sleep 0.01
	done
	return 0
}

# unreadable VAULT KEY: how many secrets export says it could not read
# with KEY (0 when the export succeeds).
unreadable() {
	if tool -q secret export "$1" --key "$2" > /dev/null 2> "$T/unreadable.err"; then
		echo 0
		return
	fi
	sed -n 's/.*secret export: \([0-9]*\) of [0-9]* secrets.*/\1/p' "$T/unreadable.err"
}

# seed VAULT N PREFIX KEY: N CMEK-sealed secrets (values in $T/PREFIX.jsonl;
# a few of them registered as fixture secrets).
seed() {
	gen_jsonl "$2" "$3" > "$T/$3.jsonl"
	oc_secret "$(sed -n 's/.*"value":"\([^"]*\)".*/\1/p' "$T/$3.jsonl" | head -n 3)"
	tool -q secret import "$1" --file "$T/$3.jsonl" --key "$4" --jobs 8 ||
		oc_fail "seeding $2 secrets"
}

# fp NAME: the fingerprint of $T/NAME.key; vault_fp: vault $V's.
fp() { tool fingerprint "$T/$1.key"; }
vault_fp() { tool --json vault get "$V" | json_get cmek_fingerprint; }

# node_seal KEYFILE PLAINTEXT: base64 of a v1 blob sealed by Node's crypto.
node_seal() {
	node -e '
		const c = require("crypto"), fs = require("fs");
		const k = Buffer.from(fs.readFileSync(process.argv[1], "utf8").trim(), "base64");
		const iv = c.randomBytes(12), ci = c.createCipheriv("aes-256-gcm", k, iv);
		const ct = Buffer.concat([ci.update(process.argv[2], "utf8"), ci.final()]);
		process.stdout.write(Buffer.concat([Buffer.from([1]), iv, ct, ci.getAuthTag()]).toString("base64"));
	' "$1" "$2"
}
