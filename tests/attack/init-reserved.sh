#!/bin/sh
# init-reserved.sh - C_Initialize with a pReserved that is not a readable
# string, then a normal initialisation (tests/attack/init-reserved.c).
#
# Direct only (atk_direct): a pointer means nothing across p11-kit's RPC.
# p11-kit-client.so copies the string pReserved points to into the
# message (its own strlen, so a bad pointer stops in the client library
# before anything is sent), and p11-kit server loads the module with
# arguments of its own: no pointer of the application reaches the module.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
atk_need
oc_start_vaultd

vid=$(oc_create_vault init-reserved)
atk_env "$vid"
atk_direct init-reserved
exit 0
