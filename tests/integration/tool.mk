# tests/integration/tool.mk - end-to-end tests of oneclaw-tool against
# oneclaw-vaultd (tool-common.sh is sourced by them, not a test).
TESTS += \
	tests/integration/tool-keygen.sh \
	tests/integration/tool-usage.sh \
	tests/integration/tool-roundtrip.sh \
	tests/integration/tool-errors.sh \
	tests/integration/tool-rotate-client.sh \
	tests/integration/tool-rotate-server.sh \
	tests/integration/tool-rotate-edge.sh \
	tests/integration/tool-pkcs11.sh \
	tests/integration/tool-seal.sh \
	tests/integration/tool-agents.sh
