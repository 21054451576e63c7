#!/bin/sh
# module-list.sh - one slot per configured vault, the token labelled with
# the configured name; every secret a data object; listing a vault costs
# one list request, finding by label one metadata lookup (no list), and
# reading values one GET each.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool node curl
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

a=$(oc_create_vault alpha)
b=$(oc_create_vault "beta vault")
c=$(oc_create_vault "gämma")
for p in one two three/deep; do mod_put_text "$a" "app/$p" "alpha-$p"; done
mod_put_text "$b" lonely "beta-only"
mod_env
cat > "$ONECLAW_PKCS11_CONF" <<EOC
vaults = $a, $b, $c
[vault $a]
name = alpha
[vault $b]
name = beta vault
[vault $c]
name = gämma
EOC

mod_tool --list-slots || { cat "$T/p11.out" >&2; oc_fail "--list-slots"; }
cat "$T/p11.out"
[ "$(grep -c 'token label' "$T/p11.out")" -eq 3 ] || oc_fail "not three tokens"
for name in alpha "beta vault" "gämma"; do
	grep -q "token label *: $name *\$" "$T/p11.out" || oc_fail "no token named $name"
done
grep -q "token model *: 1claw vault" "$T/p11.out" || oc_fail "model"
grep -q "token manufacturer *: oneclaw-pkcs11" "$T/p11.out" || oc_fail "manufacturer"
grep -q "serial num *: $(mod_serial "$a")" "$T/p11.out" || oc_fail "serial is not from the vault id"
grep -q "login required" "$T/p11.out" && oc_fail "login required with a credential"

# Every secret of a vault, by token label.
mod_tool --token-label alpha --list-objects --type data ||
	{ cat "$T/p11.out" >&2; oc_fail "--list-objects"; }
cat "$T/p11.out"
[ "$(grep -c "^Data object" "$T/p11.out")" -eq 3 ] || oc_fail "not three data objects"
for p in one two three/deep; do
	grep -q "label: *'app/$p'" "$T/p11.out" || oc_fail "app/$p is not listed"
done
grep -q "application: *'1claw'" "$T/p11.out" || oc_fail "CKA_APPLICATION"
mod_tool --token-label "beta vault" --list-objects --type data ||
	oc_fail "--list-objects beta"
[ "$(grep -c "^Data object" "$T/p11.out")" -eq 1 ] || oc_fail "beta: not one object"
mod_tool --token-label "gämma" --list-objects --type data || oc_fail "empty vault"
grep -q "^Data object" "$T/p11.out" && oc_fail "objects in an empty vault"

# A configured vault id: that vault only.
: > "$ONECLAW_PKCS11_CONF"
mod_env "$b" "beta vault"
mod_client slots > "$T/slots" || oc_fail "slots"
[ "$(wc -l < "$T/slots")" -eq 1 ] || oc_fail "more than the configured vault"
grep -q "beta vault" "$T/slots" || oc_fail "the configured vault's name"

# Reading by label: one metadata lookup per label, one GET per value
# read, never the whole list.
mod_env "$a"
: > "$T/wire.log"
mod_client threads 2 20 separate app/one app/two app/three/deep > "$T/out" ||
	oc_fail "reading: $(cat "$T/out")"
lists=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$a/secrets ")
lookups=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$a/secrets\\?prefix=")
gets=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$a/secrets/")
echo "requests: $lists list, $lookups lookups, $gets value reads"
[ "$lists" -eq 0 ] || oc_fail "$lists list requests for reads by label"
[ "$lookups" -eq 3 ] || oc_fail "$lookups lookups for three labels"
[ "$gets" -eq 3 ] || oc_fail "$gets value requests for three values"
# Every object: one list request.
: > "$T/wire.log"
mod_client labels > "$T/out" 2>/dev/null || oc_fail "labels"
lists=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$a/secrets ")
[ "$lists" -eq 1 ] || oc_fail "$lists list requests for one vault"
exit 0
