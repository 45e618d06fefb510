# defence: netns
# Two sandboxes at once: the first serves a secret on its 127.0.0.1, the
# second connects to that port. Each sandbox's loopback is its own.
. "$REPO/tests/escape/lib.sh"
token="peer-tcp-$RANDOM$RANDOM"
# The first sandbox is started with $AIRLOCK itself, not `al`: $! of a
# backgrounded shell function names a subshell, not the supervisor.
peer_opts=(--ro "$REPO:$REPO")
[ "$(id -u)" = 0 ] || peer_opts+=(--allow-degraded)
"$AIRLOCK" run "${peer_opts[@]}" --profile python -- python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
s.settimeout(10)
print("port", s.getsockname()[1], flush=True)
try:
    while True:
        c, _ = s.accept()
        c.sendall(sys.argv[1].encode())
        c.close()
except OSError:
    pass' "$token" >"$WORK/a.out" 2>"$WORK/a.err" &
peer=$!
trap 'kill $peer 2>/dev/null; wait $peer' EXIT
for _ in $(seq 150); do grep -q port "$WORK/a.out" && break; sleep 0.02; done
port=$(sed -n 's/^port //p' "$WORK/a.out")
[ -n "$port" ] || broken "the first sandbox did not start: $(cat "$WORK/a.err")"
out=$(al --profile python -- python3 -c '
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    print("got", c.recv(100).decode())
except OSError as e:
    print("refused:", e)' "$port" 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "connected to the other sandbox's 127.0.0.1:$port: $out"
[[ "$out" == refused:* ]] || broken "$out $(cat "$WORK/err")"
contained "127.0.0.1:$port $out"
