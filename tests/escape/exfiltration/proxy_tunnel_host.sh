# defence: proxy-pipeline
# A plain-HTTP tunnel to an allowed port carries requests for that
# destination only: a request whose Host header names another site (a
# virtual-hosting front end would route it there) closes the tunnel before
# the server sees it, as the same request would be refused outside a tunnel.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
out=$(al --profile python --net "allow:127.0.0.1:$http_port" -- python3 -c 'import sys
sys.path.insert(0, sys.argv[1])
from netlib import drain, tunnel
t, status = tunnel("127.0.0.1", int(sys.argv[2]))
print("tunnel:", status)
t.sendall(b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
print("answer:", drain(t))' "$REPO/tests/escape" "$http_port" 2>&1)
sleep 0.2
grep -q "host=evil.example" "$http_log" && escaped "the server got Host: evil.example: $out"
[[ "$out" == *"tunnel: b'HTTP/1.1 200"*"answer: b''"* ]] || broken "$out"
contained "$(echo "$out" | tr '\n' ' ')"
