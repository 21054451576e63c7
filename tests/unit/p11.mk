# tests/unit/p11.mk
