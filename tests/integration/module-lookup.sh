#!/bin/sh
# module-lookup.sh - a find by exact label on a cold token asks the server
# for that path's metadata alone (GET .../secrets?prefix=PATH, no value,
# not the vault's list) and reads the value only when CKA_VALUE is read:
# token exchange, one lookup, one GET, counted in vaultd's wire log.  A
# path that is a prefix of others is not them; a missing one finds
# nothing; a later find of every object lists the vault once and keeps
# the objects found by label, with their handles; paths that need
# percent-encoding work.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault lookup)
odd='odd dir/ü %2F?&#+=;x'
mod_put_text "$vid" a/b "value-ab"
mod_put_text "$vid" a/bc "value-abc"
mod_put_text "$vid" a/b/c "value-abc2"
mod_put_text "$vid" "$odd" "value-odd"
mod_put_text "$vid" z "value-z"
mod_env "$vid"

# count REGEX: requests in the wire log whose request line matches.
count() { mod_wire_count "$T/wire.log" "$1"; }
# requests WHAT LOOKUPS GETS: exactly these, and nothing else but the
# token exchange.
requests() {
	_all=$(count '(GET|PUT|POST|DELETE|PATCH|HEAD) /')
	_tok=$(count 'POST /v1/auth/api-key-token ')
	_look=$(count "GET /v1/vaults/$vid/secrets\\?prefix=")
	_get=$(count "GET /v1/vaults/$vid/secrets/")
	echo "$1: $_all requests: $_tok token, $_look lookups, $_get value reads"
	[ "$_tok" -le 1 ] || oc_fail "$1: $_tok token exchanges"
	[ "$_look" -eq "$2" ] || oc_fail "$1: $_look lookups, not $2"
	[ "$_get" -eq "$3" ] || oc_fail "$1: $_get value reads, not $3"
	[ "$_all" -eq $((_tok + _look + _get)) ] ||
		{ grep -aE '^(GET|PUT|POST|DELETE) /' "$T/wire.log" >&2
		  oc_fail "$1: other requests (a list, a vault GET)"; }
}

# read PATH VALUE: the value by label, for one lookup and one GET.
read_one() {
	: > "$T/wire.log"
	mod_client read "$1" > "$T/val" || oc_fail "read $1"
	[ "$(cat "$T/val")" = "$2" ] || oc_fail "$1: read $(cat "$T/val")"
	requests "read $1" 1 1
}
read_one a/b value-ab
read_one a/bc value-abc
read_one a/b/c value-abc2
read_one z value-z
read_one "$odd" value-odd
grep -aq "?prefix=odd%20dir" "$T/wire.log" || oc_fail "the lookup's path is not encoded"

# Prefixes of paths and missing paths find nothing, without a list.
for p in a a/ a/b/ nothing/here; do
	: > "$T/wire.log"
	rv=$(mod_client rv-read "$p" 2>&1)
	echo "$p: $rv"
	mod_client lookups "$p" > "$T/out" || oc_fail "lookups $p: $(cat "$T/out")"
	grep -qx "$p none" "$T/out" || oc_fail "$p: found $(cat "$T/out")"
	grep -qx "all 5" "$T/out" || oc_fail "$p: then not 5 objects: $(cat "$T/out")"
done

# Found by label, then every object: each one once, same handles; one
# lookup per label and one list.
: > "$T/wire.log"
mod_client lookups a/b "$odd" a/nope > "$T/out" || oc_fail "lookups: $(cat "$T/out")"
cat "$T/out"
grep -qx "a/b found 8" "$T/out" || oc_fail "a/b"
grep -qx "a/nope none" "$T/out" || oc_fail "a/nope"
grep -qx "all 5" "$T/out" || oc_fail "not 5 objects after the lookups"
[ "$(count "GET /v1/vaults/$vid/secrets ")" -eq 1 ] || oc_fail "not one list"
[ "$(count "GET /v1/vaults/$vid/secrets\\?prefix=")" -eq 3 ] || oc_fail "not 3 lookups"

# Deleted on the server: the next process's lookup finds nothing.
oc_api DELETE "/v1/vaults/$vid/secrets/z" > /dev/null
mod_client lookups z > "$T/out" || oc_fail "lookups z: $(cat "$T/out")"
grep -qx "z none" "$T/out" || oc_fail "z found after its delete"
grep -qx "all 4" "$T/out" || oc_fail "not 4 objects after the delete"
exit 0
