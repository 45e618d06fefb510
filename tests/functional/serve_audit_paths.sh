# airlock serve --audit-log, the paths serve_audit.sh leaves: egress
# decisions (a loopback server allowed, another port refused by the proxy
# before any packet), a streamed run's output hashed as it was sent,
# refusals (a bad token, a ceiling, another tenant's sandbox) recorded before
# their answer, and --audit-syslog: every line of the log also reaches
# /dev/log. The service runs in a mount namespace of its own whose /dev is a
# copy holding the test's own datagram socket at /dev/log (the machine has
# no syslog daemon, and the test touches no real one). Root only.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
. "$CASE_DIR/serve.lib"
[ "$(id -u)" = 0 ] || exit 0
cd "$WORK" || exit 1
serve http
"$AIRLOCK" audit keygen key >/dev/null || fail keygen

# The syslog receiver: one line per datagram.
python3 - "$WORK/devlog" "$WORK/syslog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(1 << 20).replace(b"\n", b" ") + b"\n")
PY
server_pids+=($!)
for _ in $(seq 100); do [ -S devlog ] && break; sleep 0.05; done
[ -S devlog ] || fail "the syslog receiver did not start"
cat >devns.sh <<'SH'
#!/bin/sh
# devns.sh DIR SOCKET CMD...: CMD in a mount namespace whose /dev is a tmpfs
# (on DIR) with the usual nodes and SOCKET at /dev/log.
exec unshare -m sh -c '
	D=$0 S=$1; shift
	mount -t tmpfs -o mode=755 tmpfs "$D" || exit 1
	for n in null zero full random urandom tty ptmx; do cp -a "/dev/$n" "$D/" || exit 1; done
	mkdir "$D/pts" "$D/shm" && mount --rbind /dev/pts "$D/pts" || exit 1
	touch "$D/log" && mount --bind "$S" "$D/log" && mount --rbind "$D" /dev || exit 1
	exec "$@"' "$@"
SH
chmod +x devns.sh
mkdir dev

cat >config.json <<JSON
{"tenants": [{"name": "team-a", "token_sha256": "$(h token-a)",
              "ceilings": {"memory": "128M", "egress": ["127.0.0.1:$http_port"]}},
             {"name": "team-b", "token_sha256": "$(h token-b)"}]}
JSON
SOCK=$WORK/p.sock
SERVE_WRAP="$WORK/devns.sh $WORK/dev $WORK/devlog" serve_start "$WORK/serve.log" --listen "unix:$SOCK" \
	--listen tcp:127.0.0.1:0 --config config.json --audit-log log --audit-key key --audit-syslog
