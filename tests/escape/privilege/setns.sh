# defence: seccomp,userns-sysctl
# setns fails with EPERM. Without the filter a process joins a user
# namespace made by its child, and owns it: every capability inside.
. "$REPO/tests/escape/lib.sh"
build_c setns
out=$(al --ro "$WORK:$WORK" -- "$WORK/setns" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "setns: EPERM"
