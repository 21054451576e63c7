#!/bin/sh
# module-audit.sh - one audit line per use (p11/audit.h).  With
# ONECLAW_PKCS11_AUDIT naming a file, a fixed sequence through the module
# (a read, a refused read of a key's secret, a CMEK C_Decrypt, one with a
# bad tag, an ECDSA signature with a vault key, an unwrap and HMAC, a
# create, a C_SetAttributeValue(CKA_VALUE), a copy, destroys, and a read
# through `p11-kit server`) gives exactly the expected lines, time and
# caller pid aside; a read through p11-kit names the client process at the
# other end of the socket.  No value, key, API key or ciphertext is in the
# file.  An audit file in a missing directory fails C_Initialize with a
# clear message; a forked child's lines name the child.  The file is kept
# in the logs directory, so suite-log-secrets.sh scans it too.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
oc_need curl node openssl od base64 readlink
mod_need
[ -x "$TOOL" ] || oc_skip "oneclaw-tool not built"
oc_start_vaultd

oc_keygen "$T/cmek.key"
vid=$(oc_create_vault audit)
[ -n "$vid" ] || oc_fail "create vault"
mod_env "$vid"
$OC_WRAP "$TOOL" -q cmek enable "$vid" --key "$T/cmek.key" > /dev/null ||
	oc_fail "cmek enable"
printf 'audit-db-%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v1"
printf 'audit-new-%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v2"
printf 'audit-set-%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v3"
oc_secret "$(cat "$T/v1")" "$(cat "$T/v2")" "$(cat "$T/v3")"
$OC_WRAP "$TOOL" -q secret put "$vid" app/db --file "$T/v1" \
	--key "$T/cmek.key" > /dev/null || oc_fail "secret put app/db"
keys_genpkey "$T/ec.key" EC -pkeyopt ec_paramgen_curve:P-256
keys_register "$T/ec.key"
keys_put "$vid" keys/ec.key private_key "$T/ec.key" "$T/cmek.key"
ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
export ONECLAW_CMEK_KEY_FILE

AUDIT="$OC_LOG_DIR/$(basename "$0").audit.log"
rm -f "$AUDIT"
ONECLAW_PKCS11_AUDIT=$AUDIT
export ONECLAW_PKCS11_AUDIT
NEW='audit/new "one" é'

# fd 0 is no socket here: the caller is the client process itself.
echo "== the sequence"
mod_client read app/db > "$T/blob" < /dev/null || oc_fail "read app/db"
[ "$(od -An -tx1 -N1 "$T/blob" | tr -d ' ')" = 01 ] || oc_fail "app/db is not a CMEK blob"
[ "$(mod_client rv-read keys/ec.key < /dev/null)" = CKR_ATTRIBUTE_SENSITIVE ] ||
	oc_fail "the value of a key's secret was not refused"
mod_client decrypt app/db > "$T/pt" < /dev/null || oc_fail "C_Decrypt"
cmp -s "$T/pt" "$T/v1" || oc_fail "C_Decrypt gave other bytes"
# The last byte is the tag's.
node -e 'const fs = require("fs"), b = fs.readFileSync(process.argv[1]);
b[b.length - 1] ^= 1; fs.writeFileSync(process.argv[2], b);' "$T/blob" "$T/bad" ||
	oc_fail "tampering with the blob"
mod_client decrypt-file "$T/bad" > /dev/null 2> "$T/bad.err" < /dev/null &&
	oc_fail "a bad tag decrypted"
grep -q CKR_ENCRYPTED_DATA_INVALID "$T/bad.err" ||
	{ cat "$T/bad.err" >&2; oc_fail "a bad tag: not CKR_ENCRYPTED_DATA_INVALID"; }
[ "$(mod_client sign-rv keys/ec.key 0x1041 < /dev/null)" = CKR_OK ] ||
	oc_fail "C_SignInit(CKM_ECDSA)"
printf 'message' > "$T/msg"
mod_client hmac app/db < "$T/msg" > /dev/null || oc_fail "unwrap + HMAC"
mod_client write "$NEW" "$T/v2" < /dev/null || oc_fail "C_CreateObject"
mod_client set "$NEW" "$T/v3" < /dev/null || oc_fail "C_SetAttributeValue"
mod_client copy app/db app/db-copy < /dev/null || oc_fail "C_CopyObject"
mod_client destroy "$NEW" < /dev/null || oc_fail "C_DestroyObject $NEW"
mod_client destroy app/db-copy < /dev/null || oc_fail "C_DestroyObject copy"

