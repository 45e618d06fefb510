# defence: builtin-action
# A profile whose own action is "log" must not turn the built-in deny-list
# into a log: io_uring_setup stays refused.
. "$REPO/tests/escape/lib.sh"
"$AIRLOCK" profile show python | python3 -c 'import json, sys
p = json.load(sys.stdin); p["name"] = "logger"
p["seccomp"] = {"action": "log", "deny": ["uname"]}
print(json.dumps(p))' >"$WORK/log.json" || broken "cannot make the profile"
out=$(al --profile "$WORK/log.json" -- python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
r = libc.syscall(425, 4, params)
print("ring" if r >= 0 else os.strerror(ctypes.get_errno()))' 2>&1)
case "$out" in
*ring*) escaped "io_uring_setup ran under a log profile" ;;
*"Operation not permitted"*) contained "refused under a log profile" ;;
*) broken "$out" ;;
esac
