# tests/unit/tool.mk
# Unit tests of oneclaw-tool's units, each built with the unit's source
# (the tool is a program, not a library) over the core library.
TOOL_UNIT_TESTS = tests/unit/output-test tests/unit/jobstate-test

check_PROGRAMS += $(TOOL_UNIT_TESTS)
TESTS += $(TOOL_UNIT_TESTS)

tests_unit_output_test_SOURCES = tests/unit/output-test.c \
	src/tool/output.c src/tool/output.h
tests_unit_output_test_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/tool
tests_unit_output_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_jobstate_test_SOURCES = tests/unit/jobstate-test.c \
	src/tool/jobstate.c src/tool/jobstate.h \
	src/tool/newfile.c src/tool/newfile.h
tests_unit_jobstate_test_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/tool
tests_unit_jobstate_test_LDADD = src/libocore.la $(UNIT_LIBS)
