#!/bin/sh
# contract-cmek-race.sh - another client turns CMEK on for a vault while
# the module holds an older view of it (read when CMEK was off).  The
# module has no CMEK key configured, so it cannot seal: its next write
# must be refused, and no plaintext may reach the vault that now has CMEK
# on (the fixture marks such a PUT plaintext_to_cmek_vault).  Both kinds
# of write: C_SetAttributeValue(CKA_VALUE) of an object and C_CreateObject.
# And when the vault cannot be read right before a write (GET answers
# 500), the write is refused and nothing is PUT.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault race-a --vault race-b
A=$(cf_vault_id race-a)
B=$(cf_vault_id race-b)
SEED="cmek-race-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$A" app/config "$SEED"
cf_put_text "$B" app/config "b-$SEED"
printf 'plaintext-%s' "$SEED" > "$T/new"
oc_secret "plaintext-$SEED"
FPR=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
cf_env_user

# race NAME VAULT MODE LABEL CONTROL-VERB JSON: the module lists the
# vault (what it knows of the vault is from then), the fixture changes
# it, the module writes.
race() {
	cf_mark "$1-read"
	ONECLAW_VAULT_ID=$2 mod_pause stale-write "$3" "$4" "$T/new" ||
		oc_fail "$1: the client did not get ready: $(cat "$T/pause.out")"
	[ "$(cf_count "$1-read" "r['method'] == 'GET' and r['path'].startswith('/v1/vaults/$2') and r['status'] == 200")" -ge 1 ] ||
		oc_fail "$1: the module never read the vault"
	[ "$(cf_count "$1-read" 'r["method"] == "PUT"')" = 0 ] ||
		oc_fail "$1: the module wrote before it was told to"
	cf_ctl "$5" "$6"
	cf_mark "$1-write"
	mod_resume || oc_fail "$1: p11-client: $(cat "$T/pause.out")"
	RV=$(tail -n 1 "$T/pause.out")
	PUTS=$(cf_count "$1-write" 'r["method"] == "PUT"')
	PLAIN=$(cf_count "$1-write" 'r.get("plaintext_to_cmek_vault")')
}

for mode in set create; do
	label=app/config
	[ $mode = create ] && label=app/created
	echo "== CMEK turned on behind the module's back, then $mode"
	cf_ctl cmek "{\"vault\":\"$A\",\"fingerprint\":null}"
	race "$mode" "$A" $mode $label cmek "{\"vault\":\"$A\",\"fingerprint\":\"$FPR\"}"
	echo "$mode: $RV, $PUTS PUT(s), $PLAIN plaintext to the CMEK vault"
	[ "$RV" != CKR_OK ] && cf_ok "$mode: refused ($RV)" ||
		cf_bad "$mode: the write succeeded (CKR_OK) after CMEK was turned on"
	[ "$PLAIN" = 0 ] && cf_ok "$mode: no plaintext reached the CMEK vault" ||
		cf_bad "$mode: $PLAIN plaintext PUT(s) to a vault with CMEK on"
done

echo "== the vault cannot be read right before the write"
race unreadable "$B" set app/config fail-vault-get "{\"vault\":\"$B\",\"status\":500}"
echo "unreadable: $RV, $PUTS PUT(s)"
[ "$RV" != CKR_OK ] && cf_ok "unreadable: refused ($RV)" ||
	cf_bad "unreadable: the write succeeded (CKR_OK) while the vault answered 500"
[ "$PUTS" = 0 ] && cf_ok "unreadable: nothing PUT" ||
	cf_bad "unreadable: $PUTS PUT(s) while the vault could not be read"
cf_end
