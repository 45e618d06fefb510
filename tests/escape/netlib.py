# Helpers for the proxy's cases, in Python inside the sandbox: a case runs
#   python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from netlib import *; ...' "$REPO/tests/escape"
# Loopback only: every address here is the sandbox's own proxy.
import socket

PROXY = ("127.0.0.1", 3128)


def drain(s):
    """What s sends until it closes, fails or times out."""
    data = b""
    try:
        while True:
            d = s.recv(1000)
            if not d:
                break
            data += d
    except OSError:
        pass
    return data


def tunnel(host, port):
    """A CONNECT tunnel through the proxy; returns the socket and the
    proxy's status line."""
    t = socket.create_connection(PROXY, timeout=5)
    t.sendall(b"CONNECT %s:%d HTTP/1.1\r\n\r\n" % (host.encode(), port))
    return t, t.recv(200).split(b"\r\n")[0]
