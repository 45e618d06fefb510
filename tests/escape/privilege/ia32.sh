# defence: seccomp,userns-sysctl
# A system call through the i386 ABI (int $0x80) never runs, whatever its
# number (the filter only knows the native table): the supervisor ends the
# sandbox with status "violation" and the call in the report. The attack is
# i386 unshare(CLONE_NEWUSER) (310), which the native table denies.
. "$REPO/tests/escape/lib.sh"
build_c ia32
"$WORK/ia32" probe 2>/dev/null ||
	not_applicable "this kernel has no i386 entry (int \$0x80 faults outside any sandbox); the filter's architecture check is proved by interpretation in tests/unit/test_seccomp.c"
out=$(al --report "$WORK/report.json" --ro "$WORK:$WORK" -- "$WORK/ia32" 2>&1)
rc=$?
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *"calling i386"* ]] || broken "attack did not start"
status=$(report_field "$WORK/report.json" status)
grep -q '"syscall": "i386:310"' "$WORK/report.json" || broken "not reported (exit $rc, status $status)"
[ "$status" = violation ] && [ "$rc" = 137 ] || broken "not ended for it: exit $rc, status $status"
contained "ended at the first i386 system call, reported as i386:310"
