# tests/integration/cmek.mk
