# The PKCS#11 front end.  p11/libocp11.la holds the module's internals (so
# unit tests link them); oneclaw-pkcs11.la is the module itself, built from
# the one file that exports symbols.  It is named at the top level so that
# libtool builds .libs/oneclaw-pkcs11.so at the top of the build tree.
include_HEADERS += p11/oneclaw-pkcs11.h

noinst_LTLIBRARIES += p11/libocp11.la
p11_libocp11_la_SOURCES = \
	p11/ck.h \
	p11/asym.c p11/asym.h \
	p11/attr.c p11/attr.h \
	p11/audit.c p11/audit.h \
	p11/backend.c p11/backend.h \
	p11/crypt.c p11/crypt.h \
	p11/digest.c p11/digest.h \
	p11/entry.c p11/entry.h \
	p11/find.c p11/find.h \
	p11/init.c p11/init.h \
	p11/keyobj.c p11/keyobj.h \
	p11/keys.c p11/keys.h \
	p11/lock.c p11/lock.h \
	p11/login.c p11/login.h \
	p11/mech.c p11/mech.h \
	p11/names.c p11/names.h \
	p11/obj-asym.c p11/obj-asym.h \
	p11/obj-cert.c p11/obj-cert.h \
	p11/obj-data.c p11/obj-data.h \
	p11/obj-seckey.c p11/obj-seckey.h \
	p11/object.c p11/object.h \
	p11/objstore.c p11/objstore.h \
	p11/random.c p11/random.h \
	p11/rv.c p11/rv.h \
	p11/sealed.c p11/sealed.h \
	p11/session.c p11/session.h \
	p11/sign.c p11/sign.h \
	p11/slot.c p11/slot.h \
	p11/token.c p11/token.h \
	p11/token-name.c p11/token-name.h \
	p11/unwrap.c p11/unwrap.h \
	p11/write.c p11/write.h
p11_libocp11_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS) $(CRYPTO_CFLAGS) \
	$(YAJL_CFLAGS)
p11_libocp11_la_LIBADD = src/tokenkey/libtokenkey.la src/libocnet.la \
	$(CRYPTO_LIBS) $(PTHREAD_LIBS)

p11module_LTLIBRARIES = oneclaw-pkcs11.la
oneclaw_pkcs11_la_SOURCES = p11/module.c p11/module.h
oneclaw_pkcs11_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
oneclaw_pkcs11_la_LIBADD = p11/libocp11.la
oneclaw_pkcs11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-no-undefined $(OC_MODULE_LDFLAGS) \
	-export-symbols-regex '^C_Get(FunctionList|InterfaceList|Interface)$$'

# p11-kit finds the module through this file, installed in its config
# directory; `module:` is the module's installed absolute path, so the file
# means the same wherever a user copies it (from a build tree, name the
# build's .libs/oneclaw-pkcs11.so instead: oneclaw-pkcs11(5)).
p11config_DATA = p11/oneclaw.module
EXTRA_DIST += p11/oneclaw.module.in
CLEANFILES += p11/oneclaw.module

dist_man_MANS += doc/oneclaw-pkcs11.5

# The served deployment (one `p11-kit server` per agent): a system and a
# user unit, with this build's paths.
systemdsystemunit_DATA += p11/systemd/oneclaw-agent@.service
systemduserunit_DATA = p11/systemd/user/oneclaw-agent@.service
EXTRA_DIST += p11/systemd/oneclaw-agent@.service.in \
	p11/systemd/user/oneclaw-agent@.service.in
CLEANFILES += p11/systemd/oneclaw-agent@.service $(systemduserunit_DATA)
oc_unit_subst = $(SED) -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@p11moduledir[@]|$(p11moduledir)|g' \
	-e 's|@P11_KIT[@]|$(P11_KIT)|g'
p11/oneclaw.module: $(srcdir)/p11/oneclaw.module.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(oc_unit_subst) $< > $@.tmp && mv $@.tmp $@
p11/systemd/oneclaw-agent@.service: $(srcdir)/p11/systemd/oneclaw-agent@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(oc_unit_subst) $< > $@.tmp && mv $@.tmp $@
p11/systemd/user/oneclaw-agent@.service: $(srcdir)/p11/systemd/user/oneclaw-agent@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(oc_unit_subst) $< > $@.tmp && mv $@.tmp $@
