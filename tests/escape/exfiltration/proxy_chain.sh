# defence: proxy-chain
# What the proxy did not check must not reach the destination: a CONNECT
# sent inside an allowed tunnel (to chain through a proxy at the other end
# to anywhere) closes the tunnel before any byte of it is forwarded.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve raw
out=$(al --profile python --net "allow:127.0.0.1:$raw_port" -- python3 -c 'import socket, sys
sys.path.insert(0, sys.argv[2])
from netlib import drain
port = sys.argv[1].encode()
t = socket.create_connection(("127.0.0.1", 3128), timeout=5)
t.sendall(b"CONNECT 127.0.0.1:" + port + b" HTTP/1.1\r\n\r\n")
print("tunnel:", t.recv(200).split(b"\r\n")[0])
t.sendall(b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n")
print("chained:", drain(t))' "$raw_port" "$REPO/tests/escape" 2>&1)
sleep 1.5 # the server logs a connection after 1 s of silence
grep -q "evil.example" "$raw_log" && escaped "the chained CONNECT reached the destination: $(grep data "$raw_log")"
[[ "$out" == *"tunnel: b'HTTP/1.1 200"* ]] || broken "$out"
contained "$(echo "$out" | tr '\n' ' ')"
