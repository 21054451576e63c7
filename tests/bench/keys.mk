# tests/bench/keys.mk - benchmarks of key objects held in the vault.
#   module-sign: C_Sign with RSA-2048 PKCS#1, ECDSA P-256 and Ed25519,
#                one thread and two (a session each),
#                beside raw OpenSSL and SoftHSM2 with the same keys.
bench_scripts += tests/bench/module-sign.sh
EXTRA_PROGRAMS += tests/bench/module-sign
EXTRA_DIST += tests/bench/module-sign.sh
CLEANFILES += tests/bench/module-sign

tests_bench_module_sign_SOURCES = tests/bench/module-sign.c \
	tests/bench/bench-p11.c tests/bench/bench-p11.h
tests_bench_module_sign_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_bench_module_sign_LDADD = $(CRYPTO_LIBS) -ldl $(PTHREAD_LIBS)
