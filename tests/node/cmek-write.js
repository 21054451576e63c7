// tests/node/cmek-write.js - writes through the module into a CMEK vault
// (DESIGN 5 "Writes"), checked on the server over HTTP and opened with the
// key outside the module (WebCrypto).
//
//   node cmek-write.js --module SO --url URL --bearer-file F --vault ID
//        --mode cmek --key KEYFILE --prefix PATH
//   node cmek-write.js --module SO --url URL --bearer-file F --vault ID
//        --mode refuse --prefix PATH
//
// cmek: C_CreateObject seals before the PUT; the object reads back as the
// blob; C_SetAttributeValue(CKA_VALUE) makes version 2; an application's
// own blob with CKA_ONECLAW_CMEK_ENCRYPTED=TRUE is stored as is;
// C_DestroyObject deletes.  refuse: the module has no usable key for the
// vault, so C_CreateObject must fail and the secret must not exist after.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const L = require('./lib.js');

const p = L.loadPkcs11js();
const { V } = L;
const o = L.args(process.argv.slice(2));
const c = new L.Checker('cmek-write ' + o.mode);
const bearer = fs.readFileSync(o['bearer-file'], 'utf8').trim();

async function get(path) {
	const url = o.url + '/v1/vaults/' + o.vault + '/secrets/' +
		path.split('/').map(encodeURIComponent).join('/');
	const r = await fetch(url, {
		headers: { Authorization: 'Bearer ' + bearer },
	});
	const t = await r.text();
	let j = null;
	try {
		j = JSON.parse(t);
	} catch (e) {
		j = null;
	}
	return { status: r.status, json: j };
}

// The server holds path as a CMEK secret that opens to pt with key.
async function serverHas(path, key, pt, version) {
	const r = await get(path);
	if (!c.eq(r.status, 200, 'server has ' + path) || !r.json)
		return null;
	c.eq(r.json.cmek_encrypted, true, path + ' is cmek_encrypted');
	c.eq(r.json.cmek_fingerprint, L.fingerprint(key),
	     path + ' has the key fingerprint');
	if (version)
		c.eq(r.json.version, version, path + ' is version ' + version);
	const blob = Buffer.from(String(r.json.value), 'base64');
	c.eq(blob.length, pt.length + 29, path + ' blob is 29 + n bytes');
	if (pt.length >= 8)
		c.ok(!String(r.json.value).includes(pt.toString('latin1')) &&
		     blob.indexOf(pt) < 0, path +
		     ': the server never got the plaintext');
	const w = await c.acall(() => L.cmekOpen(key, blob), path +
				' opens with the key outside the module');
	if (w)
		c.eqBuf(w, pt, path + ' opens to the exact plaintext');
	return blob;
}

function dataTpl(label, value, extra) {
	return [
		{ type: p.CKA_CLASS, value: p.CKO_DATA },
		{ type: p.CKA_TOKEN, value: true },
		{ type: p.CKA_LABEL, value: label },
		{ type: p.CKA_VALUE, value },
		...(extra || []),
	];
}

