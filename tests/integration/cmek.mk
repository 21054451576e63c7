# tests/integration/cmek.mk - CMEK inside the token (issue 4): Node.js
# clients through pkcs11js (tests/node, installed by tests/node/setup.sh),
# interop with WebCrypto, writes, the wire, a delegated SoftHSM2 key and a
# sandboxed agent behind p11-kit server.  cmek-lib.sh is their helper.
TESTS += \
	tests/integration/cmek-node.sh \
	tests/integration/cmek-interop.sh \
	tests/integration/cmek-write.sh \
	tests/integration/cmek-wire.sh \
	tests/integration/cmek-delegated.sh \
	tests/integration/cmek-opened.sh \
	tests/integration/cmek-agent-sandbox.sh \
	tests/integration/agent-served.sh
EXTRA_DIST += \
	tests/node/package.json \
	tests/node/package-lock.json \
	tests/node/setup.sh \
	tests/node/lib.js \
	tests/node/cmek-tool.js \
	tests/node/cmek-client.js \
	tests/node/cmek-interop.js \
	tests/node/cmek-write.js \
	tests/node/opened-client.js \
	tests/node/softhsm-key.js \
	tests/node/sandbox-client.js

# The npm install lives in the build tree (tests/node/setup.sh) and
# survives `make clean`; distclean removes it.
distclean-local: cmek-clean-node
cmek-clean-node:
	-rm -rf tests/node-deps
.PHONY: cmek-clean-node
