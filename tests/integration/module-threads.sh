#!/bin/sh
# module-threads.sh - 8 threads x 1,000 find-and-read cycles, on separate
# sessions and on one shared session, with no error and every value exact;
# the whole run costs, per process, one metadata lookup per label (the
# finds are by label: never the vault's whole list) and one GET per value.
# Then 8 threads x 1,000 encrypt/decrypt cycles on a session each, under a
# key of their own and one they share in turn: every plaintext exact, no
# blob opening under the other key, a destroyed key gone.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault threads)
labels=""
for i in 1 2 3 4 5 6; do
	printf 'threaded-%s-%s' "$i" "$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v$i"
	oc_secret "$(cat "$T/v$i")"
	mod_put "$vid" "app/t$i" "$T/v$i"
	labels="$labels app/t$i"
done
head -c 65536 /dev/urandom > "$T/big"
mod_put "$vid" app/big "$T/big"
mod_env "$vid"
# One lookup per label per process is the claim, not expiry: the cache lives longer
# than any run, however slow (valgrind).
( umask 077 && printf 'cache_ttl = 86400\n' > "$T/threads.conf" )
ONECLAW_PKCS11_CONF="$T/threads.conf"
export ONECLAW_PKCS11_CONF

: > "$T/wire.log"
# shellcheck disable=SC2086
mod_client threads 8 1000 separate $labels app/big || oc_fail "separate sessions"
# shellcheck disable=SC2086
mod_client threads 8 1000 shared $labels app/big || oc_fail "one shared session"
lists=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$vid/secrets ")
lookups=$(mod_wire_count "$T/wire.log" "GET /v1/vaults/$vid/secrets\\?prefix=")
echo "over two runs: $lists list requests, $lookups lookups"
[ "$lists" -eq 0 ] || oc_fail "$lists list requests for finds by label"
[ "$lookups" -eq 14 ] || oc_fail "$lookups lookups for 7 labels in two processes"
mod_client crypt-threads 8 1000 || oc_fail "encrypt and decrypt in threads"
exit 0
