// vaultd-cmek.js - CMEK client side for the oneclaw-vaultd tests and the
// rotation benchmark: seals and opens 1claw CMEK blobs with WebCrypto
// (0x01 || IV(12) || ct || tag(16), AES-256-GCM, no AAD) and drives the API
// with fetch over loopback.  Environment: OC_URL, OC_TOKEN (a bearer).
//
//   put VAULT KEY_B64 N PREFIX    PUT N secrets PREFIX/<i>, value = sealed
//                                 "cmek-plain-<i>" (16 requests in flight)
//   check VAULT NEW_B64 OLD_B64 N PREFIX
//                                 every PREFIX/<i> is CMEK, carries the new
//                                 key's fingerprint, opens with the new key
//                                 to its plaintext and not with the old one
//   snapshot VAULT N PREFIX       prints {path: value} of the stored blobs
//   seal KEY_B64 TEXT             prints base64 of a blob of TEXT
//   open KEY_B64 BLOB_B64         prints the plaintext (exit 1 if it fails)
//   fpr KEY_B64                   prints sha256(key) in hex
//   rotate VAULT OLD_B64 NEW_B64  starts the server's rotation job and
//                                 follows it (every 2 ms) to its end;
//                                 prints its processed count and wall ms
'use strict';
const { subtle } = globalThis.crypto;
const { api, pool } = require('./vaultd-http.js');

const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

async function importKey(keyB64) {
	const raw = unb64(keyB64);
	if (raw.length !== 32)
		throw new Error('a CMEK key is 32 bytes');
	return subtle.importKey('raw', raw, 'AES-GCM', false,
				['encrypt', 'decrypt']);
}

async function seal(key, text) {
	const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
	const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv },
		key, new TextEncoder().encode(text)));
	const blob = new Uint8Array(1 + 12 + ct.length);
	blob[0] = 1;
	blob.set(iv, 1);
	blob.set(ct, 13);
	return b64(blob);
}

async function open(key, valueB64) {
	const blob = unb64(valueB64);
	if (blob.length < 29 || blob[0] !== 1)
		throw new Error('not a v1 blob');
	const pt = await subtle.decrypt({ name: 'AES-GCM', iv: blob.slice(1, 13) },
		key, blob.slice(13));
	return new TextDecoder().decode(pt);
}

async function fpr(keyB64) {
	const d = await subtle.digest('SHA-256', unb64(keyB64));
	return Buffer.from(d).toString('hex');
}

const secretPath = (vault, prefix, i) =>
	`/v1/vaults/${vault}/secrets/${prefix}/${i}`;

async function main() {
	const [cmd, ...a] = process.argv.slice(2);
	if (cmd === 'put') {
		const [vault, keyB64, n, prefix] = a;
		const key = await importKey(keyB64);
		await pool(Number(n), 16, async (i) => {
			const value = await seal(key, `cmek-plain-${i}`);
			const r = await api('PUT', secretPath(vault, prefix, i),
				{ value, type: 'api_key' });
			if (r.status !== 201)
				throw new Error(`PUT ${i}: HTTP ${r.status} ${await r.text()}`);
			await r.arrayBuffer();
		});
		console.log(n);
	} else if (cmd === 'check') {
		const [vault, newB64, oldB64, n, prefix] = a;
		const nk = await importKey(newB64), ok = await importKey(oldB64);
		const want = await fpr(newB64);
		let bad = 0;
		await pool(Number(n), 16, async (i) => {
			const r = await api('GET', secretPath(vault, prefix, i));
			const j = await r.json();
			if (r.status !== 200 || !j.cmek_encrypted ||
			    j.cmek_fingerprint !== want) {
				bad++;
				console.error(`${i}: HTTP ${r.status} fpr ${j.cmek_fingerprint}`);
				return;
			}
			let plain;
			try {
				plain = await open(nk, j.value);
			} catch (e) {
				plain = null;
			}
			if (plain !== `cmek-plain-${i}`) {
				bad++;
				console.error(`${i}: does not open with the new key`);
			}
			try {
				await open(ok, j.value);
				bad++;
				console.error(`${i}: still opens with the old key`);
			} catch (e) {
				/* expected */
			}
		});
		if (bad) {
			console.error(`${bad} of ${n} secrets wrong`);
			process.exit(1);
		}
		console.log(`all ${n} secrets open with the new key only`);
	} else if (cmd === 'snapshot') {
		const [vault, n, prefix] = a;
		const out = {};
		await pool(Number(n), 16, async (i) => {
			const r = await api('GET', secretPath(vault, prefix, i));
			const j = await r.json();
			out[`${prefix}/${i}`] = { value: j.value, fpr: j.cmek_fingerprint };
		});
		console.log(JSON.stringify(out));
	} else if (cmd === 'seal') {
		console.log(await seal(await importKey(a[0]), a[1]));
	} else if (cmd === 'open') {
		console.log(await open(await importKey(a[0]), a[1]));
	} else if (cmd === 'fpr') {
		console.log(await fpr(a[0]));
	} else if (cmd === 'rotate') {
		const [vault, oldB64, newB64] = a;
		const headers = {
			Authorization: 'Bearer ' + process.env.OC_TOKEN,
			'Content-Type': 'application/json',
			'x-cmek-old-key': oldB64, 'x-cmek-new-key': newB64,
		};
		const body = JSON.stringify({ new_fingerprint: await fpr(newB64) });
		/* A first request sets up the client and its connection, which
		 * is no part of the rotation's time. */
		await (await api('GET', `/v1/vaults/${vault}`)).arrayBuffer();
		const t0 = performance.now();
		const r = await fetch(process.env.OC_URL + `/v1/vaults/${vault}/cmek-rotate`, {
			method: 'POST', headers, body,
		});
		if (r.status !== 202)
			throw new Error(`rotate: HTTP ${r.status} ${await r.text()}`);
		const job = (await r.json()).id;
		for (;;) {
			const s = await (await api('GET', `/v1/vaults/${vault}/cmek-rotate/${job}`)).json();
			if (s.status === 'completed') {
				console.log(`${s.processed} ${(performance.now() - t0).toFixed(1)}`);
				break;
			}
			if (s.status === 'failed')
				throw new Error(`rotation failed: ${s.error}`);
			await new Promise((res) => setTimeout(res, 2));
		}
	} else {
		console.error('usage: vaultd-cmek.js put|check|snapshot|seal|open|fpr|rotate ...');
		process.exit(2);
	}
}

main().catch((e) => {
	console.error(e.message);
	process.exit(1);
});
