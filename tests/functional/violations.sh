# A Python snippet that calls ptrace, mount and unshare gets errors, finishes
# normally, and the report lists all three with counts; with --on-violation
# kill the first one ends the run with status "violation".
. "$REPO/tests/escape/lib.sh"
snippet='
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for i in range(2):
    print("ptrace", libc.ptrace(0, 0, 0, 0), ctypes.get_errno())
print("mount", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())
print("unshare", libc.unshare(0x10000000), ctypes.get_errno())
print("finished")'
out=$(al --profile python --report "$WORK/r.json" --verbose -- python3 -c "$snippet" 2>"$WORK/err")
[ $? = 0 ] || { echo "exit $?: $out"; exit 1; }
[[ "$out" == *finished* ]] || exit 1
[ "$(grep -c ' -1 1$' <<<"$out")" = 4 ] || { echo "not EPERM: $out"; exit 1; }
python3 - "$WORK/r.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
v = {x["syscall"]: x for x in r["violations"]}
assert r["status"] == "exited", r["status"]
assert v["ptrace"]["count"] == 2 and v["ptrace"]["action"] == "errno", v
assert v["mount"]["count"] == 1 and v["unshare"]["count"] == 1, v
assert "0x10000000" in v["unshare"]["args"] and v["unshare"]["pid"] == 2, v
PY
grep -q 'violation: ptrace' "$WORK/err" || { echo "no live report: $(cat "$WORK/err")"; exit 1; }
out=$(al --profile python --on-violation kill --report "$WORK/k.json" -- python3 -c "$snippet" 2>&1)
[ "$(report_field "$WORK/k.json" status)" = violation ] || exit 1
[[ "$out" == *finished* || "$out" == *mount* ]] && { echo "ran on after the violation: $out"; exit 1; }
# A profile's own rule: socket(AF_NETLINK) refused with EACCES, and logged calls allowed.
"$AIRLOCK" profile show python | python3 -c '
import json, sys
p = json.load(sys.stdin)
p["seccomp"] = {"deny": [{"syscall": "socket", "errno": "EACCES", "args": [{"index": 0, "op": "eq", "value": "AF_NETLINK"}]},
                          {"syscall": "uname", "action": "log"}]}
json.dump(p, open(sys.argv[1], "w"))' "$WORK/p.json"
out=$(al --profile "$WORK/p.json" --report "$WORK/p.r.json" -- python3 -c '
import socket, os
try: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)
except OSError as e: print("netlink", e.errno)
socket.socket(socket.AF_UNIX); print("unix ok", os.uname().sysname)' 2>&1)
[[ "$out" == *"netlink 13"* && "$out" == *"unix ok Linux"* ]] || { echo "profile rules: $out"; exit 1; }
python3 -c 'import json,sys; v={x["syscall"]: x["action"] for x in json.load(open(sys.argv[1]))["violations"]}; assert v.get("socket")=="errno" and v.get("uname")=="log", v' "$WORK/p.r.json" || exit 1
echo "violations ok"
