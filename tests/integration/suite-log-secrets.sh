#!/bin/sh
# Runs after every other test (see suite.mk) and fails if any log written by
# the suite holds a fixture secret (each test registers its own with
# oc_secret), an API key, or a token.  Every *.log in the logs directory is
# read: debug logs, vaultd logs and audit files (module-audit.sh keeps its
# own there).
. "$top_srcdir/tests/lib.sh"
oc_setup

logs=$(find "$OC_LOG_DIR" -type f -name '*.log' 2>/dev/null)
[ -n "$logs" ] || oc_skip "no logs were written"
nlogs=$(echo "$logs" | wc -l)
nsecrets=0
leaks=0

for sf in "$OC_LOG_DIR"/*.secrets; do
	[ -f "$sf" ] || continue
	while IFS= read -r secret; do
		[ ${#secret} -ge 8 ] || continue
		nsecrets=$((nsecrets + 1))
		# shellcheck disable=SC2086
		if grep -lF -- "$secret" $logs >"$T/hits" 2>/dev/null; then
			echo "secret from $(basename "$sf" .secrets) found in: $(tr '\n' ' ' < "$T/hits")" >&2
			leaks=$((leaks + 1))
		fi
	done < "$sf"
done

# Shapes no log may hold whatever the fixtures: keys and signed tokens.
# shellcheck disable=SC2086
if grep -nE '(1ck_|ocv_)[A-Za-z0-9_-]{16,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}' $logs >"$T/shapes"; then
	echo "key- or token-shaped strings in logs:" >&2
	cut -c1-160 "$T/shapes" | sed 's/\(1ck_\|ocv_\|eyJ\)[A-Za-z0-9_.-]*/\1<redacted>/g' | head -n 10 >&2
	leaks=$((leaks + 1))
fi

echo "checked $nsecrets fixture secrets against $nlogs logs"
[ "$nsecrets" -gt 0 ] || oc_fail "no fixture secrets were registered"
[ "$leaks" -eq 0 ] || oc_fail "$leaks leak(s) found"
