# defence: seccomp,caps
# Mounting, unmounting, chroot and pivot_root fail with EPERM. Without the
# filter the calls whose arguments the kernel rejects otherwise reach it
# (ENOENT, EBADF...), and with capabilities kept too a tmpfs really mounts.
. "$REPO/tests/escape/lib.sh"
build_c mount
out=$(al --ro "$WORK:$WORK" -- "$WORK/mount" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "mount, new mount API, umount2, chroot, pivot_root: EPERM"
