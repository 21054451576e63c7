# The PKCS#11 front end.
include_HEADERS += p11/oneclaw-pkcs11.h