A=(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-a')
B=(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-b')
rec() { grep "\"action\":\"$1\"" log; }

# Egress: the allowed server reached, another port refused by the proxy.
body=$(printf '{"argv":["sh","-c","curl -sS http://127.0.0.1:%s/x; curl -sS -o /dev/null -w %%{http_code} http://127.0.0.1:%s/y"],"network":{"allow":["127.0.0.1:%s"]}}' \
	"$http_port" "$((http_port + 1))" "$http_port")
"${A[@]}" -d "$body" http://x/v1/execute >out || fail "egress run"
grep -q "token-127.0.0.1:$http_port" out || fail "the allowed fetch: $(head -c 600 out)"
rec egress | grep -q "\"port\":$http_port,\"verdict\":\"allowed\"" || fail "no allowed egress record: $(rec egress)"
rec egress | grep "\"port\":$((http_port + 1)),\"verdict\":\"denied\"" | grep -q '"reason":"not in the allow-list"' ||
	fail "no denied egress record: $(rec egress)"
rec egress | grep -q '"tenant":"team-a"' || fail "egress without its tenant"

# A streamed run: its output's SHA-256 as sent, never the output.
curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-a' -H 'Accept: text/event-stream' \
	-d '{"argv":["printf","STREAM-MARK-%s","77"]}' http://x/v1/execute >sse || fail "streamed run"
grep -q 'STREAM-MARK-77' sse || fail "the stream: $(cat sse)"
grep -q 'STREAM-MARK' log && fail "the streamed output is in the log"
rec execution | grep -q "\"stdout\":{\"size\":14,\"truncated\":false,\"sha256\":\"$(h STREAM-MARK-77)\"}" ||
	fail "the streamed output's hash: $(rec execution | tail -1 | grep -o '"output":{[^}]*}[^}]*}')"

# Refusals, each in the log as soon as its answer is back.
code=$(curl -sS -o out -w '%{http_code}' -H 'Authorization: Bearer wrong' "http://127.0.0.1:$PORT/v1/info")
[ "$code" = 401 ] || fail "a wrong token: $code"
rec request_refused | grep '"status":401' | grep -q '"path":"/v1/info"' || fail "no 401 record: $(rec request_refused)"
rec request_refused | grep '"status":401' | grep -q '"tenant":null' || fail "a 401 record names a tenant"
"${A[@]}" -o out -d '{"argv":["true"],"limits":{"memory":"1G"}}' http://x/v1/execute
rec request_refused | grep '"tenant":"team-a"' | grep '"code":"invalid"' | grep -q '"field":"limits.memory"' ||
	fail "no ceiling refusal: $(rec request_refused)"
id=$("${A[@]}" -d '{}' http://x/v1/sandboxes | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail session
"${B[@]}" -o out "http://x/v1/sandboxes/$id" >/dev/null
grep -q not_found out || fail "another tenant's sandbox: $(cat out)"
rec request_refused | grep '"tenant":"team-b"' | grep -q "\"status\":404,\"code\":\"not_found\"" ||
	fail "no record of team-b asking for team-a's sandbox: $(rec request_refused)"
"${A[@]}" -X DELETE "http://x/v1/sandboxes/$id" >/dev/null || fail delete
# Refusals without a tenant cost the sender nothing: at most 20 a second
# are recorded, the rest counted into the next record. 60 wrong tokens on
# one connection (well within a second), then one more a second later.
python3 - "$PORT" <<'PY' || fail "the burst of wrong tokens"
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
for _ in range(60):
    c.request("GET", "/v1/info", headers={"Authorization": "Bearer wrong"})
    r = c.getresponse(); r.read()
    assert r.status == 401, r.status
time.sleep(1.2)
c.request("GET", "/v1/info", headers={"Authorization": "Bearer wrong"})
r = c.getresponse(); r.read()
assert r.status == 401
PY
python3 - log <<'PY' || fail "refusals without a tenant: $(grep -c '"status":401' log) records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"request_refused"' in l]
anon = [r for r in recs if r["status"] == 401]
# 1 earlier (in the burst's second or the one before), the burst of 60
# (at most 20 recorded in its second), then one that counts the rest.
assert len(anon) in (21, 22), len(anon)
assert anon[-1].get("unrecorded_before", 0) >= 40, anon[-1]
assert sum(r.get("unrecorded_before", 0) for r in anon) + len(anon) == 62
PY

serve_stop
"$AIRLOCK" audit verify --key key.pub log >out || fail "verify: $(cat out)"
# syslog: every line of the log, in order (the copy is sent as written).
for _ in $(seq 50); do [ "$(wc -l <syslog)" -ge "$(wc -l <log)" ] && break; sleep 0.1; done
python3 - log syslog <<'PY' || fail "the syslog copy"
import sys
lines = open(sys.argv[1], "rb").read().splitlines()
got = open(sys.argv[2], "rb").read().splitlines()
assert len(got) == len(lines), (len(got), len(lines))
for i, (l, g) in enumerate(zip(lines, got)):
    assert g.startswith(b"<86>"), g[:40]  # authpriv.info
    assert g.endswith(l), (i + 1, g[:120], l[:120])
print(len(lines), "lines copied to syslog")
PY
exit 0
