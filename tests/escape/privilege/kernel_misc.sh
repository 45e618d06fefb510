# defence: seccomp
# The rest of the deny-list that can be told apart safely: time setting and
# reading, fanotify, I/O port access, quotas and retired calls fail with
# EPERM. Without the filter they reach the kernel, which answers otherwise
# (read-only queries and no-op calls succeed; invalid arguments: EINVAL...).
. "$REPO/tests/escape/lib.sh"
build_c kernel_misc
out=$(al --ro "$WORK:$WORK" -- "$WORK/kernel_misc" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "clock, fanotify, iopl, ioperm, quotactl, uselib, nfsservctl, lookup_dcookie: EPERM"
