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
pipeline_verdict "$WORK/r.json" "the absolute-form request" "$out"
