// tests/node/opened-client.js - a token with cmek_values = opened, as an
// application sees it: a CMEK secret's CKA_VALUE is its plaintext and
// CKA_PRIVATE; the blob is CKA_ONECLAW_CMEK_BLOB and opens with
// C_Decrypt(CKM_ONECLAW_CMEK) to the same plaintext; a find by the
// plaintext value matches; a write of plaintext reads back as plaintext
// (the module seals it: the caller checks the server holds a blob); the
// value and blob of a key-typed secret, or of one whose plaintext is a
// private key whatever its type, stay refused; a value that does not
// open under the vault's key is refused.
//
//   node opened-client.js --module SO --label PATH --plain FILE
//        --write-label PATH --write-plain FILE [--key-label PATH...]
//        [--bad-label PATH]
'use strict';

const fs = require('fs');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const { V } = L;
const o = L.args(process.argv.slice(2));
const c = new L.Checker('opened-client');

function one(lib, sess, label, cls) {
	const h = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: cls || p.CKO_DATA },
		{ type: p.CKA_LABEL, value: label },
	]);
	c.eq(h.length, 1, 'one object labelled ' + label);
	return h[0];
}

function main() {
	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize();
	const slot = lib.C_GetSlotList(true)[0];
	const sess = lib.C_OpenSession(slot,
		p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
	const plain = fs.readFileSync(o.plain);

	const h = one(lib, sess, o.label);
	c.eqBuf(L.attr(lib, sess, h, p.CKA_VALUE), plain,
		'CKA_VALUE is the plaintext');
	c.eq(L.attrBool(lib, sess, h, p.CKA_PRIVATE), true,
	     'CKA_PRIVATE is TRUE');
	c.eq(L.attrBool(lib, sess, h, V.CKA_ONECLAW_CMEK_ENCRYPTED), true,
	     'CKA_ONECLAW_CMEK_ENCRYPTED is TRUE');
	const blob = L.attr(lib, sess, h, V.CKA_ONECLAW_CMEK_BLOB);
	c.ok(blob.length === plain.length + 29 && blob[0] === 1,
	     'CKA_ONECLAW_CMEK_BLOB is the blob', L.short(blob));
	const key = one(lib, sess, 'cmek', p.CKO_SECRET_KEY);
	const pt = c.call(() => {
		lib.C_DecryptInit(sess, { mechanism: V.CKM_ONECLAW_CMEK }, key);
		return lib.C_Decrypt(sess, blob, Buffer.alloc(blob.length));
	}, 'C_Decrypt(CKM_ONECLAW_CMEK) of the blob');
	c.eqBuf(pt, plain, 'the blob opens to CKA_VALUE');
	const byValue = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_DATA },
		{ type: p.CKA_VALUE, value: plain },
	]);
	c.ok(byValue.length === 1 && Buffer.from(byValue[0]).equals(
		Buffer.from(h)),
	     'a find by the plaintext value matches it');
	c.rv(() => lib.C_SetAttributeValue(sess, h,
		[{ type: V.CKA_ONECLAW_CMEK_BLOB, value: blob }]),
	     'CKR_ATTRIBUTE_READ_ONLY', 'CKA_ONECLAW_CMEK_BLOB is read-only');

	const wplain = fs.readFileSync(o['write-plain']);
	const w = c.call(() => lib.C_CreateObject(sess, [
		{ type: p.CKA_CLASS, value: p.CKO_DATA },
		{ type: p.CKA_TOKEN, value: true },
		{ type: p.CKA_LABEL, value: o['write-label'] },
		{ type: p.CKA_VALUE, value: wplain },
	]), 'C_CreateObject with a plaintext CKA_VALUE');
	if (w !== undefined) {
		c.eqBuf(L.attr(lib, sess, w, p.CKA_VALUE), wplain,
			'the written value reads back as plaintext');
		const wb = L.attr(lib, sess, w, V.CKA_ONECLAW_CMEK_BLOB);
		c.ok(wb.length === wplain.length + 29 && wb[0] === 1,
		     'and its blob is a fresh CMEK blob', L.short(wb));
	}

	for (const label of [].concat(o['key-label'] || [])) {
		const k = one(lib, sess, label);
		c.rv(() => L.attr(lib, sess, k, p.CKA_VALUE),
		     'CKR_ATTRIBUTE_SENSITIVE', label + ': a key\'s CKA_VALUE');
		c.rv(() => L.attr(lib, sess, k, V.CKA_ONECLAW_CMEK_BLOB),
		     'CKR_ATTRIBUTE_SENSITIVE', label + ': a key\'s blob');
	}
	if (o['bad-label']) {
		const b = one(lib, sess, o['bad-label']);
		c.rv(() => L.attr(lib, sess, b, p.CKA_VALUE),
		     'CKR_0x8c1a0001', 'a value sealed under another key ' +
		     '(CKR_ONECLAW_NOT_SEALED)');
	}
	lib.C_CloseSession(sess);
	lib.C_Finalize();
}

try {
	main();
} catch (e) {
	c.ok(false, 'unexpected exception', L.rvName(e) + ' ' + e.stack);
}
c.done();
