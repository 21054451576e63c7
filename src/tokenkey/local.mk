# A key in another PKCS#11 token, named by a pkcs11: URI: the one place
# outside p11/ that speaks PKCS#11.  Its users link the core themselves
# (libocore is in the module and the programs once, through their own
# chains), so it names no libtool library.
noinst_LTLIBRARIES += src/tokenkey/libtokenkey.la

src_tokenkey_libtokenkey_la_SOURCES = \
	src/tokenkey/tokenkey.h \
	src/tokenkey/tk-ck.h \
	src/tokenkey/tk-module.c src/tokenkey/tk-module.h \
	src/tokenkey/tk-key.c src/tokenkey/tk-key.h \
	src/tokenkey/tk-pin.c \
	src/tokenkey/tk-ops.c \
	src/tokenkey/tk-pub.c \
	src/tokenkey/tk-unseal.c \
	src/tokenkey/tk-cmek.c \
	src/tokenkey/tk-dpop.c
src_tokenkey_libtokenkey_la_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
src_tokenkey_libtokenkey_la_LIBADD = $(P11KIT_LIBS) $(PTHREAD_LIBS) -ldl
