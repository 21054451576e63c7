# tests/bench/vaultd.mk
