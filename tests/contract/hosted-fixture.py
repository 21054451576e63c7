#!/usr/bin/env python3
"""hosted-fixture.py - a stand-in for the HOSTED 1claw API.

oneclaw-vaultd is our own server and answers what our client expects.
This fixture is shaped on the published API instead (1claw-api.md, the
spec and the official clients) and answers the way the hosted service
may, odd answers included, so that the client can be tested against
what it does not control: unknown members, nulls, long and multibyte
strings, 27 MB lists, revoked tokens, 402 before authentication, a PUT
that landed but was answered 5xx, CMEK turned on by another client.

Standard library only.  Loopback only, on a free port written to
--port-file.  State lives in memory.  Every request becomes one JSON line
in --log (method, raw path, query, runtime id, which token by serial
number, status; for secret PUTs what was sent, never the value).  Keys,
tokens and values are never written to the log, stdout or stderr.

Odd data and failures are switched on by --scenario and by the control
endpoint POST /_fixture/<verb> (JSON body), which only the test calls;
GET /_fixture/state returns counts for assertions.  See CONTROL below.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = "0.53.3-contract-fixture"
MAX_BODY = 5 * 1024 * 1024  # the hosted service answers 413 past 5 MB
TOKEN_LIFE_S = 3600
CMEK_OVERHEAD = 29  # 0x01 || IV(12) || tag(16)

# Spec, docs and MCP disagree on the secret types; the server accepts at
# least their union (1claw-api.md section 2.2).
SECRET_TYPES = {
    "generic", "password", "api_key", "certificate", "private_key",
    "ssh_key", "env", "file", "note", "env_bundle",
}

# The words on which clients drop a JWT and exchange the key again
# (1claw-mcp src/client/core.ts).  Plain denials must not use them.
REVOKE_DETAILS = ("token has been revoked", "no scopes",
                  "scopes do not cover this path")

FPR_RE = re.compile(r"^[0-9a-fA-F]{64}$")
B64_RE = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
BULK_PATH_RE = re.compile(r"^svc/app-(\d{5,})/db-password$")

CONTROL = """
POST /_fixture/<verb>, JSON body:
  mark {"name"}                      a {"mark": name} line in the log
  scenario {"name"}                  odd-vaults | upper-fingerprint |
                                     odd-agents
  agent-answers {"rotate", "patch"}  rotate "key-only": rotate-key answers
                                     {"api_key"} alone, "no-key": the
                                     agent alone (rotated, key lost);
                                     patch "empty": PATCH of an agent
                                     answers 204
  agent {"vault_ids": [...]}         the agent key's vault binding (in
                                     the tokens issued from then on)
  bulk {"vault", "count", "chunked"} count generated secrets in a vault
  revoke {"detail","future","after"} every token so far answers 403
                                     detail; so do the next `future`
                                     tokens issued, once they have had
                                     `after` good answers (default 0)
  deny {"path", "detail"}            secret path answers a plain 403
  quota {"exhausted"}                secret GET/PUT answer 402 first
  fail-after-store {"count","status"}   next PUTs stored, then 5xx
  fail-before-store {"count","status"}  next PUTs 5xx, not stored
  fail-vault-get {"vault","status","count","list"}  vault GET (and
                                     the list) answer status; count -1:
                                     until set again with count 0
  cmek {"vault", "fingerprint"}      CMEK on (hex) or off (null)
  upper-fingerprint {"on"}           fingerprints shown upper-case
  rotation-running {"vault","running"}  a job that never ends: POST
                                     cmek-rotate answers 409 (until
                                     "running": false)
  rotate-answer {"vault","status","detail","switch_fingerprint"}
                                     the next POST cmek-rotate answers
                                     status (after switching the vault
                                     to the new fingerprint, if asked)
