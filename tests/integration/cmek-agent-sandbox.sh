#!/bin/sh
# cmek-agent-sandbox.sh - a sandboxed agent with no credential and no key:
# `p11-kit server` runs the module (which holds the API key and the CMEK
# key) and exports its token on a unix socket; a separate process started
# with `env -i` (only P11_KIT_SERVER_ADDRESS, PATH and NODE_PATH) loads
# p11-kit's client module and reads a CMEK secret's plaintext through it.
#
# p11-kit's RPC forwards only mechanisms on its own allow-list: 0.24 has
# neither the vendor CKM_ONECLAW_CMEK nor CKM_AES_GCM on it (CKM_AES_GCM
# arrived in 0.25).  So the served token has cmek_values = opened: the
# agent reads the plaintext as CKA_VALUE on any p11-kit, and where p11-kit
# is 0.25 or later it must also decrypt the blob with CKM_AES_GCM.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need p11-kit
cmek_need_node
cmek_need_module
client=$(oc_p11kit_client)
[ -n "$client" ] || oc_skip "p11-kit-client.so not found"
oc_start_vaultd

oc_keygen "$T/cmek.key"
vid=$(cmek_vault agent-vault "$T/cmek.key") || exit 1
cmek_plain "$T/pt" agent-secret-
cmek_put "$vid" agent/openai "$T/cmek.key" "$T/pt" "$T/blob"
fp=$(cmek_tool fp "$T/cmek.key")

# The server side holds the credential and the key.
cmek_module_env "$vid" "$T/cmek.key" agent-vault
printf 'cmek_values = opened\n' > "$ONECLAW_PKCS11_CONF"
oc_p11kit_serve
addr=$OC_P11KIT_ADDR
said=$(sed -n "s/^P11_KIT_SERVER_ADDRESS=\([^;]*\);.*/\1/p" "$T/server.out" |
	tr -d "'\"")
[ -z "$said" ] || [ "$said" = "$addr" ] || oc_fail "unexpected address: $said"
# Each connection runs the module in a fresh `p11-kit remote` whose stdout
# is the RPC channel: a module that printed anything would break it.

# The agent: nothing from this environment but the socket address.
v=$(dpkg-query -W -f='${Version}' p11-kit 2>/dev/null)
need=
dpkg --compare-versions "${v:-0}" ge 0.25 2>/dev/null && need=--need-mechanism
# shellcheck disable=SC2086
env -i PATH=/usr/bin:/bin NODE_PATH="$NODE_PATH" \
	P11_KIT_SERVER_ADDRESS="$addr" \
	node "$NODE_TESTS/sandbox-client.js" --module "$client" \
	--label agent/openai --vault-name agent-vault --fp "$fp" \
	--opened "$T/pt" --out "$T/agent.out" $need
rc=$?
oc_p11kit_unserve
[ $rc -eq 0 ] || oc_fail "sandbox-client.js (exit $rc)"
cmp -s "$T/agent.out" "$T/pt" ||
	oc_fail "the agent's plaintext differs from the secret"
echo "the sandboxed agent read agent/openai's plaintext through p11-kit ${v:-?}"
