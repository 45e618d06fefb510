# defence: mount
# A host service on a unix socket file (the pattern of docker.sock or an
# ssh-agent socket), even one anybody may connect to, must be out of reach:
# the socket's path is not bound, so the sandbox has no path to it.
. "$REPO/tests/escape/lib.sh"
mkdir -p "$WORK/run"
chmod 755 "$WORK/run"
sock=$WORK/run/agent.sock
token="agent-banner-$RANDOM$RANDOM"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen()
s.settimeout(20)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    open(sys.argv[4], "a").write("connection\n")
    c.sendall(sys.argv[2].encode())
    c.close()' "$sock" "$token" "$WORK/ready" "$WORK/log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.02; done
[ -S "$sock" ] || broken "host service did not start"
out=$(al --profile python -- python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX)
c.settimeout(2)
try:
    c.connect(sys.argv[1])
    print("got", c.recv(100).decode())
except OSError as e:
    print("refused:", e)' "$sock" 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "connected to the host's $sock: $out"
[ -s "$WORK/log" ] && escaped "the host service saw a connection from inside"
[[ "$out" == refused:* ]] || broken "$out $(cat "$WORK/err")"
contained "$out"
