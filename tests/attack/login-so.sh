#!/bin/sh
# login-so.sh - C_Login(CKU_SO) on a token without a security officer
# answers what PKCS#11 2.40 says, not CKR_USER_TYPE_INVALID
# (tests/attack/login-so.c): in credential mode, then in PIN mode (no
# credential configured, the user PIN is the API key).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
atk_need
oc_start_vaultd

vid=$(oc_create_vault login-so)
atk_env "$vid"
echo "=== credential mode"
atk_run login-so

echo "=== PIN mode"
unset ONECLAW_API_KEY
atk_run login-so "$ADMIN_KEY"
exit 0
