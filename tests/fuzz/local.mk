# tests/fuzz - libFuzzer targets (clang).  Built only in a build configured
# with `CC=clang ./configure --enable-fuzzing`, where every library carries
# -fsanitize=fuzzer-no-link,address,undefined (configure.ac) and the
# targets link the libFuzzer runtime.  `make fuzz` (tests/fuzz/run.sh)
# makes such a build of its own in $(top_builddir)/fuzz-build and runs
# every target for a bounded time (OC_FUZZ_SECONDS, default 20) on the
# seed corpora in tests/fuzz/corpus/<target>/.
FUZZ_TARGETS = \
	tests/fuzz/fuzz-json \
	tests/fuzz/fuzz-conf \
	tests/fuzz/fuzz-keysrc \
	tests/fuzz/fuzz-cmek \
	tests/fuzz/fuzz-codec \
	tests/fuzz/fuzz-api-responses \
	tests/fuzz/fuzz-attrs \
	tests/fuzz/fuzz-vaultd-routes \
	tests/fuzz/fuzz-pkey \
	tests/fuzz/fuzz-wire

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/corpus tests/fuzz/crashes \
	$(FUZZ_TARGETS:=.c) tests/fuzz/fuzz-json.dict \
	tests/fuzz/fuzz-api-responses.dict tests/fuzz/fuzz-vaultd-routes.dict \
	tests/fuzz/fuzz-conf.dict

if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)

FUZZ_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer

tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz-json.c
tests_fuzz_fuzz_json_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_json_LDADD = src/libocore.la

tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_conf_LDADD = src/libocore.la

tests_fuzz_fuzz_keysrc_SOURCES = tests/fuzz/fuzz-keysrc.c
tests_fuzz_fuzz_keysrc_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_keysrc_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_keysrc_LDADD = src/libocore.la

tests_fuzz_fuzz_cmek_SOURCES = tests/fuzz/fuzz-cmek.c
tests_fuzz_fuzz_cmek_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_cmek_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_cmek_LDADD = src/libocore.la

tests_fuzz_fuzz_codec_SOURCES = tests/fuzz/fuzz-codec.c
tests_fuzz_fuzz_codec_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_codec_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_codec_LDADD = src/libocore.la

tests_fuzz_fuzz_api_responses_SOURCES = tests/fuzz/fuzz-api-responses.c
tests_fuzz_fuzz_api_responses_CFLAGS = $(FUZZ_CFLAGS) $(CURL_CFLAGS)
tests_fuzz_fuzz_api_responses_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_api_responses_LDADD = src/libocnet.la src/libocore.la \
	$(PTHREAD_LIBS)

tests_fuzz_fuzz_attrs_SOURCES = tests/fuzz/fuzz-attrs.c
tests_fuzz_fuzz_attrs_CFLAGS = $(FUZZ_CFLAGS) $(P11KIT_CFLAGS)
tests_fuzz_fuzz_attrs_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_attrs_LDADD = p11/libocp11.la $(PTHREAD_LIBS)

tests_fuzz_fuzz_vaultd_routes_SOURCES = tests/fuzz/fuzz-vaultd-routes.c
tests_fuzz_fuzz_vaultd_routes_CFLAGS = $(FUZZ_CFLAGS) $(MHD_CFLAGS) \
	$(SQLITE_CFLAGS) $(P11KIT_CFLAGS)
tests_fuzz_fuzz_vaultd_routes_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_vaultd_routes_LDADD = src/vaultd/libocvaultd.la \
	$(PTHREAD_LIBS)

tests_fuzz_fuzz_pkey_SOURCES = tests/fuzz/fuzz-pkey.c
tests_fuzz_fuzz_pkey_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_pkey_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_pkey_LDADD = src/libocore.la

