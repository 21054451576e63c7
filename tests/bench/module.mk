# tests/bench/module.mk - benchmarks of the module (`make bench`).
#   module-decrypt: C_Decrypt (CKM_ONECLAW_CMEK, CKM_AES_GCM) beside raw OpenSSL and
#                   SoftHSM2, 1 and 2 threads.
#   module-find:    find all of 1,000, 10,000 and 100,000 secrets and read
#                   1,000 beside raw libcurl and yajl; requests,
#                   connections and peak memory per secret.
bench_scripts += tests/bench/module-decrypt.sh tests/bench/module-find.sh
EXTRA_PROGRAMS += tests/bench/module-decrypt tests/bench/module-find
EXTRA_DIST += tests/bench/module-decrypt.sh tests/bench/module-find.sh \
	tests/bench/module-find.js
CLEANFILES += tests/bench/module-decrypt tests/bench/module-find

tests_bench_module_decrypt_SOURCES = tests/bench/module-decrypt.c \
	tests/bench/bench-p11.c tests/bench/bench-p11.h
tests_bench_module_decrypt_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_bench_module_decrypt_LDADD = $(CRYPTO_LIBS) -ldl $(PTHREAD_LIBS)

tests_bench_module_find_SOURCES = tests/bench/module-find.c
tests_bench_module_find_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CURL_CFLAGS) $(YAJL_CFLAGS)
tests_bench_module_find_LDADD = $(CURL_LIBS) $(YAJL_LIBS) -ldl

# first-secret: C_Initialize to the first value found by label, through
# a relay that delays each direction by 25 ms, beside raw libcurl and
# oneclaw-tool secret get.
bench_scripts += tests/bench/first-secret.sh
EXTRA_PROGRAMS += tests/bench/first-secret tests/bench/delay-relay
EXTRA_DIST += tests/bench/first-secret.sh
CLEANFILES += tests/bench/first-secret tests/bench/delay-relay

tests_bench_first_secret_SOURCES = tests/bench/first-secret.c
tests_bench_first_secret_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CURL_CFLAGS)
tests_bench_first_secret_LDADD = $(CURL_LIBS) -ldl

tests_bench_delay_relay_SOURCES = tests/bench/delay-relay.c
tests_bench_delay_relay_CFLAGS = $(AM_CFLAGS)
tests_bench_delay_relay_LDADD = $(PTHREAD_LIBS)
