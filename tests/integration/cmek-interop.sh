#!/bin/sh
# cmek-interop.sh - the module's CMEK format is the 1claw SDK's, byte for
# byte: blobs the module seals (C_Encrypt, CKM_ONECLAW_CMEK) open in Node's
# WebCrypto and WebCrypto blobs open in the module, for sizes 0 to 64 KiB;
# the fixed vectors V1-V3 of 1claw-api.md 5.7, stored as the SDK stores
# them, read back as their exact blobs and decrypt to their exact
# plaintexts.  The vector keys reach the module in different accepted
# encodings (hex file, raw 32-byte file, URL-safe unpadded base64 in
# ONECLAW_CMEK_KEY).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
umask 077 # key files
cmek_need_node
cmek_need_module
oc_start_vaultd

# Both ways with a fresh random key.
oc_keygen "$T/cmek.key"
vid=$(cmek_vault interop "$T/cmek.key") || exit 1
cmek_module_env "$vid" "$T/cmek.key"
cmek_node cmek-interop.js --module "$MODULE" --key "$T/cmek.key"

# The vectors: one vault each, CMEK on with the vector's fingerprint, the
# vector's stored value PUT verbatim.
for v in V1 V2 V3; do
	cmek_tool vector $v key > "$T/$v.hex"
	cmek_tool vector $v pt > "$T/$v.pt"
	[ "$(cmek_tool fp "$T/$v.hex")" = "$(cmek_tool vector $v fp)" ] ||
		oc_fail "$v fingerprint"
	vvid=$(cmek_vault "vector-$v" "$T/$v.hex") || exit 1
	cmek_put_b64 "$vvid" "vectors/$v" "$(cmek_tool vector $v b64)"
	cmek_check_secret "$vvid" "vectors/$v" "$T/$v.hex" "$T/$v.pt"
	case $v in
	V1)	# 64 hex characters in a file
		cmek_module_env "$vvid" "$T/V1.hex" ;;
	V2)	# 32 raw bytes in a file
		node -e 'process.stdout.write(Buffer.from(process.argv[1], "hex"))' \
			"$(cat "$T/V2.hex")" > "$T/V2.raw"
		[ "$(wc -c < "$T/V2.raw")" -eq 32 ] || oc_fail "V2.raw"
		cmek_module_env "$vvid" "$T/V2.raw" ;;
	V3)	# URL-safe base64 without padding in ONECLAW_CMEK_KEY
		cmek_module_env "$vvid"
		ONECLAW_CMEK_KEY=$(node -e 'process.stdout.write(
			Buffer.from(process.argv[1], "hex").toString("base64url"))' \
			"$(cat "$T/V3.hex")")
		[ "$ONECLAW_CMEK_KEY" = "__________________________________________8" ] ||
			oc_fail "V3 base64url form: $ONECLAW_CMEK_KEY"
		export ONECLAW_CMEK_KEY ;;
	esac
	cmek_node cmek-interop.js --module "$MODULE" --key "$T/$v.hex" \
		--vector $v
done
