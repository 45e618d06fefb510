# defence: seccomp
# io_uring_setup, io_uring_enter and io_uring_register fail with EPERM.
# Without the filter anyone gets a ring and submits operations the filter
# cannot see.
. "$REPO/tests/escape/lib.sh"
build_c io_uring
out=$(al --ro "$WORK:$WORK" -- "$WORK/io_uring" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "io_uring_setup, io_uring_enter, io_uring_register: EPERM"