# Served: the module runs in `p11-kit remote` with the connection as fd 0;
# the caller is the client at the other end.
served=
client_so=$(oc_p11kit_client)
if [ "$OC_SANITIZED" = 1 ]; then
	echo "NOTE: the read through p11-kit server is left out: p11-kit" \
		"hangs at exit under the ASan runtime (not the module)"
elif ! command -v p11-kit > /dev/null 2>&1 || [ -z "$client_so" ]; then
	echo "NOTE: the read through p11-kit server is left out: no p11-kit" \
		"or no p11-kit-client.so"
else
	oc_p11kit_serve
	P11_KIT_SERVER_ADDRESS=$OC_P11KIT_ADDR sh -c 'echo $$ > "$1"; shift; exec "$@"' \
		sh "$T/client.pid" $OC_WRAP "$CLIENT" "$client_so" read app/db \
		> "$T/served" < /dev/null || oc_fail "read through p11-kit server"
	oc_p11kit_unserve
	cmp -s "$T/served" "$T/blob" || oc_fail "the read through p11-kit differs"
	served=$(cat "$T/client.pid")
fi

echo "== the audit file"
[ -f "$AUDIT" ] || oc_fail "no audit file"
[ "$(stat -c %a "$AUDIT")" = 600 ] || oc_fail "the audit file is not 0600"
cat "$AUDIT"
# Every line: an RFC 3339 UTC time with milliseconds, then the line.
bad=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z oneclaw-pkcs11 audit: op=' "$AUDIT")
[ "$bad" -eq 0 ] || oc_fail "$bad line(s) without the time and prefix"
if [ -n "$served" ]; then
	grep -q " via=socket\$" "$AUDIT" || oc_fail "no line via=socket"
	grep " via=socket\$" "$AUDIT" | grep -q " caller_pid=$served " ||
		oc_fail "the served read does not name the client (pid $served)"
fi
exe=$(readlink -f "$CLIENT")
uid=$(id -u)
sed -E -e 's/^[^ ]+ //' -e 's/ caller_pid=[0-9]+ / caller_pid=N /' "$AUDIT" > "$T/got"
# Under a wrapper (valgrind) the process's executable is the wrapper's.
[ -n "$OC_WRAP" ] && sed -i -E 's/ caller_exe=[^ ]+ / caller_exe=E /' "$T/got" && exe=E
cat > "$T/want.in" <<'EOF'
op=read result=CKR_OK vault=@V@ label=app/db mech=- @C@ via=process
op=read result=CKR_ATTRIBUTE_SENSITIVE vault=@V@ label=keys/ec.key mech=- @C@ via=process
op=read result=CKR_OK vault=@V@ label=app/db mech=- @C@ via=process
op=decrypt result=CKR_OK vault=@V@ label=cmek mech=CKM_ONECLAW_CMEK @C@ via=process
op=decrypt result=CKR_ENCRYPTED_DATA_INVALID vault=@V@ label=cmek mech=CKM_ONECLAW_CMEK @C@ via=process
op=sign result=CKR_OK vault=@V@ label=keys/ec.key mech=CKM_ECDSA @C@ via=process
op=read result=CKR_OK vault=@V@ label=app/db mech=- @C@ via=process
op=unwrap result=CKR_OK vault=@V@ label=cmek mech=CKM_ONECLAW_CMEK @C@ via=process
op=sign result=CKR_OK vault=@V@ label="" mech=CKM_SHA256_HMAC @C@ via=process
op=create result=CKR_OK vault=@V@ label="audit/new \"one\" é" mech=- @C@ via=process
op=write result=CKR_OK vault=@V@ label="audit/new \"one\" é" mech=- @C@ via=process
op=copy result=CKR_OK vault=@V@ label=app/db mech=- @C@ via=process
op=destroy result=CKR_OK vault=@V@ label="audit/new \"one\" é" mech=- @C@ via=process
op=destroy result=CKR_OK vault=@V@ label=app/db-copy mech=- @C@ via=process
EOF
[ -n "$served" ] &&
	echo 'op=read result=CKR_OK vault=@V@ label=app/db mech=- @C@ via=socket' >> "$T/want.in"
