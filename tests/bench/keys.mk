# tests/bench/keys.mk
