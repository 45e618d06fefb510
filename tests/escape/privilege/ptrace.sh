# defence: seccomp
# ptrace and process_vm_readv/writev, even against the sandbox's own
# processes, fail with EPERM: no debugging, no reading or writing another
# process's memory.
. "$REPO/tests/escape/lib.sh"
build_c ptrace
out=$(al --ro "$WORK:$WORK" -- "$WORK/ptrace" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "ptrace, PTRACE_TRACEME, process_vm_readv/writev: EPERM"
