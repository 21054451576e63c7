# tests/unit/vaultd.mk - unit tests of oneclaw-vaultd's internals.
vaultd_unit_tests = \
	tests/unit/vaultd-router-test \
	tests/unit/vaultd-glob-test \
	tests/unit/vaultd-rfc3339-test \
	tests/unit/vaultd-faults-test \
	tests/unit/vaultd-jwt-test \
	tests/unit/vaultd-dpop-test \
	tests/unit/vaultd-group-test
check_PROGRAMS += $(vaultd_unit_tests)
TESTS += $(vaultd_unit_tests)

VAULTD_UNIT_CFLAGS = $(UNIT_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) \
	$(P11KIT_CFLAGS)
VAULTD_UNIT_LIBS = src/vaultd/libocvaultd.la $(UNIT_LIBS)

tests_unit_vaultd_router_test_SOURCES = tests/unit/vaultd-router-test.c
tests_unit_vaultd_router_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_router_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_glob_test_SOURCES = tests/unit/vaultd-glob-test.c
tests_unit_vaultd_glob_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_glob_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_rfc3339_test_SOURCES = tests/unit/vaultd-rfc3339-test.c
tests_unit_vaultd_rfc3339_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_rfc3339_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_faults_test_SOURCES = tests/unit/vaultd-faults-test.c
tests_unit_vaultd_faults_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_faults_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_jwt_test_SOURCES = tests/unit/vaultd-jwt-test.c
tests_unit_vaultd_jwt_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_jwt_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_dpop_test_SOURCES = tests/unit/vaultd-dpop-test.c
tests_unit_vaultd_dpop_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_dpop_test_LDADD = $(VAULTD_UNIT_LIBS)
tests_unit_vaultd_group_test_SOURCES = tests/unit/vaultd-group-test.c
tests_unit_vaultd_group_test_CFLAGS = $(VAULTD_UNIT_CFLAGS)
tests_unit_vaultd_group_test_LDADD = $(VAULTD_UNIT_LIBS)
