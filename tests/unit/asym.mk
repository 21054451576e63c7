# tests/unit/asym.mk
