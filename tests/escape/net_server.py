# Servers on the host's loopback for the proxy's tests (never any other
# address). Usage: net_server.py KIND PORTFILE LOGFILE [CERT KEY]
#   http   answers every GET with "token-<Host header>", logs request lines and Host
#   https  the same over TLS (CERT, KEY)
#   http6  the http server on [::1]
#   raw    logs every byte a connection sends (until 1 s of silence), then
#          answers "HTTP/1.0 200 OK" and closes
#   sink   reads what a connection sends until it closes, says nothing
# The port (random) is written to PORTFILE once the server listens.
import http.server, os, socket, ssl, sys, threading

kind, portfile, logfile = sys.argv[1:4]
lock = threading.Lock()

def log(line):
    with lock, open(logfile, "a") as f:
        f.write(line + "\n")

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host", "")
        log(f"request {self.requestline} host={host}")
        body = b"x" * 100000 if self.path == "/big" else f"token-{host}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

def announce(port):
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)

class Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

if kind in ("http", "https", "http6"):
    srv = Server6(("::1", 0), Handler) if kind == "http6" else http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if kind == "https":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.timeout = 60
    announce(srv.server_address[1])
    srv.serve_forever()
else:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    announce(s.getsockname()[1])
    def serve(c):
        log("connection")
        c.settimeout(60.0 if kind == "sink" else 1.0)
        data = b""
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
        except OSError:
            pass
        log("data " + repr(data))
        if kind == "sink":
            c.close()
            return
        try:
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nraw-token")
        except OSError:
            pass
        c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
