# defence: seccomp
# A system call through the i386 ABI (int $0x80) kills the process with
# SIGSYS, whatever its number: the filter only knows the native table. The
# attack is i386 unshare(CLONE_NEWUSER), which the native table denies.
. "$REPO/tests/escape/lib.sh"
build_c ia32
"$WORK/ia32" probe 2>/dev/null ||
	not_applicable "this kernel has no i386 entry (int \$0x80 faults outside any sandbox); the filter's architecture check is proved by interpretation in tests/unit/test_seccomp.c"
out=$(al --report "$WORK/report.json" --ro "$WORK:$WORK" -- "$WORK/ia32" 2>&1)
rc=$?
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *"calling i386"* ]] || broken "attack did not start"
sig=$(report_field "$WORK/report.json" signal)
[ "$rc" = 159 ] && [ "$sig" = 31 ] || broken "not killed by SIGSYS: exit $rc, signal $sig"
contained "killed by SIGSYS at the first i386 system call"
