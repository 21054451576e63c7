// tests/bench/module-find.js - helpers of module-find.sh.
//
//   node module-find.js seed URL VAULT BEARER_FILE PREFIX COUNT [FROM]
//        PUTs secrets PREFIX<FROM>..PREFIX<COUNT-1> (numbers of 5 digits
//        at least; FROM defaults to 0) over 16 kept-alive connections.
//   node module-find.js proxy PORT_FILE TARGET_PORT COUNT_FILE
//        a loopback TCP relay that counts the connections it accepts
//        (written to COUNT_FILE after each one) and writes its port to
//        PORT_FILE; stops on SIGTERM.
'use strict';

const fs = require('fs');
const http = require('http');
const net = require('net');

async function seed(url, vault, bearerFile, prefix, count, from) {
	const bearer = fs.readFileSync(bearerFile, 'utf8').trim();
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const u = new URL(url);
	let next = from;
	let failed = 0;
	const t0 = Date.now();
	const put = (i) => new Promise((resolve) => {
		const path = prefix + String(i).padStart(5, '0');
		const body = JSON.stringify({
			value: 'bench-value-' + i + '-' + 'x'.repeat(32),
			type: 'password',
		});
		const req = http.request({
			host: u.hostname, port: u.port, agent, method: 'PUT',
			path: '/v1/vaults/' + vault + '/secrets/' + path,
			headers: {
				Authorization: 'Bearer ' + bearer,
				'Content-Type': 'application/json',
				'Content-Length': Buffer.byteLength(body),
			},
		}, (res) => {
			res.resume();
			res.on('end', () => {
				if (res.statusCode !== 201)
					failed++;
				resolve();
			});
		});
		req.on('error', () => {
			failed++;
			resolve();
		});
		req.end(body);
	});
	const worker = async () => {
		while (next < count)
			await put(next++);
	};
	await Promise.all(Array.from({ length: 16 }, worker));
	agent.destroy();
	const s = (Date.now() - t0) / 1000;
	console.log('seeded ' + (count - from - failed) + ' secrets in ' +
		    s.toFixed(1) + ' s (' + Math.round((count - from) / s) +
		    '/s)');
	if (failed) {
		console.error('seed: ' + failed + ' PUTs failed');
		process.exit(1);
	}
}

function proxy(portFile, targetPort, countFile) {
	let conns = 0;
	const srv = net.createServer((c) => {
		conns++;
		fs.writeFileSync(countFile, String(conns) + '\n');
		const t = net.connect(Number(targetPort), '127.0.0.1');
		c.pipe(t);
		t.pipe(c);
		c.on('error', () => t.destroy());
		t.on('error', () => c.destroy());
	});
	srv.listen(0, '127.0.0.1', () => {
		fs.writeFileSync(countFile, '0\n');
		fs.writeFileSync(portFile, String(srv.address().port) + '\n');
	});
	process.on('SIGTERM', () => process.exit(0));
}

const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'seed')
	seed(a[0], a[1], a[2], a[3], Number(a[4]), Number(a[5] || 0)).catch((e) => {
		console.error(e);
		process.exit(1);
	});
else if (cmd === 'proxy')
	proxy(a[0], a[1], a[2]);
else {
	console.error('usage: see the head of module-find.js');
	process.exit(2);
}
