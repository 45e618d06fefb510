# defence: seccomp,caps
# A read-only bind cannot be remounted read-write: mount(8) with
# remount,bind,rw and the raw mount_setattr both fail. The bind's
# read-only flag is not locked (airlock sets it inside the sandbox's own
# namespaces), so it is the filter and the dropped capabilities that hold:
# with both off the remount works and the host directory is written.
. "$REPO/tests/escape/lib.sh"
d=$WORK/data
mkdir "$d" && echo original >"$d/file" && chmod 777 "$d" && chmod 666 "$d/file"
out=$(al --profile python --ro "$d:$d" -- sh -c '
	mount -o remount,bind,rw "$1" && echo "remounted read-write"
	python3 -c "
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
# struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)  # clear MOUNT_ATTR_RDONLY
r = libc.syscall(442, -100, sys.argv[1].encode(), 0, attr, 32)  # mount_setattr
print(\"mount_setattr:\", \"cleared read-only\" if r == 0 else os.strerror(ctypes.get_errno()))
" "$1"
	grep " $1 " /proc/self/mountinfo
	echo pwned >"$1/file" && echo "wrote the bind"' sh "$d" 2>&1)
echo "$out"
[ "$(cat "$d/file")" = original ] || escaped "remounted and wrote the host file: $(cat "$d/file")"
grep -q "mount_setattr: Operation not permitted" <<<"$out" || broken "mount_setattr did not fail with EPERM"
grep -q "^mount: .*permission denied" <<<"$out" || broken "mount(8) did not fail"
contained "remount read-write: EPERM"
