# tests/conformance/conformance-lib.sh - the fixture of conformance.sh and
# fork.sh, sourced after tests/lib.sh (not a test itself).
#
# conf_fixture: a fresh oneclaw-vaultd with a vault "conformance" holding
# two plain secrets (stored before CMEK was enabled) and CMEK on with a
# fresh key; the module is configured for it through the environment
# (credential mode, that vault only, the key file), and its configuration
# file lets that vault's unsealed values through (allow_unsealed: they
# predate CMEK, as in a vault migrating to it).  Exports what the
# programs read: OC_CONF_VAULT_NAME, OC_CONF_PLAIN_PATH/_VALUE,
# OC_CONF_OTHER_PATH/_VALUE, OC_CONF_FPR.

conf_random() {
	head -c 12 /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

conf_fixture() {
	[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
	oc_need curl node base64 sha256sum
	oc_start_vaultd
	OC_CONF_VAULT_NAME=conformance
	VID=$(oc_create_vault "$OC_CONF_VAULT_NAME")
	[ -n "$VID" ] || oc_fail "could not create the vault"
	OC_CONF_PLAIN_PATH=conf/plain
	OC_CONF_PLAIN_VALUE="plain-$(conf_random)"
	OC_CONF_OTHER_PATH=conf/other
	OC_CONF_OTHER_VALUE="other-$(conf_random)"
	oc_secret "$OC_CONF_PLAIN_VALUE" "$OC_CONF_OTHER_VALUE"
	oc_api PUT "/v1/vaults/$VID/secrets/$OC_CONF_PLAIN_PATH" \
		"{\"value\":\"$OC_CONF_PLAIN_VALUE\",\"type\":\"password\"}" \
		>/dev/null
	oc_expect_status 201
	oc_api PUT "/v1/vaults/$VID/secrets/$OC_CONF_OTHER_PATH" \
		"{\"value\":\"$OC_CONF_OTHER_VALUE\",\"type\":\"api_key\"}" \
		>/dev/null
	oc_expect_status 201
	oc_keygen "$T/cmek.key"
	OC_CONF_FPR=$(base64 -d < "$T/cmek.key" | sha256sum | cut -c1-64)
	oc_api POST "/v1/vaults/$VID/cmek" \
		"{\"fingerprint\":\"$OC_CONF_FPR\"}" >/dev/null
	oc_expect_status 200
	export OC_CONF_VAULT_NAME OC_CONF_PLAIN_PATH OC_CONF_PLAIN_VALUE \
		OC_CONF_OTHER_PATH OC_CONF_OTHER_VALUE OC_CONF_FPR
	ONECLAW_API_URL=$OC_URL
	ONECLAW_API_KEY=$ADMIN_KEY
	ONECLAW_VAULT_ID=$VID
	ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
	export ONECLAW_API_URL ONECLAW_API_KEY ONECLAW_VAULT_ID \
		ONECLAW_CMEK_KEY_FILE
	# The name labels the token (else the label is the vault id).
	printf '[vault %s]\nallow_unsealed = true\nname = %s\n' "$VID" \
		"$OC_CONF_VAULT_NAME" >> "$ONECLAW_PKCS11_CONF"
}
