# tests/bench/module.mk - benchmarks of the module (`make bench`).
#   module-decrypt: C_Decrypt (CKM_ONECLAW_CMEK, CKM_AES_GCM) beside raw OpenSSL and
#                   SoftHSM2, 1 and 2 threads.
#   module-find:    find all of 10,000 secrets and read 1,000 beside raw
#                   libcurl; requests and connections counted.
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
	$(CURL_CFLAGS)
tests_bench_module_find_LDADD = $(CURL_LIBS) -ldl
