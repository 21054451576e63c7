// vaultd-http.js - what the Node.js clients of the oneclaw-vaultd tests
// share: a request to the API with the bearer of OC_TOKEN at OC_URL, and
// a pool that keeps WIDTH of N numbered tasks in flight.
'use strict';

function api(method, path, body) {
	const headers = { Authorization: 'Bearer ' + process.env.OC_TOKEN };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	return fetch(process.env.OC_URL + path, {
		method, headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
}

async function pool(n, width, fn) {
	let next = 0;
	const worker = async () => {
		while (next < n) {
			const i = next++;
			await fn(i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

module.exports = { api, pool };
