# defence: seccomp
# clone3 fails with ENOSYS (its flags are out of the filter's reach), so
# it cannot make namespaces; libc falls back to clone for threads. Without
# the filter clone3(CLONE_NEWUSER) makes a child in a new user namespace.
. "$REPO/tests/escape/lib.sh"
build_c clone3
out=$(al --ro "$WORK:$WORK" -- "$WORK/clone3" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "clone3: ENOSYS; threads work"
