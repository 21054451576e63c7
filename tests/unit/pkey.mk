# tests/unit/pkey.mk
