// tests/node/cmek-client.js - a real PKCS#11 application (pkcs11js) using
// the module's CMEK key: find the CMEK data object, C_Decrypt /
// C_Encrypt with CKM_ONECLAW_CMEK, C_UnwrapKey then C_Sign HMAC, CKM_AES_GCM
// against Node's WebCrypto, the key object's attributes and the exact CK_RV
// of every refusal (DESIGN 5).
//
//   node cmek-client.js --module SO --key KEYFILE --vault-name NAME
//        --secret LABEL=PLAINFILE=BLOBFILE [--secret ...] [--aes-secret LABEL]
//
// The module is configured through the environment by the caller.  KEYFILE
// is the test's own copy of the CMEK key (the reference side).  Each
// --secret names a CMEK data object, its plaintext and the blob the test
// stored.  --aes-secret names one whose plaintext is 32 bytes, unwrapped as
// a CKK_AES key.  Exit 0 all checks passed, 1 some failed, 77 no pkcs11js.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const { V } = L;
const o = L.args(process.argv.slice(2));
const c = new L.Checker('cmek-client');
const key = L.loadKey(o.key);
const fp = L.sha256(key);
const secrets = [].concat(o.secret || []).map((s) => {
	const [label, pf, bf] = s.split('=');
	return {
		label,
		pt: fs.readFileSync(pf),
		blob: fs.readFileSync(bf),
	};
});

function ulongs(list) {
	return list.map((x) => Number(x));
}

