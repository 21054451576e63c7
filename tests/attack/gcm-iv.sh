#!/bin/sh
# gcm-iv.sh - CKM_AES_GCM encryption with a caller-chosen IV on a key the
# application may only use is a keystream oracle (tests/attack/gcm-iv.c):
# under a sealed blob's IV, Enc(zeros) XOR the blob's ciphertext is the
# plaintext, and one IV twice allows forgery.  Against a CMEK vault
# holding a sealed secret whose plaintext the attack program compares.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
atk_need
oc_start_vaultd

vid=$(atk_cmek_vault gcm-iv "$T/cmek.key")
atk_put_sealed "$vid" app/sealed "$T/cmek.key" gcm-

atk_env "$vid" "$T/cmek.key"
atk_run gcm-iv app/sealed "$T/pt"
exit 0
