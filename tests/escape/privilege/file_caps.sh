# defence: setid,caps
# File capabilities are the other way a file outlives the sandbox with
# power: security.capability set through a writable bind. The kernel refuses
# it (no CAP_SETFCAP) and the supervisor reports the attempt; with both off,
# the attribute lands on the host file.
. "$REPO/tests/escape/lib.sh"
out=$WORK/out
mkdir -p "$out" && chmod 777 "$out"
rep=$WORK/report.json
al --profile python --rw "$out:/out" --report "$rep" -- python3 -c '
import os
open("/out/tool", "w").close()
cap = bytes([0, 0, 0, 2]) + (1 << 13).to_bytes(4, "little") + bytes(12)  # v2: cap_net_raw permitted
try:
    os.setxattr("/out/tool", "security.capability", cap)
    print("set")
except OSError as e:
    print("refused", e)
' >"$WORK/log" 2>&1
[ -f "$rep" ] || broken "no report: $(cat "$WORK/log")"
if python3 -c 'import os,sys; os.getxattr(sys.argv[1], "security.capability")' "$out/tool" 2>/dev/null; then
	escaped "security.capability on the host file ($(cat "$WORK/log"))"
fi
grep -q refused "$WORK/log" || broken "$(cat "$WORK/log")"
grep -q '"syscall": "setxattr"' "$rep" || escaped "refused but not reported"
contained "$(cat "$WORK/log"), reported"