GET /_fixture/state                  counts per vault and path
"""


def compact(obj):
    """JSON as a server framework writes it: no blanks, UTF-8."""
    return json.dumps(obj, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def is_cmek_blob(value):
    """Standard base64 of 0x01 || IV || ciphertext || tag (>= 29 bytes)."""
    if not isinstance(value, str) or len(value) % 4 or not B64_RE.match(value):
        return False
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) >= CMEK_OVERHEAD and raw[0] == 1


def parse_time(s):
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


class Problem(Exception):
    """An RFC 7807 answer."""

    TITLES = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
              403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
              409: "Conflict", 410: "Gone", 413: "Payload Too Large",
              500: "Internal Server Error", 502: "Bad Gateway",
              503: "Service Unavailable"}

    def __init__(self, status, detail, body=None):
        super().__init__(detail)
        self.status = status
        self.body = body or {
            "type": "about:blank",
            "title": self.TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
        }


class Token:
    def __init__(self, serial, kind, vault_ids):
        self.serial = serial
        self.kind = kind  # "user" | "agent"
        self.vault_ids = vault_ids  # None: every vault
        self.revoked = None  # the 403 detail once revoked
        self.revoke_later = None  # (detail, good answers left)


class Version:
    def __init__(self, number, body, cmek, fingerprint):
        self.number = number
        self.value = body["value"]
        self.type = body.get("type") or "generic"
        self.metadata = body.get("metadata")
        self.expires_at = body.get("expires_at")
        self.max_access_count = body.get("max_access_count")
        self.reads = 0
        self.cmek_encrypted = cmek
        self.cmek_fingerprint = fingerprint
        self.created_at = now_iso()
        self.extra = {}


class Secret:
    def __init__(self, path):
        self.id = str(uuid.uuid4())
        self.path = path
        self.versions = []
        self.deleted = False
        self.puts = 0
        self.gets = 0

    @property
    def latest(self):
        return self.versions[-1]

    def item(self):
        """A list item: SecretMetadataResponse, no value."""
        v = self.latest
        d = {
            "id": self.id,
            "path": self.path,
            "type": v.type,
            "version": v.number,
            "metadata": v.metadata if v.metadata is not None else {},
            "created_at": v.created_at,
            "expires_at": v.expires_at,
            "is_disabled": False,
            "cmek_encrypted": v.cmek_encrypted,
        }
        # Not in the spec's list or GET schemas; a client that must carry
        # it over (CMEK rotation) can only learn it from an answer.
        if v.max_access_count is not None:
            d["max_access_count"] = v.max_access_count
        d.update(v.extra)
        return d


class Vault:
    def __init__(self, name, description=None):
        self.id = str(uuid.uuid4())
        self.name = name
        self.description = description
        self.created_at = now_iso()
        self.created_by = "user:" + str(uuid.uuid4())
        self.cmek_enabled = False
        self.cmek_fingerprint = None
        self.extra = {}  # members merged over the answer (odd data)
        self.secrets = {}  # path -> Secret
        self.phantoms = []  # raw list items no client can use
        self.bulk = 0
        self.bulk_chunked = False
        self.bulk_items = None  # generated list items (JSON text)
        self.generation = 0
        self.list_cache = None  # (generation, body)
        self.rotate_answer = None
        self.running_job = None
        self.fail_get = None  # [status, count, list]

    def item(self, upper):
        d = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_by": self.created_by,
            "created_by_type": "user",
            "created_at": self.created_at,
            "cmek_enabled": self.cmek_enabled,
        }
        if self.cmek_fingerprint:
            d["cmek_fingerprint"] = (self.cmek_fingerprint.upper() if upper
                                     else self.cmek_fingerprint)
        d.update(self.extra)
        return d

    def changed(self):
        self.generation += 1
        self.list_cache = None


class Agent:
    """An agent made through POST /v1/agents (AgentResponse)."""

    def __init__(self, body):
        self.id = str(uuid.uuid4())
        self.name = body["name"]
        self.description = body.get("description")
        self.scopes = body.get("scopes") or []
        self.vault_ids = body.get("vault_ids") or []
        self.token_ttl_seconds = body.get("token_ttl_seconds")
        self.expires_at = body.get("expires_at")
        self.is_active = True
        self.created_at = now_iso()
        self.extra = {}  # members merged over the answer (odd data)
        self.keep = None  # the only members answered, or None: all

    def item(self):
        d = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "auth_method": "api_key",
            "is_active": self.is_active,
            "intents_api_enabled": False,
            "shroud_enabled": False,
            "scopes": self.scopes,
            "vault_ids": self.vault_ids,
            "token_ttl_seconds": self.token_ttl_seconds,
            "expires_at": self.expires_at,
            "api_key_expires_at": None,
            "created_at": self.created_at,
            # Members a newer server sends and no client asked for.
            "created_by": "user:" + str(uuid.uuid5(uuid.NAMESPACE_OID,
                                                   self.id)),
            "last_active_at": None,
            "key_prefix": "ocv_",
            "crypto_proxy_enabled": False,
            "shroud_config": None,
        }
        d.update(self.extra)
        if self.keep:  # an answer that leaves the others out
            return {k: d[k] for k in self.keep}
        return d


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.user_key = args.user_key
        self.agent_key = args.agent_key
        self.agent_id = str(uuid.uuid4())
        self.org_id = str(uuid.uuid4())
        self.vaults = {}  # id -> Vault
        self.order = []  # ids and phantom vault entries, list order
        self.agent_vault_ids = []  # binding; empty: all
        self.tokens = {}  # token text -> Token
        self.serial = 0
        self.exchanges = 0
        self.future_revoke = []  # (detail, after) for the next tokens
        self.denied = {}  # secret path -> detail
        self.quota = False
        self.fail_store = []  # [("after"|"before", status)]
        self.upper = False
        self.jobs = {}  # job id -> job dict
        self.agents = {}  # id -> Agent
        self.agent_order = []  # ids and raw odd entries, list order
        self.agent_keys = {}  # key text -> agent id (never logged)
        self.agent_answers = {}  # "rotate": "key-only", "patch": "empty"
        self.policies = {}  # vault id -> [policy dict or raw odd entry]
        self.log_lock = threading.Lock()
        self.log = open(args.log, "w", encoding="utf-8")

    def write_log(self, rec):
        line = json.dumps(rec, sort_keys=True)
        with self.log_lock:
            self.log.write(line + "\n")
            self.log.flush()

    # --- vaults --------------------------------------------------------

    def add_vault(self, name, description=None):
        v = Vault(name, description)
        self.vaults[v.id] = v
        self.order.append(v.id)
        return v

    def vault_by_name(self, name):
        for v in self.vaults.values():
            if v.name == name:
                return v
        return None

    @staticmethod
    def visible(tok):
        """The vaults a token may reach (None: all).  The hosted service
        reads the binding from the JWT's claims, as issued."""
        return tok.vault_ids if tok.kind == "agent" else None

    # --- tokens --------------------------------------------------------

    def issue(self, kind, agent=None):
        self.serial += 1
        self.exchanges += 1
        vault_ids = list(self.agent_vault_ids) if kind == "agent" else []
        if agent is not None:
            vault_ids = list(agent.vault_ids)
        now = int(time.time())
        claims = {
            "sub": ("agent:" + (agent.id if agent else self.agent_id)
                    if kind == "agent"
                    else "user:" + str(uuid.uuid5(uuid.NAMESPACE_OID,
                                                   self.org_id))),
            "org": self.org_id,
            "scopes": ["**"] if kind == "agent" else [],
            "vault_ids": vault_ids,
            "iat": now,
            "exp": now + TOKEN_LIFE_S,
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": "EdDSA", "typ": "JWT"}
        text = ".".join([
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(claims).encode()),
            b64url(secrets.token_bytes(64)),
        ])
        tok = Token(self.serial, kind, vault_ids or None)
        if self.future_revoke:
            detail, after = self.future_revoke.pop(0)
            if after > 0:
                tok.revoke_later = (detail, after)
            else:
                tok.revoked = detail
        self.tokens[text] = tok
        return text, tok


# --- odd data -----------------------------------------------------------

