# The core: no PKCS#11 types.  libocore has no network code; libocnet adds
# libcurl and the vault API client on top of it.
noinst_LTLIBRARIES += src/libocore.la src/libocnet.la

src_libocore_la_SOURCES = \
	src/err.c src/err.h \
	src/fdio.c src/fdio.h \
	src/log.c src/log.h \
	src/secmem.c src/secmem.h \
	src/buf.c src/buf.h \
	src/codec.c src/codec.h \
	src/dpop.c src/dpop.h \
	src/ossl.c src/ossl.h \
	src/json.c src/json.h \
	src/cmek.c src/cmek.h \
	src/keysrc.c src/keysrc.h \
	src/sealkey.c src/sealkey.h \
	src/pkey.c src/pkey.h \
	src/openssh-key.c src/openssh-key.h \
	src/conf.c src/conf.h \
	src/rfc3339.c src/rfc3339.h \
	src/wire.c src/wire.h
src_libocore_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
src_libocore_la_LIBADD = $(CRYPTO_LIBS) $(YAJL_LIBS) $(PTHREAD_LIBS)

src_libocnet_la_SOURCES = \
	src/http.c src/http.h \
	src/tokcache.c src/tokcache.h \
	src/api.c src/api.h \
	src/api-call.h \
	src/api-agents.c src/api-agents.h
src_libocnet_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
src_libocnet_la_LIBADD = src/libocore.la $(CURL_LIBS)
