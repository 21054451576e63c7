#!/bin/sh
# logout-pin.sh - PIN mode (no credential configured, the user PIN is the
# API key): after C_Logout the handles of a secret, of the CMEK key and
# of an unwrapped session key, and a decryption begun before, give
# nothing (tests/attack/logout-pin.c).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
atk_need
oc_start_vaultd

vid=$(atk_cmek_vault logout-pin "$T/cmek.key")
atk_put_sealed "$vid" app/token "$T/cmek.key" after-logout-

atk_env "$vid" "$T/cmek.key"
unset ONECLAW_API_KEY
ATK_PIN=$ADMIN_KEY
export ATK_PIN
atk_run logout-pin app/token
exit 0
