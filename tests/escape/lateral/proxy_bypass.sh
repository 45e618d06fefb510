# defence: netns
# Egress is allowed to a server on the host's loopback, through the proxy.
# A direct connect() to that server, bypassing the proxy, must fail: the
# sandbox's network namespace has no route to the host.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
out=$(al --profile python --net "allow:127.0.0.1:$http_port" -- python3 -c '
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    c.sendall(b"GET / HTTP/1.0\r\nHost: direct\r\n\r\n")
    print("got", c.recv(1000).decode(errors="replace"))
except OSError as e:
    print("refused:", e)' "$http_port" 2>&1)
[[ "$out" == *token-* ]] && escaped "connected directly, around the proxy: $out"
grep -q request "$http_log" && escaped "the server saw a direct request"
[[ "$out" == refused:* ]] || broken "$out"
contained "$out"
