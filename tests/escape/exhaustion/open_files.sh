# defence: rlimits
# Opening 100 files under --open-files 32 must fail with EMFILE before 32.
. "$REPO/tests/escape/lib.sh"
out=$(al --profile python --open-files 32 -- python3 -c '
import os, errno
fds, err = [], None
try:
    for i in range(100):
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    err = errno.errorcode.get(e.errno, e.errno)
print("opened", len(fds), err, flush=True)
' 2>&1)
n=$(sed -n 's/^opened \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$n" ] || broken "no count: $out"
[ "$n" -ge 32 ] && escaped "opened $n files under --open-files 32"
[[ "$out" == *EMFILE* ]] || escaped "stopped at $n without EMFILE: $out"
contained "EMFILE after $n (+3 stdio)"
