// tests/node/cmek-interop.js - the module's CKM_ONECLAW_CMEK against the
// 1claw SDK's primitive (Node WebCrypto), both ways, exact bytes.
//
//   node cmek-interop.js --module SO --key KEYFILE [--vector V1|V2|V3]
//
// Without --vector: blobs the module seals open in WebCrypto, and blobs
// WebCrypto seals open in the module, for empty, short, block-edge, UTF-8,
// binary and 64 KiB plaintexts.  With --vector: the module is configured
// with that vector's key (1claw-api.md 5.7); the vault holds the vector's
// stored value at "vectors/<name>": the data object's CKA_VALUE must be the
// vector blob, C_Decrypt must give the vector plaintext, the key's CKA_ID
// the vector fingerprint, and a module-sealed blob must open in WebCrypto.
'use strict';

const crypto = require('crypto');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const { V } = L;
const o = L.args(process.argv.slice(2));
const c = new L.Checker('cmek-interop' + (o.vector ? ' ' + o.vector : ''));
const key = L.loadKey(o.key);

function plaintexts() {
	const list = [
		['empty', Buffer.alloc(0)],
		['1 byte', Buffer.from('x')],
		['15 bytes', Buffer.from('fifteen bytes!!')],
		['16 bytes', crypto.randomBytes(16)],
		['17 bytes', crypto.randomBytes(17)],
		['UTF-8', Buffer.from('p\u00e4ssw\u00f6rd \u2603 \u{1f511}')],
		['NUL and 0xff', Buffer.from([0, 0xff, 0, 0xfe, 0x80, 0])],
		['1000 binary', crypto.randomBytes(1000)],
		['64 KiB', crypto.randomBytes(65536)],
	];
	return list;
}

async function main() {
	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
	const slots = lib.C_GetSlotList(true);
	c.eq(slots.length, 1, 'one slot');
	const sess = lib.C_OpenSession(slots[0], p.CKF_SERIAL_SESSION);
	const keys = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_LABEL, value: 'cmek' },
	]);
	if (!c.eq(keys.length, 1, 'one CMEK key object'))
		return;
	const kh = keys[0];
	c.eqBuf(L.attr(lib, sess, kh, p.CKA_ID), L.sha256(key),
		'key CKA_ID is the fingerprint of the configured key');
	const CMEK = { mechanism: V.CKM_ONECLAW_CMEK };
	const seal = (pt) => {
		lib.C_EncryptInit(sess, CMEK, kh);
		return lib.C_Encrypt(sess, pt, Buffer.alloc(pt.length + 29));
	};
	const open = (blob) => {
		lib.C_DecryptInit(sess, CMEK, kh);
		return lib.C_Decrypt(sess, blob, Buffer.alloc(blob.length));
	};

	if (o.vector) {
		const vec = L.VECTORS[o.vector];
		const vblob = Buffer.from(vec.blob, 'hex');
		c.eq(L.fingerprint(key), vec.fp, 'configured key is ' +
		     o.vector + '\'s');
		// The reference itself reproduces the vector.
		const ref = await L.cmekSeal(key, vec.pt,
					     Buffer.from(vec.iv, 'hex'));
		c.eqBuf(ref, vblob, 'WebCrypto with the fixed IV reproduces ' +
			o.vector);
		const objs = L.findAll(lib, sess, [
			{ type: p.CKA_CLASS, value: p.CKO_DATA },
			{ type: p.CKA_LABEL, value: 'vectors/' + o.vector },
		]);
		if (c.eq(objs.length, 1, 'data object vectors/' + o.vector)) {
			const v = c.call(() => L.attr(lib, sess, objs[0],
						      p.CKA_VALUE),
					 'read its CKA_VALUE');
			if (v)
				c.eqBuf(v, vblob, 'CKA_VALUE is the ' +
					o.vector + ' blob');
			c.eq(L.attrBool(lib, sess, objs[0],
					V.CKA_ONECLAW_CMEK_ENCRYPTED), true,
			     'CKA_ONECLAW_CMEK_ENCRYPTED is TRUE');
		}
		const pt = c.call(() => open(vblob), 'module opens the ' +
				  o.vector + ' blob');
		if (pt)
			c.eqBuf(pt, vec.pt, 'module gives the ' + o.vector +
				' plaintext exactly');
		const mb = c.call(() => seal(vec.pt), 'module seals the ' +
				  o.vector + ' plaintext');
		if (mb) {
			c.eq(mb.length, vblob.length, 'same length as ' +
			     o.vector);
			const w = await c.acall(() => L.cmekOpen(key, mb),
						'WebCrypto opens it');
			if (w)
				c.eqBuf(w, vec.pt, '... to the ' + o.vector +
					' plaintext');
		}
		const bad = Buffer.from(vblob);
		bad[bad.length - 1] ^= 1;
		c.rv(() => open(bad), 'CKR_ENCRYPTED_DATA_INVALID',
		     o.vector + ' with the last byte flipped');
	} else {
		for (const [name, pt] of plaintexts()) {
			const mb = c.call(() => seal(pt), 'module seals ' + name);
			if (mb) {
				c.ok(mb.length === pt.length + 29 && mb[0] === 1,
				     'module blob of ' + name +
				     ' is 01 || IV || ct || tag');
				const w = await c.acall(() => L.cmekOpen(key, mb),
					'WebCrypto opens the module blob of ' +
					name);
				if (w)
					c.eqBuf(w, pt, '... exact bytes');
			}
			const wb = await L.cmekSeal(key, pt);
			const got = c.call(() => open(wb),
				'module opens the WebCrypto blob of ' + name);
			if (got)
				c.eqBuf(got, pt, '... exact bytes');
		}
	}
	lib.C_CloseSession(sess);
	lib.C_Finalize();
}

main().then(() => c.done(), (e) => {
	c.ok(false, 'unexpected exception', L.rvName(e) + ' ' + e.stack);
	c.done();
});
