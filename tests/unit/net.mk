# tests/unit/net.mk - unit tests of libocnet (http, api) against a loopback
# mock server that runs inside the test (tests/unit/net-mock.c).
check_PROGRAMS += tests/unit/http-test tests/unit/api-test \
	tests/unit/api-agents-test tests/unit/tokcache-test
TESTS += tests/unit/http-test tests/unit/api-test tests/unit/api-agents-test \
	tests/unit/tokcache-test

NET_TEST_CFLAGS = $(UNIT_CFLAGS) $(CURL_CFLAGS)
NET_TEST_LIBS = src/libocnet.la src/libocore.la $(UNIT_LIBS) $(PTHREAD_LIBS)

tests_unit_http_test_SOURCES = tests/unit/http-test.c \
	tests/unit/net-mock.c tests/unit/net-mock.h
tests_unit_http_test_CFLAGS = $(NET_TEST_CFLAGS)
tests_unit_http_test_LDADD = $(NET_TEST_LIBS)

tests_unit_api_test_SOURCES = tests/unit/api-test.c \
	tests/unit/net-mock.c tests/unit/net-mock.h
tests_unit_api_test_CFLAGS = $(NET_TEST_CFLAGS)
tests_unit_api_test_LDADD = $(NET_TEST_LIBS)

tests_unit_api_agents_test_SOURCES = tests/unit/api-agents-test.c \
	tests/unit/net-mock.c tests/unit/net-mock.h
tests_unit_api_agents_test_CFLAGS = $(NET_TEST_CFLAGS)
tests_unit_api_agents_test_LDADD = $(NET_TEST_LIBS)

tests_unit_tokcache_test_SOURCES = tests/unit/tokcache-test.c
tests_unit_tokcache_test_CFLAGS = $(NET_TEST_CFLAGS)
tests_unit_tokcache_test_LDADD = $(NET_TEST_LIBS)

# For helgrind runs of anything linking libocnet (libcurl's internal
# spinlock, p11-kit's destructor): valgrind --suppressions=this file.
EXTRA_DIST += tests/unit/net-helgrind.supp
