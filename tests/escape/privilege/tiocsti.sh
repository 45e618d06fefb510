# defence: setsid,seccomp
# TIOCSTI cannot inject input into the caller's terminal. The case runs
# airlock on a fresh pseudo-terminal (its controlling terminal and stdin,
# never the runner's own), then reads what is waiting on that terminal.
# Both defences stand in the way: the new session with /dev/null as stdin
# (no terminal to reach) and the filter (TIOCSTI is EPERM, also with bits
# set above the 32 the kernel compares). TIOCLINUX must be EPERM too; no
# virtual console is reachable to show it working, so it has no control.
. "$REPO/tests/escape/lib.sh"
build_c tiocsti
extra=()
[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
out=$(/usr/bin/python3 - "$AIRLOCK" run "${extra[@]}" --ro "$WORK:$WORK" -- "$WORK/tiocsti" <<'PY' 2>&1
import fcntl, os, subprocess, sys, termios, tty
master, slave = os.openpty()
tty.setraw(slave)  # no echo, no line editing: injected bytes wait as they are
def on_pty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.run(sys.argv[1:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   preexec_fn=on_pty, timeout=20)
sys.stdout.write(p.stdout.decode(errors="replace"))
os.set_blocking(slave, False)
try:
    pending = os.read(slave, 4096)
except BlockingIOError:
    pending = b""
print("pending on the terminal: %r" % pending)
PY
)
echo "$out"
[[ "$out" == *"pending on the terminal: b'AIRLOCK"* ]] && escaped "input injected into the caller's terminal"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* && "$out" == *"pending on the terminal: b''"* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "TIOCSTI: EPERM on every fd, nothing injected"
