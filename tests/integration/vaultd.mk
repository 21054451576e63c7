# tests/integration/vaultd.mk
