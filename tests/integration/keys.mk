# tests/integration/keys.mk - private keys, certificates and SSH keys held
# in the vault as PKCS#11 key objects (issue 7), with real clients: OpenSSL
# through the libp11 engine (signing, mutual TLS), OpenSSH (ssh-keygen -D,
# ssh -I and ssh-agent against a loopback sshd), GnuTLS p11tool, CMEK-sealed
# keys, and keys that are not usable.
TESTS += \
	tests/integration/keys-openssl.sh \
	tests/integration/keys-ssh.sh \
	tests/integration/keys-p11tool.sh \
	tests/integration/keys-cmek.sh \
	tests/integration/keys-bad.sh
EXTRA_DIST += tests/integration/keys-lib.sh
