#!/bin/sh
# cmek-node.sh - a Node.js PKCS#11 application (pkcs11js) uses the CMEK key
# inside the module: finds the CMEK data object, C_Decrypt with
# CKM_ONECLAW_CMEK gives the plaintext, C_UnwrapKey then C_Sign HMAC equals
# Node's createHmac over the plaintext, CKM_AES_GCM interoperates with
# WebCrypto, and every refusal has its exact CK_RV (tests/node/cmek-client.js
# lists the checks).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
cmek_need_node
cmek_need_module
oc_start_vaultd

oc_keygen "$T/cmek.key"
vid=$(cmek_vault node-cmek "$T/cmek.key") || exit 1

cmek_plain "$T/pt1" sk_live_
cmek_put "$vid" app/api-key "$T/cmek.key" "$T/pt1" "$T/blob1"
# 32 binary bytes: a key to unwrap as CKK_AES.
head -c 32 /dev/urandom > "$T/pt2"
oc_secret "$(od -An -v -tx1 < "$T/pt2" | tr -d ' \n')"
cmek_put "$vid" app/aes-key "$T/cmek.key" "$T/pt2" "$T/blob2"

cmek_module_env "$vid" "$T/cmek.key" node-cmek
cmek_node cmek-client.js --module "$MODULE" --key "$T/cmek.key" \
	--vault-name node-cmek \
	--secret "app/api-key=$T/pt1=$T/blob1" \
	--secret "app/aes-key=$T/pt2=$T/blob2" \
	--aes-secret app/aes-key
