#!/bin/sh
# module-fork.sh - fork detection: after fork the child's next call
# returns CKR_CRYPTOKI_NOT_INITIALIZED (the parent's connections and state
# are abandoned, not closed), the child initialises again and reads; the
# parent goes on undisturbed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl
mod_need
oc_start_vaultd

vid=$(oc_create_vault forks)
mod_put_text "$vid" app/forked "fork-value"
mod_env "$vid"
mod_client fork app/forked || oc_fail "fork"
exit 0