tests_fuzz_fuzz_wire_SOURCES = tests/fuzz/fuzz-wire.c
tests_fuzz_fuzz_wire_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wire_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_wire_LDADD = src/libocore.la
else
# Without libFuzzer the same targets are built with replay.c as main(), so
# every build compiles them and `make check` replays the seed corpora.
FUZZ_REPLAYS = \
	tests/fuzz/replay-json \
	tests/fuzz/replay-conf \
	tests/fuzz/replay-keysrc \
	tests/fuzz/replay-cmek \
	tests/fuzz/replay-codec \
	tests/fuzz/replay-api-responses \
	tests/fuzz/replay-attrs \
	tests/fuzz/replay-vaultd-routes \
	tests/fuzz/replay-pkey \
	tests/fuzz/replay-wire
check_PROGRAMS += $(FUZZ_REPLAYS)
REPLAY_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)

tests_fuzz_replay_json_SOURCES = tests/fuzz/fuzz-json.c tests/fuzz/replay.c
tests_fuzz_replay_json_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_json_LDADD = src/libocore.la

tests_fuzz_replay_conf_SOURCES = tests/fuzz/fuzz-conf.c tests/fuzz/replay.c
tests_fuzz_replay_conf_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_conf_LDADD = src/libocore.la

tests_fuzz_replay_keysrc_SOURCES = tests/fuzz/fuzz-keysrc.c \
	tests/fuzz/replay.c
tests_fuzz_replay_keysrc_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_keysrc_LDADD = src/libocore.la

tests_fuzz_replay_cmek_SOURCES = tests/fuzz/fuzz-cmek.c tests/fuzz/replay.c
tests_fuzz_replay_cmek_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_cmek_LDADD = src/libocore.la

tests_fuzz_replay_codec_SOURCES = tests/fuzz/fuzz-codec.c tests/fuzz/replay.c
tests_fuzz_replay_codec_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_codec_LDADD = src/libocore.la

tests_fuzz_replay_api_responses_SOURCES = tests/fuzz/fuzz-api-responses.c \
	tests/fuzz/replay.c
tests_fuzz_replay_api_responses_CFLAGS = $(REPLAY_CFLAGS) $(CURL_CFLAGS)
tests_fuzz_replay_api_responses_LDADD = src/libocnet.la src/libocore.la \
	$(PTHREAD_LIBS)

tests_fuzz_replay_attrs_SOURCES = tests/fuzz/fuzz-attrs.c tests/fuzz/replay.c
tests_fuzz_replay_attrs_CFLAGS = $(REPLAY_CFLAGS) $(P11KIT_CFLAGS)
tests_fuzz_replay_attrs_LDADD = p11/libocp11.la $(PTHREAD_LIBS)

tests_fuzz_replay_vaultd_routes_SOURCES = tests/fuzz/fuzz-vaultd-routes.c \
	tests/fuzz/replay.c
tests_fuzz_replay_vaultd_routes_CFLAGS = $(REPLAY_CFLAGS) $(MHD_CFLAGS) \
	$(SQLITE_CFLAGS) $(P11KIT_CFLAGS)
tests_fuzz_replay_vaultd_routes_LDADD = src/vaultd/libocvaultd.la \
	$(PTHREAD_LIBS)

tests_fuzz_replay_pkey_SOURCES = tests/fuzz/fuzz-pkey.c tests/fuzz/replay.c
tests_fuzz_replay_pkey_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_pkey_LDADD = src/libocore.la

tests_fuzz_replay_wire_SOURCES = tests/fuzz/fuzz-wire.c tests/fuzz/replay.c
tests_fuzz_replay_wire_CFLAGS = $(REPLAY_CFLAGS)
tests_fuzz_replay_wire_LDADD = src/libocore.la
endif

# Every build replays the seed corpora once.
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/replay.c

# Regression tests for what the fuzzers found (cmocka, every build).
include tests/fuzz/regress.mk

fuzz:
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/tests/fuzz/run.sh

.PHONY: fuzz
