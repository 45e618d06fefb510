# defence: netns,landlock
# Abstract unix sockets (@name, no file) belong to a network namespace: a
# host service listening on one (X11, D-Bus, containerd and others use
# them) must be unreachable from inside, though its well-known name is.
. "$REPO/tests/escape/lib.sh"
name="airlock-test-$RANDOM$RANDOM"
token="abstract-banner-$RANDOM$RANDOM"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1])
s.listen()
s.settimeout(20)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    open(sys.argv[4], "a").write("connection\n")
    c.sendall(sys.argv[2].encode())
    c.close()' "$name" "$token" "$WORK/ready" "$WORK/log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.02; done
[ -e "$WORK/ready" ] || broken "host service did not start"
out=$(al --profile python -- python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX)
c.settimeout(2)
try:
    c.connect("\0" + sys.argv[1])
    print("got", c.recv(100).decode())
except OSError as e:
    print("refused:", e)' "$name" 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "connected to the host's @$name: $out"
[ -s "$WORK/log" ] && escaped "the host service saw a connection from inside"
[[ "$out" == refused:* ]] || broken "$out $(cat "$WORK/err")"
contained "@$name $out"
