# tests/attack - attacks on the module's promise: an application (or an
# agent behind p11-kit server) may use vault keys and CMEK keys but never
# obtain them, nor crash its host, through any PKCS#11 call.  One small
# program per attack (attack.c holds what they share), each run by its
# script against a fresh oneclaw-vaultd, directly and through p11-kit's
# RPC (attack-lib.sh).
EXTRA_DIST += tests/attack/attack-lib.sh
ATTACK_SOURCES = tests/attack/attack.c tests/attack/attack.h \
	tests/integration/client-calls.c tests/integration/client-calls.h
ATTACK_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
ATTACK_LIBS = -ldl

check_PROGRAMS += tests/attack/holds
tests_attack_holds_SOURCES = tests/attack/holds.c $(ATTACK_SOURCES)
tests_attack_holds_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_holds_LDADD = $(ATTACK_LIBS)

TESTS += tests/attack/holds.sh
EXTRA_DIST += tests/attack/holds.sh

check_PROGRAMS += tests/attack/key-secret
tests_attack_key_secret_SOURCES = tests/attack/key-secret.c $(ATTACK_SOURCES)
tests_attack_key_secret_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_key_secret_LDADD = $(ATTACK_LIBS)

TESTS += tests/attack/key-secret.sh
EXTRA_DIST += tests/attack/key-secret.sh

check_PROGRAMS += tests/attack/session-data
tests_attack_session_data_SOURCES = tests/attack/session-data.c \
	$(ATTACK_SOURCES)
tests_attack_session_data_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_session_data_LDADD = $(ATTACK_LIBS)

TESTS += tests/attack/session-data.sh
EXTRA_DIST += tests/attack/session-data.sh

check_PROGRAMS += tests/attack/unsealed
tests_attack_unsealed_SOURCES = tests/attack/unsealed.c $(ATTACK_SOURCES)
tests_attack_unsealed_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_unsealed_LDADD = $(ATTACK_LIBS)

TESTS += tests/attack/unsealed.sh
EXTRA_DIST += tests/attack/unsealed.sh

check_PROGRAMS += tests/attack/gcm-iv
tests_attack_gcm_iv_SOURCES = tests/attack/gcm-iv.c $(ATTACK_SOURCES)
tests_attack_gcm_iv_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_gcm_iv_LDADD = $(ATTACK_LIBS)

TESTS += tests/attack/gcm-iv.sh tests/attack/gcm-iv-delegated.sh
EXTRA_DIST += tests/attack/gcm-iv.sh tests/attack/gcm-iv-delegated.sh

check_PROGRAMS += tests/attack/init-reserved
tests_attack_init_reserved_SOURCES = tests/attack/init-reserved.c $(ATTACK_SOURCES)
tests_attack_init_reserved_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_init_reserved_LDADD = $(ATTACK_LIBS)
TESTS += tests/attack/init-reserved.sh
EXTRA_DIST += tests/attack/init-reserved.sh

check_PROGRAMS += tests/attack/login-so
tests_attack_login_so_SOURCES = tests/attack/login-so.c $(ATTACK_SOURCES)
tests_attack_login_so_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_login_so_LDADD = $(ATTACK_LIBS)
TESTS += tests/attack/login-so.sh
EXTRA_DIST += tests/attack/login-so.sh

TESTS += tests/attack/file-trust.sh
EXTRA_DIST += tests/attack/file-trust.sh

TESTS += tests/attack/tool-terminal.sh
EXTRA_DIST += tests/attack/tool-terminal.sh

check_PROGRAMS += tests/attack/logout-pin
tests_attack_logout_pin_SOURCES = tests/attack/logout-pin.c $(ATTACK_SOURCES)
tests_attack_logout_pin_CFLAGS = $(ATTACK_CFLAGS)
tests_attack_logout_pin_LDADD = $(ATTACK_LIBS)
TESTS += tests/attack/logout-pin.sh
EXTRA_DIST += tests/attack/logout-pin.sh
