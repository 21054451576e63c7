# tests/integration/clients.mk - the PKCS#11 clients a user picks, each
# used as its users use it against a vault of the test's own: OpenVPN
# (pkcs11-helper, a TLS 1.3 handshake), Python (PyKCS11), Go
# (miekg/pkcs11), pkcs11-data, and the OpenSSL 3 pkcs11-provider when it is
# installed.  clients-lib.sh is their helper.
TESTS += \
	tests/integration/clients-openvpn.sh \
	tests/integration/clients-python.sh \
	tests/integration/clients-go.sh \
	tests/integration/clients-pkcs11-data.sh \
	tests/integration/clients-openssl-provider.sh

# clients-go.sh builds its program and keeps Go's build cache here.
clean-local: clients-clean-go
clients-clean-go:
	-rm -rf tests/integration/p11-go tests/integration/go-cache
.PHONY: clients-clean-go
