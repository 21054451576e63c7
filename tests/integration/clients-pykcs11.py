"""clients-pykcs11.py - what a PyKCS11 user does with the module, driven by
clients-python.sh:

  tokens MODULE                          one line per token: slot, label
  objects MODULE TOKEN                   one line per object: class, label
  read MODULE TOKEN LABEL OUT            CKA_VALUE of the data object LABEL
  sign MODULE TOKEN LABEL rsa|ec IN OUT  signs IN (SHA-256 inside the token)
                                         with the private key LABEL, checks
                                         it with the public key object
                                         (C_Verify), writes it DER-encoded
                                         for ECDSA so OpenSSL reads it too

Any failure is an exception: a non-zero exit with PyKCS11's message.
"""

import sys

import PyKCS11
from PyKCS11.LowLevel import CKA_CLASS, CKA_LABEL, CKA_VALUE
from PyKCS11.LowLevel import CKO_DATA, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY
from PyKCS11.LowLevel import CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA256


def load(module):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    return lib


def session_on(lib, token):
    """A read-only session on the token labelled TOKEN."""
    for slot in lib.getSlotList(tokenPresent=True):
        if lib.getTokenInfo(slot).label.strip() == token:
            return lib.openSession(slot)
    raise SystemExit(f"no token labelled {token!r}")


def one_object(session, cls, label):
    found = session.findObjects([(CKA_CLASS, cls), (CKA_LABEL, label)])
    if len(found) != 1:
        raise SystemExit(f"{len(found)} objects labelled {label!r}, not 1")
    return found[0]


def der_int(raw):
    raw = raw.lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return b"\x02" + bytes([len(raw)]) + raw


def ecdsa_der(sig):
    """PKCS#11 gives ECDSA as r || s; OpenSSL reads an ASN.1 SEQUENCE."""
    half = len(sig) // 2
    body = der_int(sig[:half]) + der_int(sig[half:])
    return b"\x30" + bytes([len(body)]) + body


def main(argv):
    cmd, lib = argv[1], load(argv[2])
    if cmd == "tokens":
        for slot in lib.getSlotList(tokenPresent=True):
            print(f"slot {slot}: {lib.getTokenInfo(slot).label.strip()}")
        return
    session = session_on(lib, argv[3])
    if cmd == "objects":
        for obj in session.findObjects():
            cls, label = session.getAttributeValue(obj, [CKA_CLASS, CKA_LABEL])
            print(f"{PyKCS11.CKO[cls]} {label}")
    elif cmd == "read":
        obj = one_object(session, CKO_DATA, argv[4])
        value = session.getAttributeValue(obj, [CKA_VALUE], allAsBinary=True)
        with open(argv[5], "wb") as out:
            out.write(bytes(value[0]))
    elif cmd == "sign":
        label, kind = argv[4], argv[5]
        mech = PyKCS11.Mechanism(
            CKM_SHA256_RSA_PKCS if kind == "rsa" else CKM_ECDSA_SHA256)
        with open(argv[6], "rb") as f:
            data = f.read()
        key = one_object(session, CKO_PRIVATE_KEY, label)
        sig = bytes(session.sign(key, data, mech))
        pub = one_object(session, CKO_PUBLIC_KEY, label)
        if not session.verify(pub, data, sig, mech):
            raise SystemExit(f"C_Verify refused the signature of {label!r}")
        with open(argv[7], "wb") as out:
            out.write(sig if kind == "rsa" else ecdsa_der(sig))
    else:
        raise SystemExit(f"unknown command {cmd!r}")
    session.closeSession()


if __name__ == "__main__":
    main(sys.argv)
