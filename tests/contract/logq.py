#!/usr/bin/env python3
"""logq.py - questions about hosted-fixture.py's request log.

    logq.py LOG [--phase MARK | --since MARK] count EXPR
    logq.py LOG [--phase MARK | --since MARK] show EXPR
    logq.py LOG [--phase MARK | --since MARK] eval EXPR

The log is one JSON object per request; {"mark": NAME} lines divide it.
--phase MARK keeps the requests after the last mark NAME up to the next
mark, --since MARK every request after it.  EXPR is a Python expression:
for count and show over one request `r` (count prints how many are true,
show prints them), for eval over the list `rs` (its value is printed).
sp(r) is the secret path a request names (percent-decoded), or None.
"""

import argparse
import json
import sys
from urllib.parse import unquote


def sp(r):
    """The secret path of /v1/vaults/<id>/secrets/<path>, decoded."""
    head, sep, rest = r.get("path", "").partition("/secrets/")
    if not sep or not head.startswith("/v1/vaults/") or not rest:
        return None
    return unquote(rest)


def load(path, phase, since):
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    start = 0
    name = phase or since
    if name is not None:
        hits = [i for i, r in enumerate(recs) if r.get("mark") == name]
        if not hits:
            sys.exit("logq: no mark %r in %s" % (name, path))
        start = hits[-1] + 1
    out = []
    for r in recs[start:]:
        if "mark" in r:
            if phase is not None:
                break
            continue
        out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--phase")
    ap.add_argument("--since")
    ap.add_argument("what", choices=("count", "show", "eval"))
    ap.add_argument("expr")
    a = ap.parse_args()
    rs = load(a.log, a.phase, a.since)
    if a.what == "eval":
        print(eval(a.expr, {"rs": rs, "sp": sp}))
        return 0
    hits = [r for r in rs if eval(a.expr, {"r": r, "sp": sp})]
    if a.what == "count":
        print(len(hits))
    else:
        for r in hits:
            print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
