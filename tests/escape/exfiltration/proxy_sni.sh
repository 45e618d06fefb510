# defence: proxy-sni
# A tunnel is allowed to one TLS server (by IP literal); the client asks it,
# in the ClientHello, for another site (domain fronting: a shared front end
# would serve it). The proxy reads the SNI before any byte goes upstream
# and must close the tunnel.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve https
out=$(al --profile python --net "allow:127.0.0.1:$https_port" -- python3 -c '
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
s.sendall(b"CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n" % sys.argv[1].encode())
print(s.recv(200).split(b"\r\n")[0].decode())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname="other.example")
    t.sendall(b"GET / HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n")
    print("got", t.recv(1000).decode(errors="replace"))
except (OSError, ssl.SSLError) as e:
    print("refused:", e)' "$https_port" 2>&1)
[[ "$out" == *token-* ]] && escaped "TLS with another server name went through: $out"
grep -q request "$https_log" && escaped "the server saw the request"
[[ "$out" == *"200 Connection established"*"refused:"* ]] || broken "$out"
contained "$out"
