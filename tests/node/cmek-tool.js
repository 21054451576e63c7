// tests/node/cmek-tool.js - the test scripts' reference CMEK implementation
// (Node WebCrypto, as the 1claw SDK) and checks of what the server stored.
//
//   fp KEYFILE                     fingerprint: sha256(key) as 64 hex
//   seal KEYFILE [IVHEX] < pt      blob (binary) on stdout
//   seal-b64 KEYFILE [IVHEX] < pt  standard base64 of the blob
//   open KEYFILE < blob            plaintext on stdout (exit 1 on failure)
//   check-secret --url U --bearer-file F --vault ID --path P --key KEYFILE
//                --expect FILE [--version N]
//        GET the secret over HTTP: cmek_encrypted is true, cmek_fingerprint
//        is the key's, the value is standard base64 of a 29+n byte blob
//        that opens (outside the module) to exactly FILE's bytes.
//   check-plain --url U --bearer-file F --vault ID --path P --expect FILE
//        the secret exists, is not CMEK, and its value is FILE's text.
//   vector NAME FIELD              a 1claw-api.md 5.7 vector's field (key, fp,
//                                  iv, blob as hex; b64 the stored value;
//                                  pt as raw bytes)
//   wire-scan --log FILE [--key KEYFILE]... [--plain FILE]... [--want STR]...
//        fails if the log holds any key (raw, standard or URL-safe base64
//        with or without padding, hex in either case) or any plaintext
//        (raw, base64, hex); every --want string must be present.
'use strict';

const fs = require('fs');
const L = require('./lib.js');

function readStdin() {
	return fs.readFileSync(0);
}

async function httpGet(o, path) {
	const bearer = fs.readFileSync(o['bearer-file'], 'utf8').trim();
	const r = await fetch(o.url + path, {
		headers: { Authorization: 'Bearer ' + bearer },
	});
	const text = await r.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) {
		json = null;
	}
	return { status: r.status, json, text };
}

function secretUrl(o) {
	const p = o.path.split('/').map(encodeURIComponent).join('/');
	return '/v1/vaults/' + o.vault + '/secrets/' + p;
}

async function checkSecret(o) {
	const c = new L.Checker('check-secret ' + o.path);
	const key = L.loadKey(o.key);
	const expect = fs.readFileSync(o.expect);
	const r = await httpGet(o, secretUrl(o));
	if (!c.eq(r.status, 200, 'GET ' + o.path + ' is 200') || !r.json)
		return c.done();
	const s = r.json;
	c.eq(s.cmek_encrypted, true, 'server marks it cmek_encrypted');
	c.eq(s.cmek_fingerprint, L.fingerprint(key),
	     'server records the key fingerprint');
	if (o.version)
		c.eq(s.version, Number(o.version), 'version ' + o.version);
	c.eq(typeof s.value, 'string', 'value is a string');
	const v = String(s.value);
	c.ok(/^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
	     'value is standard padded base64');
	const blob = Buffer.from(v, 'base64');
	c.eq(blob.length, 29 + expect.length, 'blob is 29 + n bytes');
	c.eq(blob[0], 1, 'blob version byte is 01');
	if (expect.length >= 8)
		c.ok(!v.includes(expect.toString('latin1')) &&
		     !blob.includes(expect),
		     'stored value does not hold the plaintext');
	let pt = null;
	try {
		pt = await L.cmekOpen(key, blob);
	} catch (e) {
		c.ok(false, 'blob opens with the key in WebCrypto', e.message);
	}
	if (pt)
		c.eqBuf(pt, expect, 'WebCrypto opens it to the exact plaintext');
	c.done();
}

async function checkPlain(o) {
	const c = new L.Checker('check-plain ' + o.path);
	const expect = fs.readFileSync(o.expect, 'utf8');
	const r = await httpGet(o, secretUrl(o));
	if (!c.eq(r.status, 200, 'GET ' + o.path + ' is 200') || !r.json)
		return c.done();
	c.ok(r.json.cmek_encrypted !== true, 'not cmek_encrypted');
	c.eqBuf(Buffer.from(String(r.json.value)), Buffer.from(expect),
		'value is the plaintext');
	c.done();
}

