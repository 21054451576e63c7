# tests/integration/module.mk
