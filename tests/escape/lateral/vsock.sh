# defence: seccomp
# A vsock socket cannot be made (only created, never connected, in the control).
. "$REPO/tests/escape/lib.sh"
build_c vsock
python3 -c 'import socket; socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)' 2>/dev/null ||
	broken "this kernel has no vsock: the control could not show anything"
out=$(al --ro "$WORK:$WORK" -- "$WORK/vsock" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out")"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $out"
contained "socket(AF_VSOCK): EPERM"
