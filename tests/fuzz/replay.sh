#!/bin/sh
# replay.sh - every fuzz target once over its committed seed corpus
# (tests/fuzz/corpus/<target>/), in any build: the replay-* programs of a
# regular build (replay.c as main), or the libFuzzer targets themselves in
# a --enable-fuzzing build.  A target that crashes or aborts fails.
. "$top_srcdir/tests/lib.sh"
oc_setup
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
passed=0
failed=0
for t in json conf keysrc cmek codec api-responses attrs vaultd-routes pkey wire; do
	if [ -x "$BUILD/tests/fuzz/fuzz-$t" ]; then
		prog="$BUILD/tests/fuzz/fuzz-$t"
	else
		prog="$BUILD/tests/fuzz/replay-$t"
	fi
	[ -x "$prog" ] || oc_fail "not built: $prog"
	if $OC_WRAP "$prog" "$SRC/tests/fuzz/corpus/fuzz-$t"/* \
		>"$T/$t.out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: fuzz-$t on its seed corpus" >&2
		tail -n 40 "$T/$t.out" >&2
	fi
done
echo "replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
