# defence: seccomp
# userfaultfd fails with EPERM. Without the filter, user-mode-only
# userfaultfd needs no privilege and the attacker gets to serve page faults.
. "$REPO/tests/escape/lib.sh"
build_c userfaultfd
out=$(al --ro "$WORK:$WORK" -- "$WORK/userfaultfd" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "userfaultfd: EPERM"
