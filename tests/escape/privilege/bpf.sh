# defence: seccomp
# bpf(2) fails with EPERM. The kernel already refuses unprivileged program
# loads here, so the control shows calls the kernel would answer otherwise
# (unknown command: EINVAL; missing pinned object: ENOENT) reaching it.
. "$REPO/tests/escape/lib.sh"
build_c bpf
out=$(al --ro "$WORK:$WORK" -- "$WORK/bpf" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "bpf: EPERM"