function keyForms(key) {
	const b64 = key.toString('base64');
	const url = b64.replace(/\+/g, '-').replace(/\//g, '_');
	return [
		['raw', key],
		['base64', Buffer.from(b64)],
		['base64 unpadded', Buffer.from(b64.replace(/=+$/, ''))],
		['base64url', Buffer.from(url)],
		['base64url unpadded', Buffer.from(url.replace(/=+$/, ''))],
		['hex', Buffer.from(key.toString('hex'))],
		['HEX', Buffer.from(key.toString('hex').toUpperCase())],
	];
}

function wireScan(o) {
	const c = new L.Checker('wire-scan');
	const log = fs.readFileSync(o.log);
	const lower = Buffer.from(log.toString('latin1').toLowerCase(),
				  'latin1');
	c.ok(log.length > 0, 'wire log is not empty (' + log.length +
	     ' bytes)');
	for (const kf of [].concat(o.key || [])) {
		const key = L.loadKey(kf);
		for (const [form, needle] of keyForms(key)) {
			// hex in any letter case: search the lower-cased log
			const hay = form === 'HEX' ? lower : log;
			const n = form === 'HEX' ? Buffer.from(
				needle.toString().toLowerCase()) : needle;
			c.ok(hay.indexOf(n) < 0, 'key (' + form + ') of ' +
			     kf.replace(/.*\//, '') + ' not on the wire');
		}
	}
	for (const pf of [].concat(o.plain || [])) {
		const pt = fs.readFileSync(pf);
		if (pt.length < 8) {
			c.ok(false, 'plaintext ' + pf + ' is long enough to scan');
			continue;
		}
		const name = pf.replace(/.*\//, '');
		c.ok(log.indexOf(pt) < 0, 'plaintext ' + name +
		     ' (raw) not on the wire');
		// base64 of the plaintext at any of the 3 alignments
		for (let s = 0; s < 3; s++) {
			const b = pt.subarray(s).toString('base64')
				.replace(/=+$/, '');
			const core = b.slice(0, Math.max(0, b.length - 4));
			if (core.length >= 12)
				c.ok(log.indexOf(Buffer.from(core)) < 0,
				     'plaintext ' + name + ' (base64, offset ' +
				     s + ') not on the wire');
		}
		c.ok(lower.indexOf(Buffer.from(pt.toString('hex'))) < 0,
		     'plaintext ' + name + ' (hex) not on the wire');
	}
	for (const w of [].concat(o.want || []))
		c.ok(log.indexOf(Buffer.from(w)) >= 0, 'wire log holds "' +
		     (w.length > 60 ? w.slice(0, 60) + '...' : w) + '"');
	c.done();
}

async function main() {
	const [cmd, ...rest] = process.argv.slice(2);
	switch (cmd) {
	case 'fp':
		process.stdout.write(L.fingerprint(L.loadKey(rest[0])) + '\n');
		break;
	case 'seal':
	case 'seal-b64': {
		const iv = rest[1] ? Buffer.from(rest[1], 'hex') : undefined;
		const blob = await L.cmekSeal(L.loadKey(rest[0]), readStdin(),
					      iv);
		process.stdout.write(cmd === 'seal' ? blob :
				     blob.toString('base64'));
		break;
	}
	case 'open':
		try {
			process.stdout.write(await L.cmekOpen(
				L.loadKey(rest[0]), readStdin()));
		} catch (e) {
			console.error('open: ' + e.message);
			process.exit(1);
		}
		break;
	case 'vector': {
		const v = L.VECTORS[rest[0]];
		if (!v || v[rest[1]] === undefined) {
			console.error('vector: unknown ' + rest.join(' '));
			process.exit(2);
		}
		process.stdout.write(v[rest[1]]);
		break;
	}
	case 'check-secret':
		await checkSecret(L.args(rest));
		break;
	case 'check-plain':
		await checkPlain(L.args(rest));
		break;
	case 'wire-scan':
		wireScan(L.args(rest));
		break;
	default:
		console.error('usage: see the head of cmek-tool.js');
		process.exit(2);
	}
}

main().catch((e) => {
	console.error('cmek-tool: ' + e.stack);
	process.exit(1);
});
