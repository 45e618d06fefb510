# defence: seccomp,userns-sysctl
# unshare(2) of any namespace fails with EPERM. The kernel lets anyone make a
# user namespace, with every capability inside it; the filter is what stops
# it (capabilities are dropped, but a new user namespace gives them back).
. "$REPO/tests/escape/lib.sh"
build_c unshare
out=$(al --ro "$WORK:$WORK" -- "$WORK/unshare" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "unshare of every namespace: EPERM"