async function modeCmek(lib, sess) {
	const key = L.loadKey(o.key);
	const kh = L.findAll(lib, sess, [
		{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
		{ type: p.CKA_LABEL, value: 'cmek' }])[0];
	const pt1 = Buffer.from('created-' + crypto.randomBytes(12)
				.toString('hex'));
	const pt2 = Buffer.from('updated-' + crypto.randomBytes(12)
				.toString('hex'));
	fs.writeFileSync(o['plain-out'] + '.1', pt1);
	fs.writeFileSync(o['plain-out'] + '.2', pt2);
	const path = o.prefix + '/created';
	const h = c.call(() => lib.C_CreateObject(sess, dataTpl(path, pt1)),
			 'C_CreateObject(CKO_DATA) ' + path);
	if (!h)
		return;
	const blob = await serverHas(path, key, pt1, 1);
	const v = c.call(() => L.attr(lib, sess, h, p.CKA_VALUE),
			 'the new object reads back');
	if (v && blob)
		c.eqBuf(v, blob, 'its CKA_VALUE is the stored blob');
	c.eq(L.attrBool(lib, sess, h, V.CKA_ONECLAW_CMEK_ENCRYPTED), true,
	     'its CKA_ONECLAW_CMEK_ENCRYPTED is TRUE');
	if (v && kh) {
		const pt = c.call(() => {
			lib.C_DecryptInit(sess, { mechanism:
				V.CKM_ONECLAW_CMEK }, kh);
			return lib.C_Decrypt(sess, v, Buffer.alloc(v.length));
		}, 'C_Decrypt of what the module wrote');
		if (pt)
			c.eqBuf(pt, pt1, '... gives the plaintext');
	}

	c.call(() => lib.C_SetAttributeValue(sess, h,
		[{ type: p.CKA_VALUE, value: pt2 }]),
		'C_SetAttributeValue(CKA_VALUE) on ' + path);
	await serverHas(path, key, pt2, 2);

	// An application may hand in its own blob.
	const own = Buffer.from('sealed-by-the-app-' +
				crypto.randomBytes(8).toString('hex'));
	fs.writeFileSync(o['plain-out'] + '.3', own);
	const ownBlob = await L.cmekSeal(key, own);
	const spath = o.prefix + '/presealed';
	const sh = c.call(() => lib.C_CreateObject(sess, dataTpl(spath,
		ownBlob, [{ type: V.CKA_ONECLAW_CMEK_ENCRYPTED, value: true }])),
		'C_CreateObject with CKA_ONECLAW_CMEK_ENCRYPTED=TRUE');
	if (sh) {
		const sb = await serverHas(spath, key, own);
		if (sb)
			c.eqBuf(sb, ownBlob, 'the application\'s blob is ' +
				'stored byte for byte');
	}

	c.call(() => lib.C_DestroyObject(sess, h),
	       'C_DestroyObject(' + path + ')');
	const r = await get(path);
	c.ok(r.status === 404 || r.status === 410, path +
	     ' is gone on the server', 'HTTP ' + r.status);
	c.eq(L.findAll(lib, sess, [{ type: p.CKA_LABEL, value: path }]).length,
	     0, path + ' is no longer found');
}

async function modeRefuse(lib, sess) {
	const path = o.prefix + '/refused';
	const pt = Buffer.from('must-not-leave-' + crypto.randomBytes(8)
			       .toString('hex'));
	fs.writeFileSync(o['plain-out'] + '.1', pt);
	// DESIGN names no CK_RV for this refusal: any error will do, and
	// the code is printed.
	let rv = 'none';
	try {
		lib.C_CreateObject(sess, dataTpl(path, pt));
	} catch (e) {
		rv = L.rvName(e);
	}
	c.ok(/^CKR_/.test(rv) && rv !== 'CKR_OK', 'C_CreateObject into a ' +
	     'CMEK vault without a usable key is refused -> ' + rv);
	const r = await get(path);
	c.eq(r.status, 404, 'nothing was stored (' + path + ' is 404)');
}

async function main() {
	const lib = new p.PKCS11();
	lib.load(o.module);
	lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
	const slots = lib.C_GetSlotList(true);
	c.eq(slots.length, 1, 'one slot');
	const sess = lib.C_OpenSession(slots[0], p.CKF_SERIAL_SESSION |
				       p.CKF_RW_SESSION);
	if (o.mode === 'cmek')
		await modeCmek(lib, sess);
	else
		await modeRefuse(lib, sess);
	lib.C_CloseSession(sess);
	lib.C_Finalize();
}

main().then(() => c.done(), (e) => {
	c.ok(false, 'unexpected exception', L.rvName(e) + ' ' + e.stack);
	c.done();
});
