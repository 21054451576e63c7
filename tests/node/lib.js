// tests/node/lib.js - shared helpers of the Node.js test clients.
//
// The reference implementation of the 1claw CMEK format is Node's own
// WebCrypto (crypto.webcrypto.subtle AES-GCM), the primitive the 1claw SDK
// uses: blob = 0x01 || IV(12) || ciphertext || tag(16), no AAD.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const subtle = crypto.webcrypto.subtle;

// Vendor constants (p11/oneclaw-pkcs11.h, fixed values).
const V = {
	CKM_ONECLAW_CMEK: 0x8c1a0001,
	CKA_ONECLAW_CMEK_ENCRYPTED: 0x8c1a0001,
	CKA_ONECLAW_SECRET_TYPE: 0x8c1a0002,
	CKA_ONECLAW_VERSION: 0x8c1a0003,
	CKA_ONECLAW_SECRET_ID: 0x8c1a0004,
	CKA_ONECLAW_CMEK_FINGERPRINT: 0x8c1a0005,
	CKA_ONECLAW_EXPIRES_AT: 0x8c1a0006,
	CKA_ONECLAW_METADATA: 0x8c1a0007,
	CKA_ONECLAW_CMEK_BLOB: 0x8c1a0008,
};

// 1claw-api.md section 5.7.
const VECTORS = {
	V1: {
		key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
		fp: '630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd',
		iv: '000102030405060708090a0b',
		pt: Buffer.from('my-secret-value', 'utf8'),
		blob: '01000102030405060708090a0b2a7bfb68a086b07ef96ce1eadd9c1d2ddee74a58f20c5f745173117c445ab5',
		b64: 'AQABAgMEBQYHCAkKCyp7+2ighrB++Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU=',
	},
	V2: {
		key: '00'.repeat(32),
		fp: '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
		iv: '000000000000000000000000',
		pt: Buffer.alloc(0),
		blob: '01000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b',
		b64: 'AQAAAAAAAAAAAAAAAFMPivvHRTa5qWO08cTLc4s=',
	},
	V3: {
		key: 'ff'.repeat(32),
		fp: 'af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051',
		iv: 'aaaaaaaaaaaaaaaaaaaaaaaa',
		pt: Buffer.from('sk_live_51HxYz/+=?\u00e9', 'utf8'),
		blob: '01aaaaaaaaaaaaaaaaaaaaaaaa801c2d90ec8e76e538efe6fec96a4de26208bb2642a5e8327f9d7733467b75fb8446e296',
		b64: 'AaqqqqqqqqqqqqqqqoAcLZDsjnblOO/m/slqTeJiCLsmQqXoMn+ddzNGe3X7hEbilg==',
	},
};

// A CMEK key in any encoding the module accepts (DESIGN 4): 32 raw bytes,
// standard or URL-safe base64 with or without padding, 64 hex chars.
function parseKey(buf) {
	if (buf.length === 32)
		return Buffer.from(buf);
	const s = buf.toString('latin1').trim();
	if (/^[0-9a-fA-F]{64}$/.test(s))
		return Buffer.from(s, 'hex');
	if (/^[A-Za-z0-9+/_-]{43}=?$/.test(s)) {
		const k = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'),
				      'base64');
		if (k.length === 32)
			return k;
	}
	throw new Error('not a CMEK key (32 raw bytes, base64 or hex)');
}

function loadKey(file) {
	return parseKey(fs.readFileSync(file));
}

function sha256(buf) {
	return crypto.createHash('sha256').update(buf).digest();
}

function fingerprint(key) {
	return sha256(key).toString('hex');
}

async function importAes(key) {
	return subtle.importKey('raw', key, { name: 'AES-GCM' }, false,
				['encrypt', 'decrypt']);
}

// WebCrypto AES-GCM, 128-bit tag: returns ciphertext || tag.
async function gcmSeal(key, iv, pt, aad) {
	const p = { name: 'AES-GCM', iv, tagLength: 128 };
	if (aad)
		p.additionalData = aad;
	return Buffer.from(await subtle.encrypt(p, await importAes(key), pt));
}

async function gcmOpen(key, iv, ctTag, aad) {
	const p = { name: 'AES-GCM', iv, tagLength: 128 };
	if (aad)
		p.additionalData = aad;
	return Buffer.from(await subtle.decrypt(p, await importAes(key), ctTag));
}

// cmekEncrypt of the TS SDK; iv may be given for fixed vectors.
async function cmekSeal(key, pt, iv) {
	iv = iv || crypto.randomBytes(12);
	const ct = await gcmSeal(key, iv, pt);
	return Buffer.concat([Buffer.from([1]), iv, ct]);
}

// cmekDecrypt of the TS SDK (same checks, same order).
async function cmekOpen(key, blob) {
	if (blob.length < 29)
		throw new Error('CMEK blob too short');
	if (blob[0] !== 1)
		throw new Error('Unsupported CMEK version: ' + blob[0]);
	return gcmOpen(key, blob.subarray(1, 13), blob.subarray(13));
}

// ---------------------------------------------------------------- checks

