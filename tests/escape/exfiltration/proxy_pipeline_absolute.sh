# defence: proxy-pipeline
# Every request in a tunnel is checked, not only its first bytes: after a
# first, good request inside a plain-HTTP tunnel to an allowed port, an
# absolute-form request for another host (which a server must route by its
# URL, RFC 9112 3.2.2) closes the tunnel before any byte of it goes on.
# Sent in a read of its own, after the first request went through.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve raw
out=$(al --profile python --net "allow:127.0.0.1:$raw_port" --report "$WORK/r.json" -- python3 -c 'import sys, time
sys.path.insert(0, sys.argv[1])
from netlib import drain, tunnel
port = int(sys.argv[2])
t, status = tunnel("127.0.0.1", port)
print("tunnel:", status)
t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port)
time.sleep(0.3)
t.sendall(b"GET http://evil.example/smuggled HTTP/1.1\r\nHost: evil.example\r\n\r\n")
print("pipelined:", drain(t))' "$REPO/tests/escape" "$raw_port" 2>&1)
sleep 1.5 # the server logs a connection after 1 s of silence
grep -q "evil.example" "$raw_log" && escaped "the absolute-form request reached the destination: $(grep data "$raw_log")"
[[ "$out" == *"tunnel: b'HTTP/1.1 200"* ]] || broken "$out"
grep -q "data b'GET / HTTP/1.1" "$raw_log" || broken "the first request did not arrive: $(cat "$raw_log")"
python3 - "$WORK/r.json" <<'PY' || broken "no denied entry for evil.example: $(cat "$WORK/r.json")"
import json, sys
net = json.load(open(sys.argv[1]))["network"]
assert net[-1]["host"] == "evil.example" and net[-1]["verdict"] == "denied", net
print(net[-1]["reason"])
PY
contained "$(echo "$out" | tr '\n' ' ')"
