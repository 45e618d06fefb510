# defence: seccomp,userns-sysctl
# clone(2) with any namespace flag fails with EPERM (the filter reads the
# flags argument), while a plain fork still works. Without the filter
# CLONE_NEWUSER makes a child in a new user namespace.
. "$REPO/tests/escape/lib.sh"
build_c clone_ns
out=$(al --ro "$WORK:$WORK" -- "$WORK/clone_ns" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "clone with any namespace flag: EPERM; plain clone works"
