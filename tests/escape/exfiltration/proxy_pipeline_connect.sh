# defence: proxy-pipeline
# Every request in a tunnel is checked, not only its first bytes: after a
# first, good request inside a plain-HTTP tunnel to an allowed port, a
# pipelined CONNECT (to chain through a proxy at the far end to anywhere)
# closes the tunnel before any byte of it reaches the destination.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve raw
out=$(al --profile python --net "allow:127.0.0.1:$raw_port" --report "$WORK/r.json" -- python3 -c 'import sys
sys.path.insert(0, sys.argv[1])
from netlib import drain, tunnel
port = int(sys.argv[2])
t, status = tunnel("127.0.0.1", port)
print("tunnel:", status)
t.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port +
          b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n")
print("pipelined:", drain(t))' "$REPO/tests/escape" "$raw_port" 2>&1)
pipeline_verdict "$WORK/r.json" "the pipelined CONNECT" "$out"
