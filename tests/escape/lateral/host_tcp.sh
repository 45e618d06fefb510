# defence: netns
# A service on the host's loopback (a database, a metadata endpoint, a
# development server with no password) must be unreachable: the sandbox's
# 127.0.0.1 is its own network namespace's.
. "$REPO/tests/escape/lib.sh"
token="tcp-banner-$RANDOM$RANDOM"
python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
s.settimeout(20)
open(sys.argv[2] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    c, _ = s.accept()
    open(sys.argv[3], "a").write("connection\n")
    c.sendall(sys.argv[1].encode())
    c.close()' "$token" "$WORK/port" "$WORK/log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/port" ] && break; sleep 0.02; done
port=$(cat "$WORK/port") || broken "host service did not start"
out=$(al --profile python -- python3 -c '
import socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    print("got", c.recv(100).decode())
except OSError as e:
    print("refused:", e)' "$port" 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "connected to the host's 127.0.0.1:$port: $out"
[ -s "$WORK/log" ] && escaped "the host service saw a connection from inside"
[[ "$out" == refused:* ]] || broken "$out $(cat "$WORK/err")"
contained "127.0.0.1:$port $out"
