# --tty: the command runs on a pseudo-terminal of its own, the caller's
# keystrokes reach it (a line typed at a prompt; Ctrl-C as a signal from its
# terminal), and airlock's caller's terminal is put back as it was.
. "$REPO/tests/escape/lib.sh"
extra=$([ "$(id -u)" = 0 ] || echo --allow-degraded)
/usr/bin/python3 - "$AIRLOCK" "$extra" <<'PY' || exit 1
import os, pty, select, sys, termios, time
A, extra = sys.argv[1], [a for a in sys.argv[2:] if a]

def run(argv, inputs, timeout=20):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    before = termios.tcgetattr(fd)
    out, t0, i = b"", time.time(), 0
    while time.time() - t0 < timeout:
        if i < len(inputs) and out.find(inputs[i][0]) >= 0:
            os.write(fd, inputs[i][1]); i += 1
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                break
            if not d:
                break
            out += d
    _, st = os.waitpid(pid, 0)
    return out, os.waitstatus_to_exitcode(st)

out, rc = run([A, "run", *extra, "--profile", "python", "--tty", "--", "python3", "-c",
               "import os; print('isatty', os.isatty(0), os.isatty(1), os.isatty(2)); print('got', input('name? '))"],
              [(b"name? ", b"world\r")])
assert rc == 0 and b"isatty True True True" in out and b"got world" in out, (rc, out)
out, rc = run([A, "run", *extra, "--tty", "--", "sh", "-c", "echo ready; sleep 15; echo not-interrupted"],
              [(b"ready", b"\x03")])
assert rc == 130 and b"not-interrupted" not in out, (rc, out)
print("tty ok")
PY
# Without --tty, stdio is no terminal (and stdin is /dev/null).
out=$(al --profile python -- python3 -c 'import os; print(os.isatty(0), os.isatty(1))')
[ "$out" = "False False" ] || { echo "no tty: $out"; exit 1; }