def scenario_odd_vaults(st):
    """Vaults and secrets with everything a reader must cope with."""
    alpha = st.add_vault("alpha", "the first plain vault")
    st.add_vault("beta", "the second plain vault")
    st.add_vault("long-description", "d" * 4096)
    st.add_vault("tabbed-description", "line one\nline two\tand a tab")
    up = st.add_vault("upper-fingerprint", "CMEK on, fingerprint upper-case")
    up.cmek_enabled = True
    up.cmek_fingerprint = hashlib.sha256(b"odd-vaults").hexdigest()
    up.extra = {"cmek_fingerprint": up.cmek_fingerprint.upper()}
    unk = st.add_vault("unknown-members", "members from a newer server")
    unk.extra = {
        "org_id": st.org_id,
        "kek_id": "projects/p/locations/l/keyRings/r/cryptoKeys/k",
        "platform_locked": False,
        "mpc_providers": ["gcp", {"name": "aws", "regions": ["eu-west-1"]}],
        "limits": {"secrets": 1000, "nested": {"deeper": [1, 2.5, None,
                                                          True]}},
        "tags": [],
        "created_at": "2026-02-18T12:00:00.123456+00:00",
    }
    nul = st.add_vault("all-nulls")
    nul.extra = {
        "description": None, "cmek_fingerprint": None, "cmek_enabled": None,
        "created_by": None, "created_by_type": None, "mpc_custody": None,
        "mpc_threshold": None, "mpc_providers": None, "org_id": None,
        "kek_id": None, "platform_app_id": None,
    }
    st.add_vault("a" + "\u00e9" * 254, "255 characters, 509 bytes")
    st.add_vault("line\nbreak", "a newline in the name")
    # Entries no client can use: no id, a null id, a number.
    st.order.append({"name": "no-id", "created_at": now_iso()})
    st.order.append({"id": None, "name": "null-id", "created_at": now_iso()})
    st.order.append({"id": 42, "name": "numeric-id", "created_at": now_iso()})

    def odd(path, extra, **body):
        s = Secret(path)
        b = {"value": "odd-value-not-read-" + path.replace("/", "-")}
        b.update(body)
        ver = Version(1, b, False, None)
        ver.extra = extra
        s.versions.append(ver)
        alpha.secrets[path] = s

    odd("odd/unknown-members", {
        "rotation_policy": {"interval": "30d", "steps": [1, {"x": None}]},
        "labels": ["a", "b"], "x_future_field": "yes",
        "client_share": None,
    })
    odd("odd/nulls", {
        "metadata": None, "expires_at": None, "created_by": None,
        "is_disabled": None, "cmek_encrypted": None, "description": None,
    })
    odd("odd/long-metadata", {}, metadata={
        "notes": "n" * 16000,
        "owners": ["team-%02d" % i for i in range(40)],
        "nested": {"level": {"deeper": {"deepest": list(range(20))}}},
    })
    odd("odd/type-note", {}, type="note")
    odd("odd/type-env-bundle", {}, type="env_bundle")
    odd("odd/fractional-time", {
        "created_at": "2026-02-18T12:00:00.123456+00:00",
        "expires_at": "2099-12-31T23:59:59.5+02:00",
        "version": 7,
    })
    alpha.phantoms = [
        {"id": str(uuid.uuid4()), "type": "password", "version": 1,
         "metadata": {}, "created_at": now_iso()},
        {"id": str(uuid.uuid4()), "path": None, "type": "password",
         "version": 1, "metadata": {}, "created_at": now_iso()},
        {"id": str(uuid.uuid4()), "path": 42, "type": "password",
         "version": 1, "metadata": {}, "created_at": now_iso()},
    ]
    alpha.changed()


def scenario_odd_agents(st):
    """Agents and policies with everything a reader must cope with: the
    vault "agents-odd" holds the policies."""
    def agent(name, extra):
        a = Agent({"name": name})
        a.extra = extra
        st.agents[a.id] = a
        st.agent_order.append(a.id)
        return a

    v = st.add_vault("agents-odd", "policies with odd members")
    plain = agent("plain", {})
    plain.vault_ids = [v.id]
    agent("all-nulls", {
        "description": None, "auth_method": None, "is_active": None,
        "intents_api_enabled": None, "shroud_enabled": None,
        "scopes": None, "vault_ids": None, "token_ttl_seconds": None,
        "expires_at": None, "created_at": None, "key_prefix": None,
    })
    missing = agent("missing-members", {})
    missing.keep = ("id", "name")
    agent("unknown-members", {
        "permissions": {"vaults": [{"id": v.id, "actions": ["read"]}]},
        "labels": ["a", {"b": [1, 2.5, None, True]}],
        "x_future_field": "yes", "token_ttl_seconds": 1.5,
        "is_active": "yes", "created_at": "2026-02-18T12:00:00.123456+00:00",
    })
    agent("odd-lists", {
        "scopes": ["db/*", 7, None, {"x": 1}, "ok/**", "bad\u0001glob"],
        "vault_ids": [v.id, 5, "not an id!", None],
    })
    agent("long-description", {"description": "d" * 4096})
    agent("evil\u001b]0;owned\u0007name", {})
    agent("clip\u0000tail", {})
    agent("L" * 1020 + "tail", {})
    st.agent_order.append({"name": "no-id", "is_active": True})
    st.agent_order.append({"id": None, "name": "null-id"})
    st.agent_order.append({"id": 42, "name": "numeric-id"})
    st.agent_order.append({"id": "has space", "name": "bad-id"})

    base = {"vault_id": v.id, "principal_type": "agent",
            "principal_id": plain.id, "created_at": now_iso()}

    def pol(extra):
        p = dict(base, id=str(uuid.uuid4()), secret_path_pattern="db/*",
                 permissions=["read"], effect="allow", priority=0,
                 expires_at=None)
        p.update(extra)
        st.policies.setdefault(v.id, []).append(p)

    pol({})
    pol({"conditions": {"ip_allowlist": ["10.0.0.0/8"], "time": None},
         "x_future_field": [1, {"y": None}], "updated_at": now_iso()})
    pol({"priority": None, "effect": None, "expires_at": None,
         "permissions": None, "principal_id": None,
         "secret_path_pattern": None})
    pol({"permissions": ["read", "share", "admin", 3], "effect": "deny",
         "priority": -7, "secret_path_pattern": "app/**"})
    pol({"priority": 2.5, "permissions": "read"})
    st.policies[v.id].extend([
        {"secret_path_pattern": "no-id/*", "permissions": ["read"]},
        {"id": 17, "secret_path_pattern": "numeric-id/*"},
    ])


