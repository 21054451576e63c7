# tests/integration/soak.mk
