#!/bin/sh
# module-helgrind.sh - valgrind's helgrind over a smaller threaded run
# (4 threads x 20 find-and-read cycles, separate and shared sessions; 4
# threads x 20 encrypt/decrypt cycles on a session each, keys kept by
# several sessions, then destroyed): no data race, no lock-order problem
# in the module.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need valgrind node curl
mod_need
oc_start_vaultd

vid=$(oc_create_vault helgrind)
for i in 1 2 3; do
	mod_put_text "$vid" "app/h$i" "helgrind-value-$i"
done
mod_env "$vid"

for mode in separate shared; do
	valgrind --tool=helgrind --error-exitcode=3 --log-file="$T/hg.$mode" \
		--suppressions="$SRC/tests/integration/module-helgrind.supp" \
		"$CLIENT" "$MODULE" threads 4 20 "$mode" app/h1 app/h2 app/h3 ||
		{ cat "$T/hg.$mode" >&2; oc_fail "helgrind ($mode sessions)"; }
	grep "ERROR SUMMARY" "$T/hg.$mode"
done
valgrind --tool=helgrind --error-exitcode=3 --log-file="$T/hg.crypt" \
	--suppressions="$SRC/tests/integration/module-helgrind.supp" \
	"$CLIENT" "$MODULE" crypt-threads 4 20 ||
	{ cat "$T/hg.crypt" >&2; oc_fail "helgrind (encrypt and decrypt)"; }
grep "ERROR SUMMARY" "$T/hg.crypt"
exit 0
