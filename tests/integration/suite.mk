# tests/integration/suite.mk
