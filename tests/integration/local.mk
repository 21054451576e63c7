# Integration tests: shell scripts, each with its own oneclaw-vaultd.
EXTRA_DIST += tests/integration
include tests/integration/vaultd.mk
include tests/integration/module.mk
include tests/integration/cmek.mk
include tests/integration/tool.mk
include tests/integration/keys.mk
include tests/integration/soak.mk
include tests/integration/clients.mk
include tests/integration/suite.mk
