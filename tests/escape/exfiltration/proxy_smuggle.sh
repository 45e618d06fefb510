# defence: proxy-chain
# What the proxy did not check must not reach the destination: a second
# request smuggled after an allowed one on the same connection (here to
# another host, for a virtual-hosting front end to route) ends the
# connection before any byte of it is forwarded.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve raw
out=$(al --profile python --net "allow:127.0.0.1:$raw_port" -- python3 -c 'import socket, sys
sys.path.insert(0, sys.argv[2])
from netlib import drain
port = sys.argv[1].encode()
s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
s.sendall(b"GET http://127.0.0.1:" + port + b"/ HTTP/1.1\r\nHost: 127.0.0.1:" + port + b"\r\n\r\n"
          b"GET http://evil.example/smuggled HTTP/1.1\r\nHost: evil.example\r\n\r\n")
print("smuggle:", drain(s))' "$raw_port" "$REPO/tests/escape" 2>&1)
sleep 1.5 # the server logs a connection after 1 s of silence
grep -q "evil.example" "$raw_log" && escaped "the smuggled request reached the destination: $(grep data "$raw_log")"
[[ "$out" == *"smuggle:"* ]] || broken "$out"
contained "$(echo "$out" | tr '\n' ' ')"