sed -e "s|@V@|$vid|" -e "s|@C@|caller_pid=N caller_uid=$uid caller_exe=$exe|" \
	-e 's/^/oneclaw-pkcs11 audit: /' "$T/want.in" > "$T/want"
diff -u "$T/want" "$T/got" >&2 || oc_fail "the audit lines differ from the expected ones"

echo "== nothing secret in it"
key_b64=$(tr -d ' \n\r' < "$T/cmek.key")
key_hex=$(base64 -d < "$T/cmek.key" | od -An -v -tx1 | tr -d ' \n')
blob_b64=$(base64 -w0 < "$T/blob")
blob_hex=$(od -An -v -tx1 < "$T/blob" | tr -d ' \n')
for s in "$(cat "$T/v1")" "$(cat "$T/v2")" "$(cat "$T/v3")" "$ADMIN_KEY" \
	"$key_b64" "$key_hex" "$blob_b64" "$blob_hex" \
	"$(printf '%s' "$blob_b64" | cut -c1-24)" "$(printf '%s' "$blob_hex" | cut -c1-32)"; do
	grep -qiF -- "$s" "$AUDIT" && oc_fail "a secret is in the audit file"
done
for s in $(keys_raw_private "$T/ec.key"); do
	grep -qiF -- "$s" "$AUDIT" && oc_fail "the private key is in the audit file"
done

echo "== after fork, the child opens the file again and names itself"
ONECLAW_PKCS11_AUDIT="$T/fork.log" mod_client fork app/db > /dev/null < /dev/null ||
	oc_fail "fork"
sed -n 's/.* op=read result=CKR_OK .* caller_pid=\([0-9]*\) .*/\1/p' "$T/fork.log" \
	> "$T/fork.pids"
[ "$(wc -l < "$T/fork.log")" -eq 3 ] && [ "$(wc -l < "$T/fork.pids")" -eq 3 ] ||
	{ cat "$T/fork.log" >&2; oc_fail "fork: not three reads"; }
p1=$(sed -n 1p "$T/fork.pids") p2=$(sed -n 2p "$T/fork.pids") p3=$(sed -n 3p "$T/fork.pids")
[ "$p1" = "$p3" ] && [ "$p1" != "$p2" ] ||
	{ cat "$T/fork.log" >&2; oc_fail "fork: the child's line does not name the child"; }

echo "== a socket on fd 0 of any other host names no one else"
# An application could put a socket to a process of its choosing on its
# stdin: only p11-kit remote's fd 0 is taken as the caller's connection.
ONECLAW_PKCS11_AUDIT="$T/spoof.log" python3 -c '
import os, socket, subprocess, sys
a, b = socket.socketpair()
if os.fork() == 0:
    a.close(); b.recv(1); os._exit(0)
b.close()
sys.exit(subprocess.call(sys.argv[1:], stdin=a, stdout=subprocess.DEVNULL))
' $OC_WRAP "$CLIENT" "$MODULE" read app/db || oc_fail "read with a socket on stdin"
grep -q " via=process\$" "$T/spoof.log" && ! grep -q "via=socket" "$T/spoof.log" ||
	{ cat "$T/spoof.log" >&2; oc_fail "a socket on fd 0 was taken as the caller"; }

echo "== a file that cannot be opened fails C_Initialize"
ONECLAW_PKCS11_AUDIT="$T/missing/dir/audit.log" mod_client init \
	> "$T/init.out" 2> "$T/init.err" < /dev/null && oc_fail "C_Initialize succeeded"
[ "$(cat "$T/init.out")" = CKR_ARGUMENTS_BAD ] ||
	oc_fail "C_Initialize: $(cat "$T/init.out"), want CKR_ARGUMENTS_BAD"
grep -qF "oneclaw-pkcs11: audit: cannot open $T/missing/dir/audit.log: No such file or directory" \
	"$T/init.err" || { cat "$T/init.err" >&2; oc_fail "no clear message"; }
ONECLAW_PKCS11_AUDIT=audit.log mod_client init \
	> "$T/init.out" 2> "$T/init.err" < /dev/null && oc_fail "C_Initialize succeeded"
grep -qF "ONECLAW_PKCS11_AUDIT: must be off, syslog or an absolute path" \
	"$T/init.err" || { cat "$T/init.err" >&2; oc_fail "relative path: no clear message"; }
[ -e "$T/missing" ] && oc_fail "a directory was made"
exit 0
