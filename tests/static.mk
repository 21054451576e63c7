# tests/static.mk
