# defence: sc-memfd-secret
# memfd_secret: memory removed from the kernel's direct map, hidden even
# from the supervisor's view of the sandbox; nothing a sandbox needs.
. "$REPO/tests/escape/lib.sh"
out=$(al --profile python -- python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(447, 0)
print("fd" if r >= 0 else os.strerror(ctypes.get_errno()))' 2>"$WORK/err")
case "$out" in
fd) escaped "memfd_secret gave an fd" ;;
"Function not implemented") not_applicable "this kernel has no memfd_secret" ;;
"Operation not permitted") contained "memfd_secret refused" ;;
*) broken "$out $(cat "$WORK/err")" ;;
esac
