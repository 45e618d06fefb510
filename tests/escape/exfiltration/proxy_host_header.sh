# defence: proxy-host
# A request to an allowed destination whose Host header names another site
# (a virtual-hosting front end would route it there) must be refused, not
# forwarded: the server must never see the other name.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
out=$(al --profile python --net "allow:127.0.0.1:$http_port" -- python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
s.sendall(b"GET http://127.0.0.1:%s/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n" % sys.argv[1].encode())
data = b""
while True:
    d = s.recv(1000)
    if not d:
        break
    data += d
print(data.decode(errors="replace"))' "$http_port" 2>&1)
sleep 0.2
grep -q "host=evil.example" "$http_log" && escaped "the server got Host: evil.example: $out"
[[ "$out" == *"400 Bad Request"*"is not the request's host"* ]] || broken "$out"
contained "$(echo "$out" | tail -1)"
