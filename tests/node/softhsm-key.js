// tests/node/softhsm-key.js - puts a known AES-256 key into a SoftHSM2
// token as a sensitive, non-extractable token object (the delegated CMEK
// key of DESIGN 6.4), and shows that it stays so.
//
//   node softhsm-key.js import --module SO --token LABEL --pin-file F
//        --key KEYFILE --label cmek [--no-id]
//   node softhsm-key.js check --module SO --token LABEL --pin-file F
//        --key KEYFILE --label cmek
//
// import: C_CreateObject with CKA_VALUE = the key (the test must know the
// key to seal fixtures), CKA_SENSITIVE TRUE, CKA_EXTRACTABLE FALSE, CKA_ID
// = sha256(key) unless --no-id.  check: exactly one such key; EXTRACTABLE
// FALSE, NEVER_EXTRACTABLE as SoftHSM reports it, SENSITIVE TRUE, CKA_VALUE
// refused with CKR_ATTRIBUTE_SENSITIVE, and CKM_AES_GCM with it equals
// WebCrypto with the known key (so it is that key).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const [cmd, ...rest] = process.argv.slice(2);
const o = L.args(rest);
const c = new L.Checker('softhsm-key ' + cmd);

async function main() {
	const key = L.loadKey(o.key);
	const pin = fs.readFileSync(o['pin-file'], 'utf8').trim();
	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
	const slot = lib.C_GetSlotList(true).find((s) =>
		lib.C_GetTokenInfo(s).label.trimEnd() === o.token);
	if (!c.ok(slot !== undefined, 'token "' + o.token + '" found'))
		return;
	const sess = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION |
				       p.CKF_RW_SESSION);
	lib.C_Login(sess, p.CKU_USER, pin);
	if (cmd === 'import') {
		const tpl = [
			{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
			{ type: p.CKA_KEY_TYPE, value: p.CKK_AES },
			{ type: p.CKA_TOKEN, value: true },
			{ type: p.CKA_PRIVATE, value: true },
			{ type: p.CKA_LABEL, value: o.label },
			{ type: p.CKA_VALUE, value: key },
			{ type: p.CKA_SENSITIVE, value: true },
			{ type: p.CKA_EXTRACTABLE, value: false },
			{ type: p.CKA_ENCRYPT, value: true },
			{ type: p.CKA_DECRYPT, value: true },
			{ type: p.CKA_WRAP, value: false },
			{ type: p.CKA_UNWRAP, value: false },
		];
		if (!o['no-id'])
			tpl.push({ type: p.CKA_ID, value: L.sha256(key) });
		c.call(() => lib.C_CreateObject(sess, tpl),
		       'import the AES-256 key as a token object');
	} else {
		const hs = L.findAll(lib, sess, [
			{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
			{ type: p.CKA_LABEL, value: o.label },
		]);
		if (!c.eq(hs.length, 1, 'one key "' + o.label + '" in SoftHSM'))
			return;
		const h = hs[0];
		c.eq(L.attrBool(lib, sess, h, p.CKA_EXTRACTABLE), false,
		     'SoftHSM reports CKA_EXTRACTABLE FALSE');
		c.eq(L.attrBool(lib, sess, h, p.CKA_SENSITIVE), true,
		     'SoftHSM reports CKA_SENSITIVE TRUE');
		c.rv(() => L.attr(lib, sess, h, p.CKA_VALUE),
		     'CKR_ATTRIBUTE_SENSITIVE', 'SoftHSM refuses its CKA_VALUE');
		const iv = crypto.randomBytes(12);
		const pt = Buffer.from('is this the known key?');
		const got = c.call(() => {
			lib.C_EncryptInit(sess, { mechanism: p.CKM_AES_GCM,
				parameter: L.gcmParams(p, iv) }, h);
			return lib.C_Encrypt(sess, pt,
					     Buffer.alloc(pt.length + 16));
		}, 'SoftHSM CKM_AES_GCM with it');
		if (got)
			c.eqBuf(got, await L.gcmSeal(key, iv, pt),
				'... equals WebCrypto with the known key');
		console.log('# key attributes: EXTRACTABLE=' +
			    L.attrBool(lib, sess, h, p.CKA_EXTRACTABLE) +
			    ' NEVER_EXTRACTABLE=' +
			    L.attrBool(lib, sess, h, p.CKA_NEVER_EXTRACTABLE) +
			    ' SENSITIVE=' +
			    L.attrBool(lib, sess, h, p.CKA_SENSITIVE) +
			    ' ALWAYS_SENSITIVE=' +
			    L.attrBool(lib, sess, h, p.CKA_ALWAYS_SENSITIVE));
	}
	lib.C_Logout(sess);
	lib.C_CloseSession(sess);
	lib.C_Finalize();
}

main().then(() => c.done(), (e) => {
	c.ok(false, 'unexpected exception', L.rvName(e) + ' ' + e.stack);
	c.done();
});
