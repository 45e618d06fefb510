# defence: bind-check
# Binds that hand the sandbox the host itself: /proc (every host process),
# the host's root, and a unix socket (a host service). Each must be refused
# (exit 125, naming the path); with the check off, each is used.
. "$REPO/tests/escape/lib.sh"
sock=$WORK/svc.sock
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4); import os; os.chmod(sys.argv[1], 0o777)
s.settimeout(15)
try:
    c, _ = s.accept(); c.sendall(b"host-service-secret\n"); c.close()
except OSError:
    pass' "$sock" &
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S "$sock" ] && break; sleep 0.1; done
got=""
out=$(al --ro /proc:/hostproc -- sh -c 'cat /hostproc/1/comm' 2>&1); rc=$?
[ $rc = 0 ] && got="$got /proc(init=$out)"
[ $rc = 125 ] && [[ "$out" == *"/proc"*"refused"* ]] || [ $rc = 0 ] || broken "/proc: exit $rc: $out"
out=$(al --ro /:/host -- sh -c 'ls /host/etc/hostname' 2>&1); rc=$?
[ $rc = 0 ] && got="$got /($out)"
[ $rc = 125 ] || [ $rc = 0 ] || broken "/: exit $rc: $out"
out=$(al --profile python --ro "$sock:/svc.sock" -- python3 -c 'import socket
s = socket.socket(socket.AF_UNIX); s.connect("/svc.sock"); print(s.recv(100).decode().strip())' 2>&1); rc=$?
[[ "$out" == *host-service-secret* ]] && got="$got socket"
[ $rc = 125 ] && [[ "$out" == *"a socket"* ]] || [ $rc = 0 ] || broken "socket: exit $rc: $out"
out=$(al --ro "$WORK:/proc" -- true 2>&1); rc=$?
[ $rc = 0 ] && got="$got onto-/proc"
kill %1 2>/dev/null; wait 2>/dev/null
[ -n "$got" ] && escaped "bound and used:$got"
contained "all refused"
