#!/bin/sh
# contract-payment.sh - over its monthly quota the hosted service answers
# the paid routes (GET and PUT of a secret) with 402 and an x402
# PaymentRequirement, BEFORE it looks at the token.  That is not an
# authentication failure: exchanging the key again cannot help and costs
# a request.  oneclaw-tool exits 3 and says payment/quota is needed, with
# the price and scheme the server asks; the module answers the vendor code
# CKR_ONECLAW_PAYMENT_REQUIRED (0x8C1A0003); neither exchanges a token
# after the 402.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault paid
PAID=$(cf_vault_id paid)
VALUE="payment-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$PAID" app/paid "$VALUE"
cf_env_user "$PAID"
cf_ctl quota '{"exhausted":true}'

# exchanged_after_402 PHASE: "True" when a token was issued after the
# first 402 of the phase.
exchanged_after_402() {
	cf_eval "$1" 'any("issued" in r for r in rs[next(i for i, r in enumerate(rs) if r["status"] == 402):])'
}

# tool_paid PHASE PRICE CMD...: the tool's exit code, message and requests.
tool_paid() {
	_ph=$1 _price=$2
	shift 2
	cf_mark "$_ph"
	rc=0
	"$@" > /dev/null 2> "$T/err" || rc=$?
	echo "$_ph: $(cat "$T/err")"
	[ "$(cf_count "$_ph" 'r["status"] == 402')" -ge 1 ] ||
		oc_fail "$_ph: the fixture never answered 402"
	[ "$rc" = 3 ] && cf_ok "$_ph: exit 3" ||
		cf_bad "$_ph: exit $rc, want 3: $(cat "$T/err")"
	grep -Eqi 'payment|quota' "$T/err" || cf_bad "$_ph: no 'payment' or 'quota' in: $(cat "$T/err")"
	grep -qF "$_price" "$T/err" || cf_bad "$_ph: the price $_price is not named: $(cat "$T/err")"
	grep -qF exact "$T/err" || cf_bad "$_ph: the scheme 'exact' is not named: $(cat "$T/err")"
	[ "$(exchanged_after_402 "$_ph")" = False ] && cf_ok "$_ph: no token exchange after the 402" ||
		cf_bad "$_ph: a token was exchanged after the 402"
}

echo "== oneclaw-tool secret get"
tool_paid tool-get '$0.0015' cf_tool secret get "$PAID" app/paid
echo "== oneclaw-tool secret put"
printf 'new-%s' "$VALUE" > "$T/new"
tool_paid tool-put '$0.0075' cf_tool secret put "$PAID" app/paid --file "$T/new"
rm -f "$T/new"

echo "== the module reads CKA_VALUE"
cf_mark module
rv=$(cf_client rv-read app/paid 2>&1)
[ "$(cf_count module 'r["status"] == 402')" -ge 1 ] ||
	oc_fail "module: the fixture never answered 402 ($rv)"
case $rv in
CKR_ONECLAW_PAYMENT_REQUIRED | CKR_0x8c1a0003) cf_ok "module: $rv" ;;
*) cf_bad "module: $rv, want CKR_ONECLAW_PAYMENT_REQUIRED (0x8C1A0003)" ;;
esac
[ "$(exchanged_after_402 module)" = False ] && cf_ok "module: no token exchange after the 402" ||
	cf_bad "module: a token was exchanged after the 402"
cf_end
