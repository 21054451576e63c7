#!/bin/sh
# Slow clients (issue 13).  Three parts, each with its own server:
#  1. 1,000 connections spread over 127.0.0.2-127.0.0.250, each sending a
#     request line and then its headers one byte every 3 s, held for 20 s
#     while GET /v1/health is probed from 127.0.0.1 every 0.5 s: every
#     probe is answered 200.  The per-probe timeout is a generous 10 s
#     (the CI machine may be busy); the largest latency is printed, not
#     asserted.
#  2. --request-timeout 3: 200 slow connections (half trickling headers,
#     half a body announced by Content-Length, one byte a second, so an
#     inactivity timeout alone never fires) are all closed by the server
#     before a 12 s hold ends.
#  3. --max-connections-per-ip 16: of 64 connections from 127.0.0.9 at
#     most 16 are open after a 5 s hold, and health from 127.0.0.1 still
#     answers every probe.
# hostile-client does the connecting, the trickling and the checks; every
# part runs for a fixed time and stops by itself.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_setup
HC="$BUILD/tests/integration/hostile-client"
[ -x "$HC" ] || oc_fail "tests/integration/hostile-client is not built"
[ -n "$OC_WRAP_VAULTD" ] &&
	oc_skip "vaultd runs under '$OC_WRAP_VAULTD': 1,000 connections through a memory checker measure the checker, not the server"
vd_raise_nofile 2048

oc_start_vaultd
vd_part "1,000 slow connections, health probed from 127.0.0.1" \
	"$HC" slow --port "$OC_PORT" --count 1000 \
	--from 127.0.0.2 --to 127.0.0.250 --interval 3000 --duration 20 \
	--probe-interval 500 --probe-timeout 10000

oc_stop_vaultd
oc_serve_vaultd --request-timeout 3
vd_part "--request-timeout 3 cuts slow headers and bodies" \
	"$HC" slow --port "$OC_PORT" --count 200 \
	--from 127.0.0.2 --to 127.0.0.250 --trickle both --interval 1000 \
	--duration 12 --all-cut

oc_stop_vaultd
oc_serve_vaultd --max-connections-per-ip 16
vd_part "--max-connections-per-ip 16: 64 connections from 127.0.0.9" \
	"$HC" slow --port "$OC_PORT" --count 64 \
	--from 127.0.0.9 --to 127.0.0.9 --interval 1000 --duration 5 \
	--max-open 16 --probe-interval 500 --probe-timeout 10000

vd_parts_done