// A tiny TAP-like reporter: every check prints one line; the process
// exits 1 when any failed.
class Checker {
	constructor(name) {
		this.name = name;
		this.failed = 0;
		this.passed = 0;
	}
	ok(cond, what, detail) {
		if (cond) {
			this.passed++;
			console.log('ok - ' + what);
		} else {
			this.failed++;
			console.log('not ok - ' + what +
				    (detail ? ' (' + detail + ')' : ''));
		}
		return !!cond;
	}
	eqBuf(got, want, what) {
		const g = Buffer.from(got || []);
		const w = Buffer.from(want);
		return this.ok(g.equals(w), what, g.equals(w) ? '' :
			       'got ' + short(g) + ', want ' + short(w));
	}
	eq(got, want, what) {
		return this.ok(got === want, what, got === want ? '' :
			       'got ' + String(got) + ', want ' + String(want));
	}
	// rv(fn, names, what): fn must throw a Pkcs11Error whose CK_RV is one
	// of names (a string or an array of CKR_ names).
	rv(fn, names, what) {
		names = [].concat(names);
		try {
			const r = fn();
			return this.ok(false, what, 'succeeded (returned ' +
				       short(r) + '), want ' + names.join('|'));
		} catch (e) {
			const got = rvName(e);
			return this.ok(names.includes(got), what + ' -> ' + got,
				       'want ' + names.join('|'));
		}
	}
	// call(fn, what): fn must succeed; returns its value or undefined.
	call(fn, what) {
		try {
			const r = fn();
			this.ok(true, what);
			return r;
		} catch (e) {
			this.ok(false, what, 'threw ' + rvName(e) + ': ' +
				e.message);
			return undefined;
		}
	}
	async acall(fn, what) {
		try {
			const r = await fn();
			this.ok(true, what);
			return r;
		} catch (e) {
			this.ok(false, what, 'threw ' + rvName(e) + ': ' +
				e.message);
			return undefined;
		}
	}
	done() {
		console.log('# ' + this.name + ': ' + this.passed + ' passed, ' +
			    this.failed + ' failed');
		process.exit(this.failed ? 1 : 0);
	}
}

// A buffer as its length and a digest prefix: failures never print the
// bytes, which may be a fixture secret.
function short(v) {
	if (Buffer.isBuffer(v))
		return v.length + ' bytes, sha256 ' +
			sha256(v).toString('hex').slice(0, 16);
	return String(v);
}

let pkcs11js = null;
function rvName(e) {
	if (!e)
		return 'none';
	if (pkcs11js && typeof e.code === 'number' && e.code !== 0) {
		for (const k of Object.keys(pkcs11js))
			if (k.startsWith('CKR_') && pkcs11js[k] === e.code)
				return k;
		return 'CKR_0x' + e.code.toString(16);
	}
	// Some pkcs11js calls throw a plain Error "CKR_NAME:code".
	const m = /^(CKR_[A-Z0-9_]+)(?::\d+)?$/.exec(String(e.message));
	if (m)
		return m[1];
	return (e.name || 'Error') + ': ' + e.message;
}

// The pkcs11js package, or exit 77 with the reason: the shell scripts
// install it with setup.sh first and skip themselves when that fails.
function loadPkcs11js() {
	try {
		pkcs11js = require('pkcs11js');
	} catch (e) {
		console.error('SKIP: pkcs11js is not installed (run ' +
			      'tests/node/setup.sh): ' + e.message);
		process.exit(77);
	}
	return pkcs11js;
}

// ------------------------------------------------------- PKCS#11 helpers

function attr(lib, sess, h, type) {
	return lib.C_GetAttributeValue(sess, h, [{ type }])[0].value;
}

function attrBool(lib, sess, h, type) {
	const v = attr(lib, sess, h, type);
	return v.length === 1 ? v[0] !== 0 : undefined;
}

function attrUlong(lib, sess, h, type) {
	const v = attr(lib, sess, h, type);
	if (v.length === 8)
		return Number(v.readBigUInt64LE(0));
	if (v.length === 4)
		return v.readUInt32LE(0);
	return undefined;
}

function findAll(lib, sess, template) {
	lib.C_FindObjectsInit(sess, template);
	const out = [];
	for (;;) {
		const batch = lib.C_FindObjects(sess, 100);
		if (!batch.length)
			break;
		out.push(...batch);
	}
	lib.C_FindObjectsFinal(sess);
	return out;
}

// Parses "--name value" pairs; repeated names collect into arrays.
function args(argv) {
	const o = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (!a.startsWith('--'))
			throw new Error('bad argument ' + a);
		const k = a.slice(2);
		const v = argv[i + 1] !== undefined &&
			!argv[i + 1].startsWith('--') ? argv[++i] : true;
		if (o[k] === undefined)
			o[k] = v;
		else
			o[k] = [].concat(o[k], v);
	}
	return o;
}

function gcmParams(p, iv, aad, tagBits) {
	const r = {
		type: p.CK_PARAMS_AES_GCM_v240,
		iv,
		ivBits: iv.length * 8,
		tagBits: tagBits || 128,
	};
	if (aad)
		r.aad = aad;
	return r;
}

module.exports = {
	V, VECTORS, parseKey, loadKey, sha256, fingerprint, gcmSeal, gcmOpen,
	cmekSeal, cmekOpen, Checker, loadPkcs11js, rvName, attr, attrBool,
	attrUlong, findAll, args, gcmParams, short,
};
