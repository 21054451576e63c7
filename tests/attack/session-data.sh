#!/bin/sh
# session-data.sh - C_CreateObject of a data object without CKA_TOKEN (or
# CKA_TOKEN=FALSE) must not publish it (tests/attack/session-data.c); in
# PIN mode a public session object may be made before login.  The vault
# must hold no scratch/ secret afterwards.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
oc_need curl
atk_need
oc_start_vaultd

vid=$(oc_create_vault scratch)

# no_scratch: the vault holds no secret under scratch/.
no_scratch() {
	oc_api GET "/v1/vaults/$vid/secrets" > "$T/list.json"
	oc_expect_status 200
	if grep -q '"path":"scratch/' "$T/list.json"; then
		oc_fail "a session object was published: $(cat "$T/list.json")"
	fi
}

atk_env "$vid"
atk_run session-data cred
no_scratch

# PIN mode: no credential configured, the user PIN is the API key.
unset ONECLAW_API_KEY
atk_run session-data pin "$ADMIN_KEY"
no_scratch
exit 0
