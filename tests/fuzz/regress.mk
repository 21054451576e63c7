# tests/fuzz/regress.mk - one cmocka program per crash the fuzzers found
# (tests/fuzz/crashes/<target>-<n> holds the input).  A regression that
# still fails is listed in XFAIL_TESTS until its fix lands.
