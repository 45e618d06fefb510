"""A --console-socket receiver: accept one connection, take the pty master
it carries (SCM_RIGHTS), write LINE to it and copy what comes back to
stdout until EOF or TIMEOUT seconds."""
import os, select, socket, sys, time

path, line, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
print("listening", flush=True)
s.settimeout(timeout)
conn, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
if len(fds) != 1:
    sys.exit("no fd received")
m = fds[0]
print("got-master", flush=True)
os.write(m, line.encode() + b"\n")
end = time.time() + timeout
out = b""
while time.time() < end:
    r, _, _ = select.select([m], [], [], 0.2)
    if r:
        try:
            b = os.read(m, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
sys.stdout.write(out.decode(errors="replace"))
os.unlink(path)
