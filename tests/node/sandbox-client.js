// tests/node/sandbox-client.js - the sandboxed agent: it holds no
// credential and no key, loads p11-kit's client module and reaches the
// oneclaw token that `p11-kit server` exports on a unix socket.
//
//   node sandbox-client.js --module p11-kit-client.so --label PATH
//        --vault-name NAME --fp HEX --out FILE [--opened FILE]
//        [--need-mechanism]
//
// Checks what crosses the socket (the token, the CMEK data object, the key
// object that stays sensitive).  With --opened (the served token has
// cmek_values = opened) CKA_VALUE must be FILE's plaintext, private, and
// the blob is CKA_ONECLAW_CMEK_BLOB; that plaintext goes to --out.  Then
// it decrypts the blob: first with CKM_ONECLAW_CMEK, else with
// CKM_AES_GCM over the blob's parts (the same operation), the plaintext
// to --out.  p11-kit before 0.25 forwards only mechanisms on its own
// allow-list, neither of these: both refused with CKR_MECHANISM_INVALID
// is then a note when the value came opened, and a failure with
// --need-mechanism or without --opened.  Exit 1 when any check failed.
'use strict';

const fs = require('fs');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const { V } = L;
const o = L.args(process.argv.slice(2));
const c = new L.Checker('sandbox-client');

function main() {
	const leaked = Object.keys(process.env).filter((k) =>
		/ONECLAW|CMEK|API_KEY|TOKEN|SOFTHSM/i.test(k));
	c.eq(leaked.join(','), '', 'the agent environment holds no ' +
	     'credential, key or module configuration');
	c.ok(!!process.env.P11_KIT_SERVER_ADDRESS,
	     'P11_KIT_SERVER_ADDRESS is set');

	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
	const info = lib.C_GetInfo();
	console.log('# client module: ' + info.manufacturerID.trim() + ' / ' +
		    info.libraryDescription.trim());
	const slots = lib.C_GetSlotList(true);
	const slot = slots.find((s) => lib.C_GetTokenInfo(s).label.trimEnd() ===
				o['vault-name']);
	if (!c.ok(slot !== undefined, 'the vault\'s token "' + o['vault-name'] +
		  '" is reachable through the socket'))
		return;
	const ti = lib.C_GetTokenInfo(slot);
	c.eq(ti.manufacturerID.trimEnd(), 'oneclaw-pkcs11',
	     'token manufacturer is oneclaw-pkcs11');
	const sess = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
	const objs = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_DATA },
		{ type: p.CKA_LABEL, value: o.label },
	]);
	if (!c.eq(objs.length, 1, 'the CMEK data object ' + o.label))
		return;
	let blob;
	let opened = null;
	if (o.opened) {
		opened = L.attr(lib, sess, objs[0], p.CKA_VALUE);
		c.eqBuf(opened, fs.readFileSync(o.opened),
			'its CKA_VALUE is the plaintext (cmek_values = opened)');
		c.eq(L.attrBool(lib, sess, objs[0], p.CKA_PRIVATE), true,
		     'and CKA_PRIVATE is TRUE');
		blob = L.attr(lib, sess, objs[0], V.CKA_ONECLAW_CMEK_BLOB);
		c.ok(blob.length >= 29 && blob[0] === 1,
		     'CKA_ONECLAW_CMEK_BLOB is a CMEK blob', L.short(blob));
	} else {
		blob = L.attr(lib, sess, objs[0], p.CKA_VALUE);
		c.ok(blob.length >= 29 && blob[0] === 1,
		     'its CKA_VALUE is a CMEK blob', L.short(blob));
	}
	c.eq(L.attrBool(lib, sess, objs[0], V.CKA_ONECLAW_CMEK_ENCRYPTED), true,
	     'CKA_ONECLAW_CMEK_ENCRYPTED is TRUE through the socket');
	const keys = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_LABEL, value: 'cmek' },
	]);
	if (!c.eq(keys.length, 1, 'the CMEK key object is visible'))
		return;
	const kh = keys[0];
	c.eqBuf(L.attr(lib, sess, kh, p.CKA_ID), Buffer.from(o.fp, 'hex'),
		'key CKA_ID is the fingerprint');
	c.eq(L.attrBool(lib, sess, kh, p.CKA_EXTRACTABLE), false,
	     'key is not extractable');
	c.rv(() => L.attr(lib, sess, kh, p.CKA_VALUE),
	     'CKR_ATTRIBUTE_SENSITIVE', 'key CKA_VALUE through the socket');

	const mechs = lib.C_GetMechanismList(slot).map(Number);
	console.log('# mechanisms offered through the socket: ' +
		    (mechs.includes(V.CKM_ONECLAW_CMEK) ? '' : 'no ') +
		    'CKM_ONECLAW_CMEK, ' +
		    (mechs.includes(p.CKM_AES_GCM) ? '' : 'no ') + 'CKM_AES_GCM');

	let pt = null;
	let why = [];
	try {
		lib.C_DecryptInit(sess, { mechanism: V.CKM_ONECLAW_CMEK }, kh);
		pt = lib.C_Decrypt(sess, blob, Buffer.alloc(blob.length));
		c.ok(true, 'C_Decrypt(CKM_ONECLAW_CMEK) through p11-kit');
	} catch (e) {
		why.push('CKM_ONECLAW_CMEK: ' + L.rvName(e));
	}
	if (!pt) {
		try {
			lib.C_DecryptInit(sess, { mechanism: p.CKM_AES_GCM,
				parameter: L.gcmParams(p,
					blob.subarray(1, 13)) }, kh);
			pt = lib.C_Decrypt(sess, blob.subarray(13),
					   Buffer.alloc(blob.length));
			c.ok(true, 'C_Decrypt(CKM_AES_GCM) of the blob\'s ' +
			     'parts through p11-kit');
		} catch (e) {
			why.push('CKM_AES_GCM: ' + L.rvName(e));
		}
	}
	console.log('# ' + (why.length ? why.join('; ') : 'decrypted'));
	const refused = why.every((w) => /CKR_MECHANISM_INVALID$/.test(w));
	if (pt) {
		if (opened)
			c.eqBuf(pt, opened, 'the blob decrypts to CKA_VALUE');
		fs.writeFileSync(o.out, pt);
	} else if (refused && opened && !o['need-mechanism']) {
		console.log('# this p11-kit forwards neither mechanism: the ' +
			    'opened CKA_VALUE is how the agent reads');
		fs.writeFileSync(o.out, opened);
	} else {
		c.ok(false, 'decrypt through p11-kit', why.join('; '));
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
