# tests/unit/vaultd.mk
