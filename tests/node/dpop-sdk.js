// tests/node/dpop-sdk.js - the 1claw TS SDK's DPoP flow (RFC 9449) against
// oneclaw-vaultd, then the attacks a bound token must survive.
//
// As the SDK does it (1claw-api.md 1.3a): an ephemeral P-256 key from
// WebCrypto; the exchange at /v1/auth/agent-token sends the public JWK as
// dpop_jwk and a DPoP proof; every later request sends
// "Authorization: Bearer <token>" and a fresh proof.  Node's own crypto
// and fetch only (no packages).
//
// Environment: OC_URL, OC_AGENT_KEY (ocv_), OC_VAULT, OC_SECRET_PATH and
// OC_SECRET_VALUE (a secret the agent may read).  Exits 1 on the first
// failed check, naming it.
'use strict';

const crypto = require('crypto');
const subtle = crypto.webcrypto.subtle;

const base = process.env.OC_URL;
const agentKey = process.env.OC_AGENT_KEY;
const vault = process.env.OC_VAULT;
const secretPath = process.env.OC_SECRET_PATH;
const secretValue = process.env.OC_SECRET_VALUE;

function fail(msg) {
	console.error(`FAIL: ${msg}`);
	process.exit(1);
}

// detail (never a token) is shown only when the check fails.
function check(cond, msg, detail = '') {
	if (!cond)
		fail(`${msg} ${detail}`);
	console.log(`ok: ${msg}`);
}

