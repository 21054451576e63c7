# oneclaw-vaultd: the local vault server.  Everything but main.c is in a
# convenience library so unit tests link exactly what they test.
noinst_LTLIBRARIES += src/vaultd/libocvaultd.la
bin_PROGRAMS += oneclaw-vaultd

src_vaultd_libocvaultd_la_SOURCES = \
	src/vaultd/auth.c src/vaultd/auth.h \
	src/vaultd/conffile.c src/vaultd/conffile.h \
	src/vaultd/conntrack.c src/vaultd/conntrack.h \
	src/vaultd/dpop-verify.c src/vaultd/dpop-verify.h \
	src/vaultd/envelope.c src/vaultd/envelope.h \
	src/vaultd/faults.c src/vaultd/faults.h \
	src/vaultd/fields.c src/vaultd/fields.h \
	src/vaultd/glob.c src/vaultd/glob.h \
	src/vaultd/handlers.h \
	src/vaultd/handlers-agents.c src/vaultd/handlers-agents.h \
	src/vaultd/handlers-auth.c src/vaultd/handlers-auth.h \
	src/vaultd/handlers-cmek.c src/vaultd/handlers-cmek.h \
	src/vaultd/handlers-policies.c src/vaultd/handlers-policies.h \
	src/vaultd/handlers-secrets.c src/vaultd/handlers-secrets.h \
	src/vaultd/handlers-vaults.c src/vaultd/handlers-vaults.h \
	src/vaultd/ids.c src/vaultd/ids.h \
	src/vaultd/jwk.c src/vaultd/jwk.h \
	src/vaultd/jwt.c src/vaultd/jwt.h \
	src/vaultd/kek.c src/vaultd/kek.h \
	src/vaultd/problem.c src/vaultd/problem.h \
	src/vaultd/replay.c src/vaultd/replay.h \
	src/vaultd/request.c src/vaultd/request.h \
	src/vaultd/rfc3339.c src/vaultd/rfc3339.h \
	src/vaultd/rotator.c src/vaultd/rotator.h \
	src/vaultd/scratch.c src/vaultd/scratch.h \
	src/vaultd/sdnotify.c src/vaultd/sdnotify.h \
	src/vaultd/router.c src/vaultd/router.h \
	src/vaultd/server.c src/vaultd/server.h \
	src/vaultd/sigmemo.c src/vaultd/sigmemo.h \
	src/vaultd/store.h \
	src/vaultd/store-access.c \
	src/vaultd/store-db.c src/vaultd/store-db.h \
	src/vaultd/store-group.c \
	src/vaultd/store-jobs.c \
	src/vaultd/store-secrets.c \
	src/vaultd/store-tokens.c \
	src/vaultd/store-users.c \
	src/vaultd/store-vaults.c \
	src/vaultd/strlist.c src/vaultd/strlist.h \
	src/vaultd/vaultd-init.c src/vaultd/vaultd-init.h \
	src/vaultd/wirelog.c src/vaultd/wirelog.h
src_vaultd_libocvaultd_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) \
	$(SQLITE_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
src_vaultd_libocvaultd_la_LIBADD = src/tokenkey/libtokenkey.la \
	src/libocore.la $(MHD_LIBS) $(SQLITE_LIBS) $(CRYPTO_LIBS) \
	$(YAJL_LIBS) $(PTHREAD_LIBS)

oneclaw_vaultd_SOURCES = src/vaultd/main.c
oneclaw_vaultd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(CRYPTO_CFLAGS) \
	$(YAJL_CFLAGS)
oneclaw_vaultd_LDADD = src/vaultd/libocvaultd.la

dist_man_MANS += doc/oneclaw-vaultd.8

# The service: a system unit with this build's paths (oc_unit_subst, from
# p11/local.mk) and its default configuration, installed only where there
# is none, so that a reinstall keeps the administrator's; an uninstall
# removes it only unchanged.
systemdsystemunit_DATA += src/vaultd/oneclaw-vaultd.service
EXTRA_DIST += src/vaultd/oneclaw-vaultd.service.in src/vaultd/vaultd.conf
CLEANFILES += src/vaultd/oneclaw-vaultd.service
src/vaultd/oneclaw-vaultd.service: $(srcdir)/src/vaultd/oneclaw-vaultd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(oc_unit_subst) $< > $@.tmp && mv $@.tmp $@

vaultdconfdir = $(sysconfdir)/oneclaw
install-data-local: install-vaultd-conf
uninstall-local: uninstall-vaultd-conf
install-vaultd-conf:
	$(MKDIR_P) '$(DESTDIR)$(vaultdconfdir)'
	if test -e '$(DESTDIR)$(vaultdconfdir)/vaultd.conf'; then \
	  echo "keeping $(DESTDIR)$(vaultdconfdir)/vaultd.conf"; \
	else \
	  $(INSTALL_DATA) '$(srcdir)/src/vaultd/vaultd.conf' \
	    '$(DESTDIR)$(vaultdconfdir)/vaultd.conf'; \
	fi
uninstall-vaultd-conf:
	if cmp -s '$(srcdir)/src/vaultd/vaultd.conf' \
	    '$(DESTDIR)$(vaultdconfdir)/vaultd.conf'; then \
	  rm -f '$(DESTDIR)$(vaultdconfdir)/vaultd.conf'; \
	fi
.PHONY: install-vaultd-conf uninstall-vaultd-conf