# The list items of a bulk vault: realistic in shape and size (about
# 270 bytes each, so 100,000 make the 27 MB a large vault answers).
BULK_ITEM = (
    '{"id":"%s","path":"svc/app-%05d/db-password","type":"password",'
    '"version":%d,"metadata":{"owner":"team-%03d",'
    '"environment":"production","rotation":"90d"},'
    '"created_at":"2026-02-18T12:%02d:%02d.%06d+00:00",'
    '"expires_at":null,"is_disabled":false}'
)


def bulk_items(vault, count):
    ns = uuid.UUID(vault.id)
    out = []
    for i in range(count):
        out.append(BULK_ITEM % (uuid.uuid5(ns, str(i)), i, 1 + i % 7, i % 997,
                                (i // 60) % 60, i % 60, i % 1000000))
    return out


# --- the HTTP side ------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "contract-fixture"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass  # the JSON log is the record; stderr stays quiet

    @property
    def st(self):
        return self.server.state

    # --- plumbing --------------------------------------------------------

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
                if len(data) > MAX_BODY:
                    self.close_connection = True
                    raise Problem(413, "Request body is larger than 5 MB")
            return data
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            raise Problem(413, "Request body is larger than 5 MB")
        return self.rfile.read(n) if n else b""

    def json_body(self):
        try:
            obj = json.loads(self.body.decode("utf-8")) if self.body else None
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "Request body is not valid JSON")
        if not isinstance(obj, dict):
            raise Problem(400, "Request body must be a JSON object")
        return obj

    def send(self, status, obj=None, headers=None, raw=None, chunked=False):
        self.rec["status"] = status
        # Logged before the answer leaves: a test that counts requests as
        # soon as its client is done finds every one of them.
        self.after()
        data = raw if raw is not None else (
            b"" if obj is None else compact(obj))
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = 64 * 1024
            for i in range(0, len(data), step):
                part = data[i:i + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

    def handle_any(self):
        split = urlsplit(self.path)
        self.rec = {
            "method": self.command,
            "path": split.path,
            "query": split.query or None,
            "runtime_id": self.headers.get("X-1Claw-Runtime-Id"),
            "bearer": None,
            "token": None,
            "status": None,
        }
        self.tok = None
        self.logged = False
        try:
            try:
                self.body = self.read_body()
                self.route(split.path, parse_qs(split.query))
            except Problem as p:
                self.send(p.status, p.body)
            except (ConnectionError, TimeoutError):
                self.close_connection = True  # the client went away
            except Exception as e:  # a fixture bug: say so, keep serving
                self.rec["fixture_error"] = type(e).__name__
                self.send(500, Problem(500, "fixture error").body)
        finally:
            self.after()

    def after(self):
        if self.logged:
            return
        self.logged = True
        with self.st.lock:
            tok = self.tok
            if (tok and tok.revoke_later and self.rec["status"]
                    and self.rec["status"] < 400):
                detail, left = tok.revoke_later
                tok.revoke_later = (detail, left - 1) if left > 1 else None
                if left <= 1:
                    tok.revoked = detail
        if not self.rec.pop("silent", False):
            self.st.write_log(self.rec)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    # --- authentication -------------------------------------------------

    def auth(self):
        """The caller's token (raw 1ck_ keys become a user token)."""
        h = self.headers.get("Authorization", "")
        if not h.lower().startswith("bearer "):
            raise Problem(401, "Missing bearer token")
        cred = h[7:].strip()
        st = self.st
        with st.lock:
            if cred == st.user_key:
                self.rec["bearer"] = "user-key"
                self.tok = Token(0, "user", None)
                return self.tok
            tok = st.tokens.get(cred)
            if not tok:
                self.rec["bearer"] = "unknown"
                raise Problem(401, "Invalid or expired token")
            self.rec["bearer"] = "token"
            self.rec["token"] = tok.serial
            self.tok = tok
            if tok.revoked:
                raise Problem(403, tok.revoked)
            return tok

    def vault_for(self, tok, vid):
        """Binding before lookup: a bound agent gets 403 for anything not
        in its binding, a name included (1claw-api.md section 7)."""
        st = self.st
        bound = st.visible(tok)
        if bound is not None and vid not in bound:
            raise Problem(403, "Agent is not bound to this vault")
        v = st.vaults.get(vid)
        if not v:
            raise Problem(404, "Vault not found")
        return v

    # --- routes ---------------------------------------------------------

    def route(self, path, query):
        m = self.command
        if path.startswith("/_fixture/"):
            return self.control(path[len("/_fixture/"):])
        if path == "/v1/health" and m == "GET":
            return self.send(200, {"status": "healthy", "version": VERSION})
        if path == "/v1/auth/agent-token" and m == "POST":
            return self.exchange("agent")
        if path == "/v1/auth/api-key-token" and m == "POST":
            return self.exchange("user")
        if path == "/v1/vaults":
            if m == "GET":
                return self.vault_list()
            if m == "POST":
                return self.vault_create()
            raise Problem(405, "Method not allowed")
        if path == "/v1/agents" or path.startswith("/v1/agents/"):
            return self.agents_route(path[len("/v1/agents"):], m)
        if not path.startswith("/v1/vaults/"):
            raise Problem(404, "Not found")
        rest = path[len("/v1/vaults/"):]
        vid, _, sub = rest.partition("/")
        vid = unquote(vid)
        if sub.startswith("secrets/") and sub != "secrets/":
            return self.secret(vid, unquote(sub[len("secrets/"):]), m)
        if sub == "secrets" and m == "GET":
            return self.secret_list(vid, query.get("prefix", [""])[0])
        if sub == "" and m == "GET":
            return self.vault_get(vid)
        if sub == "" and m == "DELETE":
            return self.vault_delete(vid)
        if sub == "policies" and m in ("GET", "POST"):
            return self.policies_route(vid, None, m)
        if sub.startswith("policies/") and m in ("GET", "DELETE"):
            return self.policies_route(vid, unquote(sub[len("policies/"):]),
                                       m)
        if sub == "cmek" and m in ("POST", "DELETE"):
            return self.cmek(vid, m)
        if sub == "cmek-rotate" and m == "POST":
            return self.rotate(vid)
        if sub.startswith("cmek-rotate/") and m == "GET":
            return self.rotate_job(vid, unquote(sub[len("cmek-rotate/"):]))
        raise Problem(404, "Not found")

    def exchange(self, kind):
        st = self.st
        self.rec["exchange"] = kind
        body = self.json_body()
        key = body.get("api_key")
        agent_id = body.get("agent_id")
        with st.lock:
            # A key of an agent made through POST /v1/agents: its own id
            # and binding; inactive or expired agents get 401.
            made = (st.agents.get(st.agent_keys.get(key))
                    if kind == "agent" and isinstance(key, str) else None)
            if made is not None:
                exp = parse_time(made.expires_at) if made.expires_at else None
                if (not made.is_active or agent_id not in (None, made.id)
                        or (exp and exp <= datetime.now(timezone.utc))):
                    raise Problem(401, "Invalid API key")
            else:
                want = st.agent_key if kind == "agent" else st.user_key
                if not isinstance(key, str) or not want or key != want:
                    raise Problem(401, "Invalid API key")
                if kind == "agent" and agent_id not in (None, st.agent_id):
                    raise Problem(401, "Invalid API key")
            text, tok = st.issue(kind, made)
        self.rec["issued"] = tok.serial
        out = {
            "access_token": text,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFE_S,
            # Members a newer server sends and no client asked for.
            "entitlements": {"intents_api": False, "shroud": False},
            "session": {"region": "eu-west-1", "features": ["cmek", "x402"]},
        }
        if kind == "agent":
            out["agent_id"] = made.id if made else st.agent_id
            out["vault_ids"] = (list(made.vault_ids) if made
                                else list(st.agent_vault_ids))
        self.send(200, out)

    def fail_vault_get(self, v, is_list):
        f = v.fail_get if v else None
        if not f or f[1] == 0 or (is_list and not f[2]):
            return
        if f[1] > 0:
            f[1] -= 1
        raise Problem(f[0], "The vault could not be read; try again later")

    def vault_list(self):
        st = self.st
        tok = self.auth()
        with st.lock:
            bound = st.visible(tok)
            for v in st.vaults.values():
                self.fail_vault_get(v, True)
            items = []
            for e in st.order:
                if isinstance(e, dict):
                    if bound is None:
                        items.append(e)
                    continue
                if bound is None or e in bound:
                    items.append(st.vaults[e].item(st.upper))
        self.send(200, {"vaults": items})

    def vault_create(self):
        st = self.st
        tok = self.auth()
        if tok.kind != "user":
            raise Problem(403, "Agents cannot create vaults")
        body = self.json_body()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise Problem(400, "name must be 1 to 255 characters")
        with st.lock:
            if st.vault_by_name(name):
                raise Problem(409, "A vault with this name already exists")
            v = st.add_vault(name, body.get("description"))
            item = v.item(st.upper)
        self.send(201, item)

    def vault_get(self, vid):
        st = self.st
        tok = self.auth()
        with st.lock:
            v = self.vault_for(tok, vid)
            self.fail_vault_get(v, False)
            item = v.item(st.upper)
        self.send(200, item)

    def vault_delete(self, vid):
        st = self.st
        tok = self.auth()
        with st.lock:
            v = self.vault_for(tok, vid)
            del st.vaults[v.id]
            st.order.remove(v.id)
        self.send(204)

    def cmek(self, vid, method):
        st = self.st
        tok = self.auth()
        body = self.json_body() if method == "POST" else None
        with st.lock:
            v = self.vault_for(tok, vid)
            if method == "POST":
                fpr = body.get("fingerprint")
                if not isinstance(fpr, str) or not FPR_RE.match(fpr):
                    raise Problem(400, "fingerprint must be 64 hex "
                                       "characters")
                v.cmek_enabled = True
                v.cmek_fingerprint = fpr.lower()
            else:
                v.cmek_enabled = False
                v.cmek_fingerprint = None
            v.extra.pop("cmek_fingerprint", None)
            v.extra.pop("cmek_enabled", None)
            v.changed()
            item = v.item(st.upper)
        self.send(200, item)

    def rotate(self, vid):
        st = self.st
        tok = self.auth()
        body = self.json_body()
        with st.lock:
            v = self.vault_for(tok, vid)
            new_fpr = body.get("new_fingerprint")
            forced = v.rotate_answer
            if forced:
                v.rotate_answer = None
                if forced.get("switch_fingerprint") and isinstance(
                        new_fpr, str) and FPR_RE.match(new_fpr):
                    v.cmek_fingerprint = new_fpr.lower()
                    v.changed()
                raise Problem(forced.get("status", 400),
                              forced.get("detail", "Rotation refused"))
            if v.running_job:
                # The spec says nothing of the body: a plain problem, no
                # job id anywhere.
                raise Problem(409, "a rotation is already running for "
                                   "this vault")
            if not v.cmek_enabled:
                raise Problem(400, "CMEK is not enabled for this vault")
            keys = []
            for h in ("x-cmek-old-key", "x-cmek-new-key"):
                try:
                    k = base64.b64decode(self.headers.get(h) or "",
                                         validate=True)
                except (binascii.Error, ValueError):
                    k = b""
                if len(k) != 32:
                    raise Problem(400, "%s must be base64 of 32 bytes" % h)
                keys.append(k)
            if not isinstance(new_fpr, str) or not FPR_RE.match(new_fpr):
                raise Problem(400, "new_fingerprint must be 64 hex "
                                   "characters")
            if v.cmek_fingerprint == new_fpr.lower():
                raise Problem(400, "The vault already uses this CMEK key")
            if hashlib.sha256(keys[0]).hexdigest() != v.cmek_fingerprint:
                raise Problem(400, "The old key does not match the vault's "
                                   "CMEK fingerprint")
            if hashlib.sha256(keys[1]).hexdigest() != new_fpr.lower():
                raise Problem(400, "The new key does not match "
                                   "new_fingerprint")
            # Re-encryption needs AES-GCM, which the standard library
            # lacks: the job is accepted and then fails, values untouched.
            job = self.new_job(v, "failed", new_fpr.lower())
            job["error"] = ("server-side re-encryption is not implemented "
                            "by the contract fixture")
        self.send(202, job, headers={
            "Location": "/v1/vaults/%s/cmek-rotate/%s" % (v.id, job["id"])})

    def new_job(self, v, status, new_fpr=None):
        job = {
            "id": str(uuid.uuid4()),
            "vault_id": v.id,
            "status": status,
            "total_secrets": len(v.secrets) + v.bulk,
            "processed": 0,
            "old_fingerprint": v.cmek_fingerprint,
            "new_fingerprint": new_fpr,
            "created_at": now_iso(),
            "started_at": now_iso(),
        }
        self.st.jobs[job["id"]] = job
        return job

    def rotate_job(self, vid, job_id):
        st = self.st
        tok = self.auth()
        with st.lock:
            v = self.vault_for(tok, vid)
            job = st.jobs.get(job_id)
            if not job or job["vault_id"] != v.id:
                raise Problem(404, "Rotation job not found")
            job = dict(job)
        self.send(200, job)

    # --- secrets --------------------------------------------------------

    def secret_list(self, vid, prefix):
        st = self.st
        tok = self.auth()
        chunked = False
        with st.lock:
            v = self.vault_for(tok, vid)
            if not prefix and v.list_cache and \
                    v.list_cache[0] == v.generation:
                body = v.list_cache[1]
            else:
                parts = []
                for s in v.secrets.values():
                    if not s.deleted and s.path.startswith(prefix):
                        parts.append(compact(s.item()).decode())
                for p in v.phantoms:
                    parts.append(compact(p).decode())
                if v.bulk:
                    if v.bulk_items is None:
                        v.bulk_items = bulk_items(v, v.bulk)
                    real = v.secrets
                    for i, text in enumerate(v.bulk_items):
                        path = "svc/app-%05d/db-password" % i
                        if path in real or not path.startswith(prefix):
                            continue
                        parts.append(text)
                body = ('{"secrets":[' + ",".join(parts) + "]}").encode()
                if not prefix:
                    v.list_cache = (v.generation, body)
            chunked = v.bulk_chunked
        self.rec["items_bytes"] = len(body)
        self.send(200, raw=body, chunked=chunked)

    def paid(self, method):
        if not self.st.quota:
            return
        price = "$0.0015" if method == "GET" else "$0.0075"
        raise Problem(402, "payment required", body={
            "x402Version": 1,
            "error": "X-PAYMENT header is required",
            "accepts": [{
                "scheme": "exact",
                "network": "base",
                "payTo": "0x1c1a1c1a1c1a1c1a1c1a1c1a1c1a1c1a1c1a1c1a",
                "price": price,
                "maxAmountRequired": "1500" if method == "GET" else "7500",
                "resource": self.rec["path"],
                "description": "1claw secret %s" % method.lower(),
                "mimeType": "application/json",
                "asset": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
                "maxTimeoutSeconds": 60,
            }],
        })

    def secret(self, vid, path, method):
        st = self.st
        if method in ("GET", "PUT"):
            self.paid(method)  # x402 comes before authentication
        tok = self.auth()
        body = self.json_body() if method == "PUT" else None
        with st.lock:
            v = self.vault_for(tok, vid)
            if path in st.denied:
                raise Problem(403, st.denied[path])
            if method == "GET":
                out = self.secret_get(v, path)
            elif method == "PUT":
                out = self.secret_put(v, path, body)
            elif method == "DELETE":
                out = self.secret_delete(v, path)
            else:
                raise Problem(405, "Method not allowed")
        self.send(*out)

    def bulk_secret(self, v, path):
        m = BULK_PATH_RE.match(path)
        if not v.bulk or not m or int(m.group(1)) >= v.bulk:
            return None
        s = Secret(path)
        s.versions.append(Version(1, {
            "value": "bulk-value-%s" % m.group(1), "type": "password"},
            False, None))
        return s

    def secret_get(self, v, path):
        s = v.secrets.get(path) or self.bulk_secret(v, path)
        if not s:
            raise Problem(404, "Secret not found")
        s.gets += 1
        if s.deleted:
            raise Problem(410, "Secret has been deleted")
        ver = s.latest
        exp = parse_time(ver.expires_at) if ver.expires_at else None
        if exp and exp <= datetime.now(timezone.utc):
            raise Problem(410, "Secret has expired")
        if ver.max_access_count is not None and \
                ver.reads >= ver.max_access_count:
            raise Problem(410, "Secret has reached its maximum access count")
        ver.reads += 1
        out = s.item()
        out["value"] = ver.value
        out["created_by"] = v.created_by
        return 200, out

    def secret_put(self, v, path, body):
        st = self.st
        value = body.get("value")
        if not isinstance(value, str):
            raise Problem(400, "value is required and must be a string")
        typ = body.get("type")
        meta = body.get("metadata")
        expires = body.get("expires_at")
        mac = body.get("max_access_count")
        blob = is_cmek_blob(value)
        self.rec.update({
            "value_len": len(value.encode("utf-8")),
            "value_is_cmek_blob": blob,
            "vault_cmek": v.cmek_enabled,
            "type": typ,
            "metadata": meta,
            "expires_at": expires,
            "max_access_count": mac,
        })
        if v.cmek_enabled and not blob:
            self.rec["plaintext_to_cmek_vault"] = True
        if typ is not None and typ not in SECRET_TYPES:
            raise Problem(400, "Unknown secret type")
        if meta is not None and not isinstance(meta, dict):
            raise Problem(400, "metadata must be an object")
        if expires is not None and not (isinstance(expires, str)
                                        and parse_time(expires)):
            raise Problem(400, "expires_at must be an RFC 3339 date-time")
        if mac is not None and (not isinstance(mac, int) or
                                isinstance(mac, bool) or mac < 1):
            raise Problem(400, "max_access_count must be a positive "
                               "integer")
        fail = st.fail_store.pop(0) if st.fail_store else None
        if fail and fail[0] == "before":
            raise Problem(fail[1], "upstream unavailable")
        s = v.secrets.get(path)
        if not s:
            s = v.secrets[path] = Secret(path)
            if self.bulk_secret(v, path):
                s.versions.append(Version(1, {"value": "", "type":
                                              "password"}, False, None))
        s.deleted = False
        s.puts += 1
        number = s.latest.number + 1 if s.versions else 1
        s.versions.append(Version(number, body, v.cmek_enabled,
                                  v.cmek_fingerprint))
        v.changed()
        self.rec["stored_version"] = number
        if fail:
            raise Problem(fail[1], "upstream timeout")
        ver = s.latest
        return 201, {
            "id": s.id,
            "path": s.path,
            "type": ver.type,
            "version": ver.number,
            "metadata": ver.metadata if ver.metadata is not None else {},
            "created_at": ver.created_at,
            "expires_at": ver.expires_at,
        }

    def secret_delete(self, v, path):
        s = v.secrets.get(path)
        if not s or s.deleted:
            raise Problem(404, "Secret not found")
        s.deleted = True
        v.changed()
        return (204,)

    # --- agents and policies (1claw-api.md section 11) -------------------

    def user_only(self):
        tok = self.auth()
        if tok.kind != "user":
            raise Problem(403, "This endpoint needs a user token")
        return tok

    def agent_body(self, create):
        """CreateAgentRequest / the PATCH body, checked as the spec types
        it; what was sent is logged (agents carry no secret)."""
        b = self.json_body()
        self.rec["sent"] = b
        name = b.get("name")
        if create and not (isinstance(name, str) and 1 <= len(name) <= 255):
            raise Problem(400, "name must be 1 to 255 characters")
        for k in ("scopes", "vault_ids"):
            v = b.get(k)
            if v is not None and not (isinstance(v, list) and all(
                    isinstance(x, str) for x in v)):
                raise Problem(400, "%s must be an array of strings" % k)
        ttl = b.get("token_ttl_seconds")
        if ttl is not None and (not isinstance(ttl, int)
                                or isinstance(ttl, bool) or ttl < 1):
            raise Problem(400, "token_ttl_seconds must be a positive "
                               "integer")
        for k in ("expires_at",):
            if b.get(k) is not None and not parse_time(b.get(k)):
                raise Problem(400, "%s must be an RFC 3339 date-time" % k)
        if "is_active" in b and not isinstance(b["is_active"], bool):
            raise Problem(400, "is_active must be a boolean")
        for vid in b.get("vault_ids") or []:
            if vid not in self.st.vaults:
                raise Problem(400, "vault_ids names an unknown vault")
        return b

    def new_key(self, agent):
        key = "ocv_" + b64url(secrets.token_bytes(32))
        st = self.st
        for k, aid in list(st.agent_keys.items()):
            if aid == agent.id:
                del st.agent_keys[k]
        st.agent_keys[key] = agent.id
        return key

    def agents_route(self, rest, m):
        st = self.st
        self.user_only()
        if rest == "":
            if m == "GET":
                with st.lock:
                    items = [e if isinstance(e, dict) else
                             st.agents[e].item() for e in st.agent_order]
                return self.send(200, {"agents": items})
            if m == "POST":
                b = self.agent_body(True)
                with st.lock:
                    a = Agent(b)
                    st.agents[a.id] = a
                    st.agent_order.append(a.id)
                    out = {"agent": a.item(), "api_key": self.new_key(a)}
                return self.send(201, out)
            raise Problem(405, "Method not allowed")
        aid, _, sub = rest[1:].partition("/")
        aid = unquote(aid)
        with st.lock:
            a = st.agents.get(aid)
            if not a:
                raise Problem(404, "Agent not found")
            if sub == "rotate-key" and m == "POST":
                key = self.new_key(a)
                if st.agent_answers.get("rotate") == "key-only":
                    out = {"api_key": key}
                elif st.agent_answers.get("rotate") == "no-key":
                    out = {"agent": a.item()}
                else:
                    out = {"agent": a.item(), "api_key": key}
                return self.send(200, out)
            if sub:
                raise Problem(404, "Not found")
            if m == "GET":
                return self.send(200, a.item())
            if m == "DELETE":
                del st.agents[aid]
                st.agent_order.remove(aid)
                for k, v in list(st.agent_keys.items()):
                    if v == aid:
                        del st.agent_keys[k]
                return self.send(204)
            if m == "PATCH":
                b = self.agent_body(False)
                for k in ("name", "description", "scopes", "vault_ids",
                          "token_ttl_seconds", "expires_at", "is_active"):
                    if k in b:
                        setattr(a, k, b[k])
                if st.agent_answers.get("patch") == "empty":
                    return self.send(204)
                return self.send(200, a.item())
        raise Problem(405, "Method not allowed")

    def policies_route(self, vid, pid, m):
        st = self.st
        tok = self.user_only()
        with st.lock:
            v = self.vault_for(tok, vid)
            pols = st.policies.setdefault(v.id, [])
            if pid is None and m == "GET":
                return self.send(200, {"policies": list(pols)})
            if pid is None:
                return self.send(201, self.policy_create(v, pols))
            for i, p in enumerate(pols):
                if p.get("id") == pid:
                    if m == "DELETE":
                        del pols[i]
                        return self.send(204)
                    return self.send(200, p)
            raise Problem(404, "Policy not found")

    def policy_create(self, v, pols):
        b = self.json_body()
        self.rec["sent"] = b
        pat = b.get("secret_path_pattern")
        if not isinstance(pat, str) or not pat:
            raise Problem(400, "secret_path_pattern is required")
        if b.get("principal_type") not in ("agent", "user"):
            raise Problem(400, "principal_type must be agent or user")
        pid = b.get("principal_id")
        try:
            uuid.UUID(pid)
        except (TypeError, ValueError, AttributeError):
            raise Problem(400, "principal_id must be a UUID")
        if b["principal_type"] == "agent" and pid not in self.st.agents:
            raise Problem(400, "principal_id names an unknown agent")
        perms = b.get("permissions")
        if not (isinstance(perms, list) and perms and all(
                p in ("read", "write") for p in perms)):
            raise Problem(400, "permissions must name read and/or write")
        if b.get("effect", "allow") not in ("allow", "deny"):
            raise Problem(400, "effect must be allow or deny")
        prio = b.get("priority", 0)
        if not isinstance(prio, int) or isinstance(prio, bool):
            raise Problem(400, "priority must be an integer")
        if b.get("expires_at") is not None and not parse_time(
                b.get("expires_at")):
            raise Problem(400, "expires_at must be an RFC 3339 date-time")
        p = {
            "id": str(uuid.uuid4()),
            "vault_id": v.id,
            "secret_path_pattern": pat,
            "principal_type": b["principal_type"],
            "principal_id": pid,
            "permissions": perms,
            "effect": b.get("effect", "allow"),
            "priority": prio,
            "conditions": b.get("conditions"),
            "expires_at": b.get("expires_at"),
            "created_at": now_iso(),
            "created_by": "user:" + str(uuid.uuid4()),
            "updated_at": None,
        }
        pols.append(p)
        return p

    # --- the control endpoint -------------------------------------------

    def control(self, verb):
        st = self.st
        self.rec["control"] = verb
        if self.command == "GET" and verb == "state":
            self.rec["silent"] = True
            with st.lock:
                out = self.state()
            return self.send(200, out)
        if self.command != "POST":
            raise Problem(405, "Method not allowed")
        b = self.json_body() if self.body else {}
        with st.lock:
            out = self.control_verb(verb, b)
        self.send(200, out or {"ok": True})

    def the_vault(self, b):
        v = self.st.vaults.get(b.get("vault"))
        if not v:
            raise Problem(404, "control: no vault %r" % b.get("vault"))
        return v

    def control_verb(self, verb, b):
        st = self.st
        if verb == "mark":
            self.rec = {"mark": b.get("name")}
        elif verb == "scenario":
            apply_scenario(st, b.get("name"))
        elif verb == "agent":
            st.agent_vault_ids = list(b.get("vault_ids") or [])
        elif verb == "agent-answers":
            st.agent_answers = dict(b)
        elif verb == "bulk":
            v = self.the_vault(b)
            v.bulk = int(b.get("count", 0))
            v.bulk_chunked = bool(b.get("chunked"))
            v.bulk_items = bulk_items(v, v.bulk)
            v.changed()
        elif verb == "revoke":
            detail = b.get("detail") or REVOKE_DETAILS[0]
            for tok in st.tokens.values():
                tok.revoked = detail
            st.future_revoke = [(detail, int(b.get("after", 0)))] * int(
                b.get("future", 0))
        elif verb == "deny":
            st.denied[b["path"]] = b.get(
                "detail", "No policy grants access to this path")
        elif verb == "quota":
            st.quota = bool(b.get("exhausted"))
        elif verb in ("fail-after-store", "fail-before-store"):
            when = verb.split("-")[1]
            st.fail_store = [(when, int(b.get("status", 503)))] * int(
                b.get("count", 1))
        elif verb == "fail-vault-get":
            v = self.the_vault(b)
            v.fail_get = [int(b.get("status", 500)), int(b.get("count", -1)),
                          bool(b.get("list", True))]
        elif verb == "cmek":
            v = self.the_vault(b)
            fpr = b.get("fingerprint")
            v.cmek_enabled = bool(fpr)
            v.cmek_fingerprint = fpr.lower() if fpr else None
            v.changed()
        elif verb == "upper-fingerprint":
            st.upper = bool(b.get("on", True))
        elif verb == "rotation-running":
            v = self.the_vault(b)
            if b.get("running", True):
                v.running_job = self.new_job(v, "running")["id"]
            elif v.running_job:
                st.jobs[v.running_job]["status"] = "failed"
                v.running_job = None
        elif verb == "rotate-answer":
            self.the_vault(b).rotate_answer = b
        else:
            raise Problem(404, "control: unknown verb %r" % verb)
        return None

    def state(self):
        st = self.st
        vaults, sec = {}, {}
        for v in st.vaults.values():
            vaults[v.name] = v.id
            sec[v.id] = {
                p: {"version": s.latest.number, "puts": s.puts,
                    "gets": s.gets, "reads": s.latest.reads,
                    "deleted": s.deleted,
                    "cmek_encrypted": s.latest.cmek_encrypted,
                    "cmek_fingerprint": s.latest.cmek_fingerprint}
                for p, s in v.secrets.items() if s.versions}
        return {
            "vaults": vaults,
            "cmek": {v.id: v.cmek_fingerprint for v in st.vaults.values()},
            "agent_id": st.agent_id,
            "agents": {a.name: {"id": a.id, "is_active": a.is_active,
                                "vault_ids": a.vault_ids,
                                "scopes": a.scopes}
                       for a in st.agents.values()},
            "policies": {vid: [p for p in ps if isinstance(p, dict)
                               and isinstance(p.get("id"), str)]
                         for vid, ps in st.policies.items()},
            "exchanges": st.exchanges,
            "secrets": sec,
        }


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed mid-request (a test's timeout) is no fixture bug.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def apply_scenario(st, name):
    if name == "odd-vaults":
        scenario_odd_vaults(st)
    elif name == "upper-fingerprint":
        st.upper = True
    elif name == "odd-agents":
        scenario_odd_agents(st)
    else:
        raise Problem(400, "unknown scenario %r" % name)


def read_key(path):
    if not path:
        return None
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def main():
    ap = argparse.ArgumentParser(
        description="A contract fixture of the hosted 1claw API.",
        epilog=CONTROL, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True, help="request log (JSON lines)")
    ap.add_argument("--user-key-file", help="file holding the 1ck_ user key")
    ap.add_argument("--agent-key-file", help="file holding the ocv_ key")
    ap.add_argument("--vault", action="append", default=[],
                    help="a plain vault to create (repeatable)")
    ap.add_argument("--agent-vaults", default="",
                    help="comma list of vault names the agent key is "
                         "bound to (default: none, i.e. every vault)")
    ap.add_argument("--scenario", action="append", default=[],
                    help="odd-vaults | upper-fingerprint | odd-agents "
                         "(repeatable)")
    args = ap.parse_args()
    # Keys come from files: a command line is visible to every user.
    args.user_key = read_key(args.user_key_file)
    args.agent_key = read_key(args.agent_key_file)

    st = State(args)
    for name in args.scenario:
        apply_scenario(st, name)
    for name in args.vault:
        st.add_vault(name)
    for name in filter(None, args.agent_vaults.split(",")):
        v = st.vault_by_name(name)
        if not v:
            ap.error("--agent-vaults: no vault %r" % name)
        st.agent_vault_ids.append(v.id)

    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = st
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