const got = (r) => `(got ${r.status} ${r.json ? r.json.detail : ''})`;

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function newKey() {
	const pair = await subtle.generateKey(
		{ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
	const j = await subtle.exportKey('jwk', pair.publicKey);
	return { pair, jwk: { kty: j.kty, crv: j.crv, x: j.x, y: j.y } };
}

// RFC 7638, computed here independently of the server.
function thumbprint(jwk) {
	const canon = JSON.stringify(
		{ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
	return b64url(crypto.createHash('sha256').update(canon).digest());
}

// A proof for METHOD url (query dropped, as the SDK builds htu); over
// overrides claims, signer another key's signature.
async function proof(key, method, url, over = {}, signer = key) {
	const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk };
	const u = new URL(url);
	const payload = {
		jti: crypto.randomUUID(),
		htm: method,
		htu: `${u.origin}${u.pathname}`,
		iat: now(),
		...over,
	};
	const input = `${b64url(JSON.stringify(header))}.` +
		b64url(JSON.stringify(payload));
	// WebCrypto's ECDSA signature is already r || s (JOSE form).
	const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' },
		signer.pair.privateKey, Buffer.from(input));
	return `${input}.${b64url(sig)}`;
}

async function call(method, path, { token, scheme = 'Bearer', dpop, body } = {}) {
	const headers = { 'Content-Type': 'application/json' };
	if (token)
		headers.Authorization = `${scheme} ${token}`;
	if (dpop)
		headers.DPoP = dpop;
	const res = await fetch(`${base}${path}`, {
		method, headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch (e) {
		json = null;
	}
	return { status: res.status, json, www: res.headers.get('www-authenticate') };
}

function claims(token) {
	return JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
}

// A refused request: 401, a problem whose detail holds want, the DPoP
// challenge.
function refused(r, want, what) {
	check(r.status === 401 && r.json && r.json.status === 401 &&
		typeof r.json.detail === 'string' && r.json.detail.includes(want) &&
		/^DPoP /.test(r.www || '') && /invalid_dpop_proof/.test(r.www),
	`${what}: 401 "${want}"`, `${got(r)} ${r.www}`);
}

async function main() {
	const key = await newKey();
	const other = await newKey();
	const tokenUrl = `${base}/v1/auth/agent-token`;
	const vaults = `${base}/v1/vaults`;
	const secretUrl = `${base}/v1/vaults/${vault}/secrets/${secretPath}`;
	const secretRoute = `/v1/vaults/${vault}/secrets/${secretPath}`;

	// The exchange, as the SDK makes it.
	let r = await call('POST', '/v1/auth/agent-token', {
		dpop: await proof(key, 'POST', tokenUrl),
		body: { api_key: agentKey, dpop_jwk: key.jwk },
	});
	check(r.status === 200 && r.json.token_type === 'Bearer',
		'bound exchange: 200 Bearer', got(r));
	const token = r.json.access_token;
	const cnf = claims(token).cnf;
	check(cnf && cnf.jkt === thumbprint(key.jwk),
		'cnf.jkt is the RFC 7638 thumbprint of dpop_jwk');

	// Requests with a fresh proof each.
	r = await call('GET', '/v1/vaults', { token, dpop: await proof(key, 'GET', vaults) });
	check(r.status === 200 && Array.isArray(r.json.vaults), 'list vaults', got(r));
	r = await call('GET', secretRoute, { token, dpop: await proof(key, 'GET', secretUrl) });
	check(r.status === 200 && r.json.value === secretValue, 'read the secret', got(r));
	r = await call('GET', '/v1/vaults', {
		token, scheme: 'DPoP', dpop: await proof(key, 'GET', vaults),
	});
	check(r.status === 200, 'the DPoP scheme works too', got(r));
	r = await call('GET', '/v1/vaults?limit=5', { token, dpop: await proof(key, 'GET', vaults) });
	check(r.status === 200, 'the query is not part of htu', got(r));

	// The attacks.
	refused(await call('GET', '/v1/vaults', { token }), 'DPoP proof required',
		'a bound token without a proof');
	refused(await call('GET', '/v1/vaults', { token, dpop: await proof(key, 'GET', secretUrl) }),
		'another URL', 'a proof for another URL');
	refused(await call('GET', '/v1/vaults', {
		token, dpop: await proof(key, 'GET', vaults, { htu: vaults.replace('127.0.0.1', 'localhost') }),
	}), 'another URL', 'a proof for another host');
	refused(await call('GET', '/v1/vaults', { token, dpop: await proof(key, 'POST', vaults) }),
		'another method', 'a proof for another method');
	const once = await proof(key, 'GET', vaults);
	r = await call('GET', '/v1/vaults', { token, dpop: once });
	check(r.status === 200, 'a proof is good once');
	refused(await call('GET', '/v1/vaults', { token, dpop: once }), 'replayed',
		'the same proof again (same jti)');
	refused(await call('GET', '/v1/vaults', { token, dpop: await proof(other, 'GET', vaults) }),
		'another key', 'a proof from another key');
	refused(await call('GET', '/v1/vaults', {
		token, dpop: await proof(key, 'GET', vaults, {}, other),
	}), 'signature', 'a proof whose jwk did not sign it');
	refused(await call('GET', '/v1/vaults', {
		token, dpop: await proof(key, 'GET', vaults, { iat: now() - 120 }),
	}), 'too old', 'a stale iat');

	// Exchange errors: 400 (RFC 9449 section 5).
	r = await call('POST', '/v1/auth/agent-token', {
		body: { api_key: agentKey, dpop_jwk: key.jwk },
	});
	check(r.status === 400 && /DPoP proof required/.test(r.json.detail),
		'dpop_jwk without a proof: 400', got(r));
	r = await call('POST', '/v1/auth/agent-token', {
		dpop: await proof(other, 'POST', tokenUrl),
		body: { api_key: agentKey, dpop_jwk: key.jwk },
	});
	check(r.status === 400 && /another key/.test(r.json.detail),
		"dpop_jwk with another key's proof: 400", got(r));
	r = await call('POST', '/v1/auth/agent-token', {
		dpop: await proof(key, 'POST', tokenUrl),
		body: { api_key: agentKey, dpop_jwk: { ...key.jwk, d: key.jwk.x } },
	});
	check(r.status === 400 && /private/.test(r.json.detail),
		'dpop_jwk with a private part: 400', got(r));

	// A proof alone binds the token to the proof's key.
	r = await call('POST', '/v1/auth/agent-token', {
		dpop: await proof(other, 'POST', tokenUrl), body: { api_key: agentKey },
	});
	check(r.status === 200 && claims(r.json.access_token).cnf.jkt === thumbprint(other.jwk),
		'a proof without dpop_jwk binds to its own key');
	const other_token = r.json.access_token;
	r = await call('GET', '/v1/vaults', { token: other_token, dpop: await proof(other, 'GET', vaults) });
	check(r.status === 200, 'and that token works with that key');

	// A plain bearer agent is unchanged; a stray proof is ignored.
	r = await call('POST', '/v1/auth/agent-token', { body: { api_key: agentKey } });
	check(r.status === 200 && claims(r.json.access_token).cnf === undefined,
		'exchange without DPoP: a bearer token');
	const bearer = r.json.access_token;
	r = await call('GET', secretRoute, { token: bearer });
	check(r.status === 200 && r.json.value === secretValue, 'a bearer token reads without a proof');
	r = await call('GET', '/v1/vaults', { token: bearer, dpop: 'not-a-proof' });
	check(r.status === 200, 'a bearer token ignores a DPoP header');
	r = await call('GET', '/v1/vaults', { token: bearer, scheme: 'DPoP' });
	check(r.status === 401, 'the DPoP scheme refuses a bearer token');
}

main().catch((e) => fail(e.stack || String(e)));
