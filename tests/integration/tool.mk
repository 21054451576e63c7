# tests/integration/tool.mk
