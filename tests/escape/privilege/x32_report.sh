# defence: seccomp
# A foreign-ABI call must never run and must be reported: status
# "violation" and an "x32:" entry, even when a shell reaps the caller.
. "$REPO/tests/escape/lib.sh"
build_c x32_report
rep=$WORK/report.json
out=$(al --ro "$WORK/x32_report:/x32" --report "$rep" -- sh -c '/x32; echo after' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status)
grep -q '"syscall": "x32:39"' "$rep" || escaped "not reported (status $status): $out"
[ "$status" = violation ] || escaped "reported but status $status"
[[ "$out" == *"x32 call returned"* ]] && escaped "the call returned: $out"
contained "status violation, x32:39 reported"
