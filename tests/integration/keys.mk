# tests/integration/keys.mk
