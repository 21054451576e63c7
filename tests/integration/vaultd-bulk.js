// vaultd-bulk.js - many plain secrets at once for the oneclaw-vaultd tests
// and benchmarks, over loopback with fetch (16 requests in flight).
// Environment: OC_URL, OC_TOKEN (a bearer).
//
//   put VAULT N PREFIX [PAD]    PUT PREFIX/<i> = "bulk-PREFIX-<i>" and PAD
//                               dots, i < N
//   check VAULT N PREFIX [PAD]  every PREFIX/<i> reads back as that value
//   check-list FILE        every line "VAULT PATH VALUE" reads back as VALUE
'use strict';
const fs = require('fs');
const { api, pool } = require('./vaultd-http.js');

const range = (n, f) => Array.from({ length: Number(n) }, (_, i) => f(i));
const item = (vault, prefix, i, pad) => ({
	vault, path: `${prefix}/${i}`,
	value: `bulk-${prefix}-${i}` + '.'.repeat(Number(pad || 0)),
});
const url = (it) => `/v1/vaults/${it.vault}/secrets/${it.path}`;

async function check(items) {
	let bad = 0;
	await pool(items.length, 16, async (i) => {
		const it = items[i];
		const r = await api('GET', url(it));
		const j = await r.json();
		if (r.status !== 200 || j.value !== it.value) {
			bad++;
			if (bad <= 10)
				console.error(`${it.path}: HTTP ${r.status} ${j.value === undefined ? JSON.stringify(j) : 'wrong value'}`);
		}
	});
	if (bad) {
		console.error(`${bad} of ${items.length} secrets do not read back`);
		process.exit(1);
	}
	console.log(`all ${items.length} secrets read back`);
}

async function main() {
	const [cmd, ...a] = process.argv.slice(2);
	if (cmd === 'put') {
		const [vault, n, prefix, pad] = a;
		await pool(Number(n), 16, async (i) => {
			const it = item(vault, prefix, i, pad);
			const r = await api('PUT', url(it), { value: it.value, type: 'password' });
			if (r.status !== 201)
				throw new Error(`PUT ${it.path}: HTTP ${r.status} ${await r.text()}`);
			await r.arrayBuffer();
		});
		console.log(n);
	} else if (cmd === 'check') {
		const [vault, n, prefix, pad] = a;
		await check(range(n, (i) => item(vault, prefix, i, pad)));
	} else if (cmd === 'check-list') {
		const items = fs.readFileSync(a[0], 'utf8').split('\n').filter((l) => l)
			.map((l) => {
				const [vault, path, value] = l.split(' ');
				return { vault, path, value };
			});
		await check(items);
	} else {
		console.error('usage: vaultd-bulk.js put|check|check-list ...');
		process.exit(2);
	}
}

main().catch((e) => {
	console.error(e.message);
	process.exit(1);
});
