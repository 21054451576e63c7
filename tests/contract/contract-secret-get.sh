#!/bin/sh
# contract-secret-get.sh - oneclaw-tool secret get with a vault id reads
# the secret without resolving the vault first.  What that GET answers is
# about the secret, and is reported as "vault ID: secret PATH: ..." (a
# 402, a 5xx, ...).  A 403 may be an approval request of the hosted
# service: when the vault resolves to the id given, the secret is not
# asked for a second time, and the first answer is the one reported.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault gated
V=$(cf_vault_id gated)
cf_put_text "$V" app/paid "paid-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$V" app/denied "denied-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_env_user
cf_ctl deny '{"path":"app/denied","detail":"approval_required"}'

# get PHASE WANT_RC WANT_MESSAGE VAULT PATH: the tool's exit code and
# message, and in $gets how often the phase asked for the secret in the
# vault $V.
get() {
	cf_mark "$1"
	rc=0
	cf_tool secret get "$4" "$5" > /dev/null 2> "$T/err" || rc=$?
	echo "$1: exit $rc: $(cat "$T/err")"
	[ "$rc" = "$2" ] || cf_bad "$1: exit $rc, want $2"
	grep -qF "$3" "$T/err" || cf_bad "$1: no '$3' in: $(cat "$T/err")"
	gets=$(cf_count "$1" "r['method'] == 'GET' and r['path'] == '/v1/vaults/$V/secrets/$5'")
}

echo "== a 402 to the secret's GET is about the secret"
cf_ctl quota '{"exhausted":true}'
get paid 3 "vault $V: secret app/paid: payment required" "$V" app/paid
cf_ctl quota '{"exhausted":false}'

echo "== a 403 to the secret's GET, by vault id: asked once"
get denied-id 1 "vault $V: secret app/denied: access denied (HTTP 403: approval_required)" \
	"$V" app/denied
[ "$gets" = 1 ] && cf_ok "denied by id: one GET of the secret" ||
	cf_bad "denied by id: $gets GETs of the secret"

echo "== by vault name: resolved, then asked once"
get denied-name 1 "vault $V: secret app/denied: access denied (HTTP 403: approval_required)" \
	gated app/denied
[ "$gets" = 1 ] && cf_ok "denied by name: one GET of the secret" ||
	cf_bad "denied by name: $gets GETs of the secret"
cf_end
