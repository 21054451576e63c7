# tests/bench/vaultd.mk - server-side CMEK rotation of 10,000 secrets by
# oneclaw-vaultd beside the raw cost of the same crypto (make bench).
bench_scripts += tests/bench/vaultd-rotate.sh
EXTRA_PROGRAMS += tests/bench/vaultd-gcm-raw
EXTRA_DIST += tests/bench/vaultd-rotate.sh
CLEANFILES += tests/bench/vaultd-gcm-raw

tests_bench_vaultd_gcm_raw_SOURCES = tests/bench/vaultd-gcm-raw.c
tests_bench_vaultd_gcm_raw_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
tests_bench_vaultd_gcm_raw_LDADD = src/libocore.la $(CRYPTO_LIBS)
