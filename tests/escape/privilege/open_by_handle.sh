# defence: seccomp
# The "shocker" escape: open_by_handle_at opens any inode of a bound file
# system, outside the bind. Both it and name_to_handle_at fail with EPERM.
# Without the filter name_to_handle_at reaches the kernel and hands out the
# handle of a host file (the kernel itself refuses the forged open).
. "$REPO/tests/escape/lib.sh"
build_c open_by_handle
out=$(al --ro "$WORK:$WORK" -- "$WORK/open_by_handle" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "name_to_handle_at, open_by_handle_at: EPERM"
