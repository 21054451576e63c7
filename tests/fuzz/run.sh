#!/bin/sh
# tests/fuzz/run.sh - builds the libFuzzer targets in a clang build of their
# own ($BUILD/fuzz-build, configured with CC=clang --enable-fuzzing) and runs
# each one for a bounded time on its seed corpus; fails on any crash,
# sanitizer report, leak or timeout.  `make fuzz` runs it.
#
#   OC_FUZZ_SECONDS  seconds per target (default 20)
#   OC_FUZZ_TARGETS  space-separated subset, e.g. "fuzz-json fuzz-cmek"
#   OC_FUZZ_JOBS     parallel make jobs (default 2)
#   OC_FUZZ_BUILD_ONLY=1  only configure and build (scripts/check builds
#                    while other tests run, then fuzzes)
#
# New inputs go to $BUILD/fuzz-build/corpus/<target> (the committed seeds in
# tests/fuzz/corpus are only read); a crashing input is written to
# $BUILD/fuzz-build/artifacts/<target>-crash-<sha1> and its log kept in
# $BUILD/fuzz-build/logs/<target>.log.  Exit: 0 all clean, 1 a crash or a
# build failure, 77 when clang (or its libFuzzer) is missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
SRC=${top_srcdir:-$here/../..}
BUILD=${top_builddir:-.}
SRC=$(cd "$SRC" && pwd)
BUILD=$(cd "$BUILD" && pwd)
FB="$BUILD/fuzz-build"
SECONDS_EACH=${OC_FUZZ_SECONDS:-20}
JOBS=${OC_FUZZ_JOBS:-2}
# Every target tests/fuzz/local.mk lists, so a new one is fuzzed too.
ALL=$(sed -n '/^FUZZ_TARGETS = /,/^$/s|.*tests/fuzz/\(fuzz-[a-z0-9-]*\).*|\1|p' \
	"$SRC/tests/fuzz/local.mk")
[ -n "$ALL" ] || ALL="fuzz-json fuzz-conf fuzz-keysrc fuzz-cmek fuzz-codec
fuzz-api-responses fuzz-attrs fuzz-vaultd-routes fuzz-pkey fuzz-wire"
TARGETS=${OC_FUZZ_TARGETS:-$ALL}

case $SECONDS_EACH in
''|*[!0-9]*) echo "run.sh: OC_FUZZ_SECONDS must be a number" >&2; exit 1 ;;
esac
if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (needed for libFuzzer)" >&2
	exit 77
fi

mkdir -p "$FB/logs" "$FB/artifacts"
if [ ! -f "$FB/Makefile" ]; then
	echo "fuzz: configuring $FB (CC=clang --enable-fuzzing)"
	# Warnings are the regular builds' business; this one is for fuzzing.
	if ! (cd "$FB" && CC=clang "$SRC/configure" -q --enable-fuzzing \
		--disable-werror) >"$FB/logs/configure.log" 2>&1; then
		if grep -q 'needs clang with libFuzzer' "$FB/logs/configure.log"; then
			echo "SKIP: clang cannot build libFuzzer targets" >&2
			rm -f "$FB/Makefile"
			exit 77
		fi
		tail -n 30 "$FB/logs/configure.log" >&2
		echo "fuzz: configure failed" >&2
		exit 1
	fi
fi
progs=
for t in $TARGETS; do
	progs="$progs tests/fuzz/$t"
done
echo "fuzz: building$progs"
# shellcheck disable=SC2086
if ! make -C "$FB" -j"$JOBS" $progs >"$FB/logs/make.log" 2>&1; then
	tail -n 40 "$FB/logs/make.log" >&2
	echo "fuzz: build failed" >&2
	exit 1
fi
[ -n "${OC_FUZZ_BUILD_ONLY:-}" ] && exit 0

# Reports with stacks; undefined behaviour stops the run like a crash.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# The targets bring their own configuration; none from the caller.
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE

passed=0
failed=0
bad=
printf '%-22s %12s %8s  %s\n' target executions exec/s result
for t in $TARGETS; do
	work="$FB/corpus/$t"
	seeds="$SRC/tests/fuzz/corpus/$t"
	log="$FB/logs/$t.log"
	mkdir -p "$work"
	extra=
	# A dictionary of the format's words, where there is one.
	if [ -f "$SRC/tests/fuzz/$t.dict" ]; then
		extra="-dict=$SRC/tests/fuzz/$t.dict"
	fi
	case $t in
	# The in-process server logs every request on stderr: keep the
	# sanitizers' reports, drop the rest.
	fuzz-vaultd-routes) extra="$extra -close_fd_mask=2" ;;
	esac
	# shellcheck disable=SC2086
	"$FB/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" \
		-print_final_stats=1 -timeout=60 -rss_limit_mb=4096 \
		-max_len=65536 -len_control=20 \
		-artifact_prefix="$FB/artifacts/$t-" $extra \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
		tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		passed=$((passed + 1))
		result=ok
	else
		failed=$((failed + 1))
		bad="$bad $t"
		result="FAILED (exit $rc, log $log)"
	fi
	printf '%-22s %12s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" \
		"$result"
done

for t in $bad; do
	echo "--- $t: end of $FB/logs/$t.log ---" >&2
	grep -vE '^#[0-9]+ ' "$FB/logs/$t.log" | tail -n 60 >&2
	ls "$FB/artifacts/$t-"* 2>/dev/null | sed 's/^/input: /' >&2
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
