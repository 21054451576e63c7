// p11-go - what a Go program using github.com/miekg/pkcs11 does with the
// module, driven by tests/integration/clients-go.sh:
//
//	p11-go MODULE tokens                         one line per token
//	p11-go MODULE objects TOKEN                  one line per object
//	p11-go MODULE read TOKEN LABEL OUT           CKA_VALUE of a data object
//	p11-go MODULE sign TOKEN LABEL rsa|ec IN OUT SHA-256 signature of IN
//
// sign writes PKCS#1 v1.5 for RSA and DER (as Go's crypto/ecdsa and
// OpenSSL read it) for ECDSA.  Any failure exits 1 naming it.
package main

import (
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/miekg/pkcs11"
)

var classNames = map[uint]string{
	pkcs11.CKO_DATA:        "CKO_DATA",
	pkcs11.CKO_CERTIFICATE: "CKO_CERTIFICATE",
	pkcs11.CKO_PUBLIC_KEY:  "CKO_PUBLIC_KEY",
	pkcs11.CKO_PRIVATE_KEY: "CKO_PRIVATE_KEY",
	pkcs11.CKO_SECRET_KEY:  "CKO_SECRET_KEY",
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "p11-go: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

// sessionOn opens a read-only session on the token labelled token.
func sessionOn(p *pkcs11.Ctx, token string) pkcs11.SessionHandle {
	slots, err := p.GetSlotList(true)
	check(err, "C_GetSlotList")
	for _, slot := range slots {
		info, err := p.GetTokenInfo(slot)
		check(err, "C_GetTokenInfo")
		if strings.TrimRight(info.Label, " ") == token {
			s, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
			check(err, "C_OpenSession")
			return s
		}
	}
	fail("no token labelled %q", token)
	return 0
}

func find(p *pkcs11.Ctx, s pkcs11.SessionHandle,
	tmpl []*pkcs11.Attribute) []pkcs11.ObjectHandle {
	check(p.FindObjectsInit(s, tmpl), "C_FindObjectsInit")
	var all []pkcs11.ObjectHandle
	for {
		objs, _, err := p.FindObjects(s, 16)
		check(err, "C_FindObjects")
		if len(objs) == 0 {
			break
		}
		all = append(all, objs...)
	}
	check(p.FindObjectsFinal(s), "C_FindObjectsFinal")
	return all
}

func oneObject(p *pkcs11.Ctx, s pkcs11.SessionHandle, class uint,
	label string) pkcs11.ObjectHandle {
	objs := find(p, s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	})
	if len(objs) != 1 {
		fail("%d objects labelled %q, not 1", len(objs), label)
	}
	return objs[0]
}

func attr(p *pkcs11.Ctx, s pkcs11.SessionHandle, o pkcs11.ObjectHandle,
	t uint) []byte {
	a, err := p.GetAttributeValue(s, o, []*pkcs11.Attribute{
		pkcs11.NewAttribute(t, nil)})
	check(err, "C_GetAttributeValue")
	return a[0].Value
}

// ulong reads a CK_ULONG attribute value (native byte order and size).
func ulong(b []byte) uint {
	var v uint
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint(b[i])
	}
	return v
}

func sign(p *pkcs11.Ctx, s pkcs11.SessionHandle, label, kind string,
	data []byte) []byte {
	key := oneObject(p, s, pkcs11.CKO_PRIVATE_KEY, label)
	if kind == "rsa" {
		m := []*pkcs11.Mechanism{
			pkcs11.NewMechanism(pkcs11.CKM_SHA256_RSA_PKCS, nil)}
		check(p.SignInit(s, m, key), "C_SignInit")
		sig, err := p.Sign(s, data)
		check(err, "C_Sign")
		return sig
	}
	// CKM_ECDSA over a digest made here, as Go's crypto.Signer does.
	digest := sha256.Sum256(data)
	m := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	check(p.SignInit(s, m, key), "C_SignInit")
	raw, err := p.Sign(s, digest[:])
	check(err, "C_Sign")
	half := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:half]),
		new(big.Int).SetBytes(raw[half:])})
	check(err, "DER of the ECDSA signature")
	return der
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: p11-go MODULE tokens|objects|read|sign ARGS...")
	}
	p := pkcs11.New(os.Args[1])
	if p == nil {
		fail("cannot load %s", os.Args[1])
	}
	check(p.Initialize(), "C_Initialize")
	defer p.Destroy()
	defer p.Finalize()
	args := os.Args[2:]
	if args[0] == "tokens" {
		slots, err := p.GetSlotList(true)
		check(err, "C_GetSlotList")
		for _, slot := range slots {
			info, err := p.GetTokenInfo(slot)
			check(err, "C_GetTokenInfo")
			fmt.Printf("slot %d: %s\n", slot,
				strings.TrimRight(info.Label, " "))
		}
		return
	}
	if len(args) < 2 {
		fail("%s: which token?", args[0])
	}
	s := sessionOn(p, args[1])
	defer p.CloseSession(s)
	switch {
	case args[0] == "objects":
		for _, o := range find(p, s, nil) {
			class := ulong(attr(p, s, o, pkcs11.CKA_CLASS))
			fmt.Printf("%s %s\n", classNames[class],
				attr(p, s, o, pkcs11.CKA_LABEL))
		}
	case args[0] == "read" && len(args) == 4:
		o := oneObject(p, s, pkcs11.CKO_DATA, args[2])
		check(os.WriteFile(args[3], attr(p, s, o, pkcs11.CKA_VALUE),
			0o600), "writing "+args[3])
	case args[0] == "sign" && len(args) == 6:
		data, err := os.ReadFile(args[4])
		check(err, "reading "+args[4])
		check(os.WriteFile(args[5], sign(p, s, args[2], args[3], data),
			0o644), "writing "+args[5])
	default:
		fail("bad arguments: %v", args)
	}
}
