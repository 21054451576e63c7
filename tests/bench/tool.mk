# tests/bench/tool.mk
