# tests/bench/vaultd.mk - benchmarks of oneclaw-vaultd (make bench).
#   vaultd-rotate: server-side CMEK rotation of 10,000 secrets beside the
#                  raw cost of the same crypto.
#   vaultd-load:   GET with 64 keep-alive clients, the same under 1,000
#                  slow connections, and peak RSS under a flood of 2 MB
#                  bodies, beside a trivial libmicrohttpd responder
#                  (driven by tests/integration/hostile-client).
#   vaultd-backup: --backup, --restore and --rotate-kek of 10,000 and
#                  100,000 secrets beside raw SQLite copies and the raw
#                  re-wrap work (vaultd-rewrap-raw).
bench_scripts += tests/bench/vaultd-rotate.sh tests/bench/vaultd-load.sh \
	tests/bench/vaultd-backup.sh
bench_programs += tests/integration/hostile-client
EXTRA_PROGRAMS += tests/bench/vaultd-gcm-raw tests/bench/mhd-trivial \
	tests/bench/vaultd-rewrap-raw
EXTRA_DIST += tests/bench/vaultd-rotate.sh tests/bench/vaultd-load.sh \
	tests/bench/vaultd-backup.sh
CLEANFILES += tests/bench/vaultd-gcm-raw tests/bench/mhd-trivial \
	tests/bench/vaultd-rewrap-raw

tests_bench_vaultd_gcm_raw_SOURCES = tests/bench/vaultd-gcm-raw.c
tests_bench_vaultd_gcm_raw_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(SQLITE_CFLAGS)
tests_bench_vaultd_gcm_raw_LDADD = src/libocore.la $(CRYPTO_LIBS) \
	$(SQLITE_LIBS)

tests_bench_vaultd_rewrap_raw_SOURCES = tests/bench/vaultd-rewrap-raw.c
tests_bench_vaultd_rewrap_raw_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) \
	$(SQLITE_CFLAGS)
tests_bench_vaultd_rewrap_raw_LDADD = src/libocore.la $(CRYPTO_LIBS) \
	$(SQLITE_LIBS)

tests_bench_mhd_trivial_SOURCES = tests/bench/mhd-trivial.c
tests_bench_mhd_trivial_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
tests_bench_mhd_trivial_LDADD = $(MHD_LIBS) $(PTHREAD_LIBS)