async function main() {
	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });

	// ---------------------------------------------------- slot and token
	const slots = lib.C_GetSlotList(true);
	c.eq(slots.length, 1, 'one slot for ONECLAW_VAULT_ID');
	const slot = slots[0];
	const ti = lib.C_GetTokenInfo(slot);
	if (o['vault-name'])
		c.eq(ti.label.trimEnd(), o['vault-name'],
		     'token label is the vault name');
	const mechs = ulongs(lib.C_GetMechanismList(slot));
	for (const [n, m] of [['CKM_ONECLAW_CMEK', V.CKM_ONECLAW_CMEK],
			      ['CKM_AES_GCM', p.CKM_AES_GCM],
			      ['CKM_SHA256_HMAC', p.CKM_SHA256_HMAC],
			      ['CKM_SHA512_HMAC', p.CKM_SHA512_HMAC]])
		c.ok(mechs.includes(m), 'mechanism list has ' + n);
	const mi = c.call(() => lib.C_GetMechanismInfo(slot,
						       V.CKM_ONECLAW_CMEK),
			  'C_GetMechanismInfo(CKM_ONECLAW_CMEK)');
	if (mi) {
		const want = p.CKF_ENCRYPT | p.CKF_DECRYPT | p.CKF_UNWRAP;
		c.ok((mi.flags & want) === want,
		     'CKM_ONECLAW_CMEK flags ENCRYPT|DECRYPT|UNWRAP',
		     'flags 0x' + mi.flags.toString(16));
	}

	const sess = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION |
				       p.CKF_RW_SESSION);

	// ------------------------------------------------------ key object
	const keys = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_LABEL, value: 'cmek' },
	]);
	if (!c.eq(keys.length, 1, 'exactly one CMEK key object "cmek"'))
		return;
	const kh = keys[0];
	const A = (t) => L.attr(lib, sess, kh, t);
	const B = (t) => L.attrBool(lib, sess, kh, t);
	c.eq(L.attrUlong(lib, sess, kh, p.CKA_KEY_TYPE), p.CKK_AES,
	     'key CKA_KEY_TYPE is CKK_AES');
	c.eq(L.attrUlong(lib, sess, kh, p.CKA_VALUE_LEN), 32,
	     'key CKA_VALUE_LEN is 32');
	c.eqBuf(A(p.CKA_ID), fp, 'key CKA_ID is sha256(key)');
	c.eq(A(p.CKA_LABEL).toString(), 'cmek', 'key label is "cmek"');
	c.eq(B(p.CKA_SENSITIVE), true, 'key CKA_SENSITIVE is TRUE');
	c.eq(B(p.CKA_EXTRACTABLE), false, 'key CKA_EXTRACTABLE is FALSE');
	c.eq(B(p.CKA_ENCRYPT), true, 'key CKA_ENCRYPT is TRUE');
	c.eq(B(p.CKA_DECRYPT), true, 'key CKA_DECRYPT is TRUE');
	c.eq(B(p.CKA_UNWRAP), true, 'key CKA_UNWRAP is TRUE');
	c.eq(B(p.CKA_WRAP), false, 'key CKA_WRAP is FALSE');
	c.rv(() => A(p.CKA_VALUE), 'CKR_ATTRIBUTE_SENSITIVE',
	     'reading the key CKA_VALUE');
	const byId = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_ID, value: fp },
	]);
	c.eq(byId.length, 1, 'the key is found by CKA_ID = fingerprint');

	const CMEK = { mechanism: V.CKM_ONECLAW_CMEK };
	const decrypt = (blob, outLen) => {
		lib.C_DecryptInit(sess, CMEK, kh);
		return lib.C_Decrypt(sess, blob,
				     Buffer.alloc(outLen ?? blob.length));
	};

	// ---------------------------------------------------- data objects
	for (const s of secrets) {
		const objs = L.findAll(lib, sess, [
			{ type: p.CKA_CLASS, value: p.CKO_DATA },
			{ type: p.CKA_LABEL, value: s.label },
		]);
		if (!c.eq(objs.length, 1, 'one data object labelled ' +
			  s.label))
			continue;
		const h = objs[0];
		const value = c.call(() => L.attr(lib, sess, h, p.CKA_VALUE),
				     s.label + ': read CKA_VALUE');
		if (value)
			c.eqBuf(value, s.blob, s.label +
				': CKA_VALUE is the decoded blob');
		c.eq(L.attrBool(lib, sess, h, V.CKA_ONECLAW_CMEK_ENCRYPTED),
		     true, s.label + ': CKA_ONECLAW_CMEK_ENCRYPTED is TRUE');
		c.eqBuf(L.attr(lib, sess, h, V.CKA_ONECLAW_CMEK_FINGERPRINT),
			fp, s.label + ': CKA_ONECLAW_CMEK_FINGERPRINT');
		c.eq(L.attr(lib, sess, h, p.CKA_APPLICATION).toString(),
		     '1claw', s.label + ': CKA_APPLICATION is 1claw');
		const pt = c.call(() => decrypt(value || s.blob),
				  s.label + ': C_Decrypt(CKM_ONECLAW_CMEK)');
		if (pt)
			c.eqBuf(pt, s.pt, s.label +
				': C_Decrypt gives the exact plaintext');
	}

	const s0 = secrets[0];
	if (!s0)
		return;

	// ------------------------------------------------- buffer protocol
	if (s0.pt.length > 0) {
		lib.C_DecryptInit(sess, CMEK, kh);
		c.rv(() => lib.C_Decrypt(sess, s0.blob,
					 Buffer.alloc(s0.pt.length - 1)),
		     'CKR_BUFFER_TOO_SMALL', 'C_Decrypt into a short buffer');
		const pt = c.call(() => lib.C_Decrypt(sess, s0.blob,
			Buffer.alloc(s0.blob.length)),
			'the operation survives CKR_BUFFER_TOO_SMALL');
		if (pt)
			c.eqBuf(pt, s0.pt, '... and then gives the plaintext');
	}

	// ----------------------------------------------------- bad blobs
	const tampered = Buffer.from(s0.blob);
	tampered[tampered.length - 1] ^= 1;
	lib.C_DecryptInit(sess, CMEK, kh);
	const out = Buffer.alloc(tampered.length, 0xa5);
	c.rv(() => lib.C_Decrypt(sess, tampered, out),
	     'CKR_ENCRYPTED_DATA_INVALID', 'C_Decrypt of a tampered blob');
	if (s0.pt.length >= 4)
		c.ok(out.indexOf(s0.pt.subarray(0, 4)) < 0,
		     'a failed tag releases no plaintext byte');
	c.rv(() => lib.C_Decrypt(sess, s0.blob, Buffer.alloc(s0.blob.length)),
	     'CKR_OPERATION_NOT_INITIALIZED',
	     'the failed C_Decrypt ended the operation');
	const flipped = Buffer.from(s0.blob);
	flipped[20] ^= 0x80;
	c.rv(() => decrypt(flipped), 'CKR_ENCRYPTED_DATA_INVALID',
	     'C_Decrypt with a flipped ciphertext bit');
	c.rv(() => decrypt(s0.blob.subarray(0, 28)),
	     'CKR_ENCRYPTED_DATA_LEN_RANGE', 'C_Decrypt of a 28-byte blob');
	const v2 = Buffer.from(s0.blob);
	v2[0] = 2;
	c.rv(() => decrypt(v2), 'CKR_ENCRYPTED_DATA_INVALID',
	     'C_Decrypt of a version-02 blob');

	// ------------------------------------------- C_Encrypt, both ways
	const mine = crypto.randomBytes(100);
	const seal = (pt) => {
		lib.C_EncryptInit(sess, CMEK, kh);
		return lib.C_Encrypt(sess, pt, Buffer.alloc(pt.length + 29));
	};
	const b1 = c.call(() => seal(mine), 'C_Encrypt(CKM_ONECLAW_CMEK)');
	const b2 = c.call(() => seal(mine), 'C_Encrypt again');
	if (b1 && b2) {
		c.eq(b1.length, mine.length + 29, 'sealed blob is 29 + n bytes');
		c.eq(b1[0], 1, 'sealed blob starts with 01');
		c.ok(!b1.subarray(1, 13).equals(b2.subarray(1, 13)),
		     'each C_Encrypt draws a fresh IV');
		const w = await c.acall(() => L.cmekOpen(key, b1),
					'WebCrypto opens the module blob');
		if (w)
			c.eqBuf(w, mine, '... to the exact plaintext');
	}

	// ------------------------------- C_UnwrapKey then C_Sign (HMAC)
	const unwrapTpl = (kt, usage) => [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_KEY_TYPE, value: kt },
		{ type: p.CKA_TOKEN, value: false },
		{ type: p.CKA_LABEL, value: 'unwrapped' },
		...usage.map((t) => ({ type: t, value: true })),
	];
	const hk = c.call(() => lib.C_UnwrapKey(sess, CMEK, kh, s0.blob,
		unwrapTpl(p.CKK_GENERIC_SECRET, [p.CKA_SIGN, p.CKA_VERIFY])),
		'C_UnwrapKey(CKM_ONECLAW_CMEK) to a generic secret');
	if (hk) {
		c.eq(L.attrBool(lib, sess, hk, p.CKA_SENSITIVE), true,
		     'unwrapped key is sensitive');
		c.eq(L.attrBool(lib, sess, hk, p.CKA_EXTRACTABLE), false,
		     'unwrapped key is not extractable');
		c.eq(L.attrUlong(lib, sess, hk, p.CKA_KEY_TYPE),
		     p.CKK_GENERIC_SECRET, 'unwrapped key is CKK_GENERIC_SECRET');
		c.eq(L.attrUlong(lib, sess, hk, p.CKA_VALUE_LEN),
		     s0.pt.length, 'unwrapped CKA_VALUE_LEN is the plaintext length');
		c.rv(() => L.attr(lib, sess, hk, p.CKA_VALUE),
		     'CKR_ATTRIBUTE_SENSITIVE', 'reading the unwrapped CKA_VALUE');
		const msg = Buffer.from('message signed with a vault secret');
		for (const [name, mech, hash, len] of [
			['SHA256', p.CKM_SHA256_HMAC, 'sha256', 32],
			['SHA512', p.CKM_SHA512_HMAC, 'sha512', 64]]) {
			const want = crypto.createHmac(hash, s0.pt).update(msg)
				.digest();
			const sig = c.call(() => {
				lib.C_SignInit(sess, { mechanism: mech }, hk);
				return lib.C_Sign(sess, msg, Buffer.alloc(len));
			}, 'C_Sign(CKM_' + name + '_HMAC)');
			if (sig)
				c.eqBuf(sig, want, 'C_Sign ' + name +
					' equals Node createHmac over the plaintext');
			c.call(() => {
				lib.C_VerifyInit(sess, { mechanism: mech }, hk);
				return lib.C_Verify(sess, msg, want);
			}, 'C_Verify ' + name + ' accepts Node\'s HMAC');
			const bad = Buffer.from(want);
			bad[0] ^= 1;
			c.rv(() => {
				lib.C_VerifyInit(sess, { mechanism: mech }, hk);
				return lib.C_Verify(sess, msg, bad);
			}, 'CKR_SIGNATURE_INVALID', 'C_Verify of a wrong ' + name +
			     ' HMAC');
		}
	}
	c.rv(() => lib.C_UnwrapKey(sess, CMEK, kh, tampered,
		unwrapTpl(p.CKK_GENERIC_SECRET, [p.CKA_SIGN])),
	     ['CKR_WRAPPED_KEY_INVALID', 'CKR_ENCRYPTED_DATA_INVALID'],
	     'C_UnwrapKey of a tampered blob');

	// ---------------------- C_UnwrapKey to CKK_AES (a 32-byte secret)
	const as = secrets.find((s) => s.label === o['aes-secret']);
	if (as) {
		const ak = c.call(() => lib.C_UnwrapKey(sess, CMEK, kh, as.blob,
			unwrapTpl(p.CKK_AES, [p.CKA_ENCRYPT, p.CKA_DECRYPT])),
			'C_UnwrapKey(CKM_ONECLAW_CMEK) to an AES key');
		if (ak) {
			c.eq(L.attrBool(lib, sess, ak, p.CKA_EXTRACTABLE),
			     false, 'unwrapped AES key is not extractable');
			// The module writes the IV it generated into iv.
			const iv = Buffer.alloc(12);
			const pt = Buffer.from('sealed with an unwrapped key');
			const got = c.call(() => {
				lib.C_EncryptInit(sess, { mechanism:
					p.CKM_AES_GCM, parameter:
					L.gcmParams(p, iv) }, ak);
				return lib.C_Encrypt(sess, pt,
					Buffer.alloc(pt.length + 16));
			}, 'CKM_AES_GCM with the unwrapped AES key');
			c.ok(!iv.equals(Buffer.alloc(12)),
			     '... the module wrote its IV to pIv');
			if (got)
				c.eqBuf(got, await L.gcmSeal(as.pt, iv, pt),
					'... equals WebCrypto keyed with ' +
					'the plaintext, under that IV');
		}
	}

	// ------------------------------- CKM_AES_GCM on the CMEK key itself
	const gpt = crypto.randomBytes(1000);
	const iv = crypto.randomBytes(12);
	const aad = Buffer.from('additional authenticated data');
	const GCM = (a, v) => ({ mechanism: p.CKM_AES_GCM,
				 parameter: L.gcmParams(p, v || iv, a) });
	// Encryption: the module generates the IV and writes it into the
	// 12-byte buffer given as pIv (its contents are ignored).
	const encIv = () => Buffer.from(iv);
	for (const [what, a] of [['no AAD', null], ['AAD', aad]]) {
		const sealed = await L.gcmSeal(key, iv, gpt, a);
		const got = c.call(() => {
			lib.C_DecryptInit(sess, GCM(a), kh);
			return lib.C_Decrypt(sess, sealed,
					     Buffer.alloc(sealed.length));
		}, 'CKM_AES_GCM C_Decrypt of a WebCrypto blob (' + what + ')');
		if (got)
			c.eqBuf(got, gpt, '... gives the exact plaintext');
		const mp = c.call(() => {
			lib.C_DecryptInit(sess, GCM(a), kh);
			const parts = [];
			for (let i = 0; i < sealed.length; i += 300) {
				const chunk = sealed.subarray(i, i + 300);
				parts.push(lib.C_DecryptUpdate(sess, chunk,
					Buffer.alloc(sealed.length)));
			}
			parts.push(lib.C_DecryptFinal(sess,
					Buffer.alloc(sealed.length)));
			return Buffer.concat(parts);
		}, 'CKM_AES_GCM multi-part decrypt (' + what + ')');
		if (mp)
			c.eqBuf(mp, gpt, '... gives the exact plaintext');
		const eiv = encIv();
		const enc = c.call(() => {
			lib.C_EncryptInit(sess, GCM(a, eiv), kh);
			return lib.C_Encrypt(sess, gpt,
					     Buffer.alloc(gpt.length + 16));
		}, 'CKM_AES_GCM C_Encrypt (' + what + ')');
		c.ok(!eiv.equals(iv), '... under an IV of the module\'s, ' +
		     'written to pIv');
		if (enc) {
			c.eqBuf(enc, await L.gcmSeal(key, eiv, gpt, a),
				'... is byte-identical to WebCrypto under it');
			const w = await c.acall(() => L.gcmOpen(key, eiv, enc,
								a),
						'... and opens in WebCrypto');
			if (w)
				c.eqBuf(w, gpt, '... to the exact plaintext');
		}
		const miv = encIv();
		const menc = c.call(() => {
			lib.C_EncryptInit(sess, GCM(a, miv), kh);
			const parts = [];
			for (let i = 0; i < gpt.length; i += 333)
				parts.push(lib.C_EncryptUpdate(sess,
					gpt.subarray(i, i + 333),
					Buffer.alloc(gpt.length + 16)));
			parts.push(lib.C_EncryptFinal(sess,
					Buffer.alloc(gpt.length + 16)));
			return Buffer.concat(parts);
		}, 'CKM_AES_GCM multi-part encrypt (' + what + ')');
		c.ok(!miv.equals(iv) && !miv.equals(eiv),
		     '... under another IV of the module\'s');
		if (menc)
			c.eqBuf(menc, await L.gcmSeal(key, miv, gpt, a),
				'... is byte-identical to WebCrypto under it');
		const bad = Buffer.from(sealed);
		bad[bad.length - 1] ^= 1;
		c.rv(() => {
			lib.C_DecryptInit(sess, GCM(a), kh);
			return lib.C_Decrypt(sess, bad, Buffer.alloc(bad.length));
		}, 'CKR_ENCRYPTED_DATA_INVALID',
		'CKM_AES_GCM decrypt with a bad tag (' + what + ')');
	}
	const withAad = await L.gcmSeal(key, iv, gpt, aad);
	c.rv(() => {
		lib.C_DecryptInit(sess, GCM(null), kh);
		return lib.C_Decrypt(sess, withAad, Buffer.alloc(withAad.length));
	}, 'CKR_ENCRYPTED_DATA_INVALID',
	'CKM_AES_GCM decrypt with the AAD missing');
	c.rv(() => lib.C_DecryptInit(sess, { mechanism: p.CKM_AES_GCM,
		parameter: L.gcmParams(p, iv, null, 200) }, kh),
	     'CKR_MECHANISM_PARAM_INVALID', 'CKM_AES_GCM with ulTagBits 200');
	c.rv(() => lib.C_EncryptInit(sess, { mechanism: p.CKM_AES_GCM,
		parameter: L.gcmParams(p, crypto.randomBytes(16)) }, kh),
	     'CKR_MECHANISM_PARAM_INVALID',
	     'CKM_AES_GCM encryption with a 16-byte IV of the caller\'s');

	// ------------------------------------------------------- random
	const rnd = c.call(() => lib.C_GenerateRandom(sess, Buffer.alloc(32)),
			   'C_GenerateRandom(32)');
	if (rnd)
		c.ok(rnd.length === 32 && !rnd.equals(Buffer.alloc(32)),
		     'C_GenerateRandom gives 32 non-zero bytes');

	lib.C_CloseSession(sess);
	lib.C_Finalize();
}

main().then(() => c.done(), (e) => {
	c.ok(false, 'unexpected exception', L.rvName(e) + ' ' + e.stack);
	c.done();
});
