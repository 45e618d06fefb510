# defence: proc
# Through /proc/PID/net of host processes, a sandbox would read the host
# network's socket tables (here the name of an abstract unix socket a host
# service listens on) even from its own network namespace. Its /proc must
# be its own, listing its own processes only.
. "$REPO/tests/escape/lib.sh"
token="airlock-test-svc-$RANDOM$RANDOM"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + sys.argv[1])
s.listen()
open(sys.argv[2], "w").close()
time.sleep(20)' "$token" "$WORK/ready" &
victim=$!
trap 'kill $victim 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.02; done
grep -q "$token" /proc/net/unix || broken "host service did not start"
out=$(al -- sh -c 'n=0; for f in /proc/[0-9]*/net/unix; do n=$((n+1)); cat "$f"; done; echo "$n socket tables"' 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "host socket @$token listed from inside ($(echo "$out" | tail -1))"
[[ "$out" == *"socket tables"* ]] || broken "$out $(cat "$WORK/err")"
contained "$(echo "$out" | tail -1) read, none of the host's"
