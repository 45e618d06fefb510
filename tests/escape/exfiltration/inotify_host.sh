# defence: sc-inotify
# inotify on a read-only bind shows what the host opens and runs there
# (other users' commands in /usr/bin): the sandbox watches a bound host
# directory while the host opens a file in it.
. "$REPO/tests/escape/lib.sh"
dir=$WORK/watched
mkdir -p "$dir" && echo secret-name >"$dir/ledger.txt" && chmod -R a+rX "$dir"
( sleep 1.5; cat "$dir/ledger.txt" >/dev/null; sleep 0.5; cat "$dir/ledger.txt" >/dev/null ) &
out=$(al --profile python --ro "$dir:/watched" -- python3 -c '
import ctypes, os, select, struct
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
if fd < 0:
    print("inotify:", os.strerror(ctypes.get_errno())); raise SystemExit
libc.inotify_add_watch(fd, b"/watched", 0x20)  # IN_OPEN
r, _, _ = select.select([fd], [], [], 5)
if r:
    data = os.read(fd, 4096)
    print("seen", data[16:].rstrip(b"\0").decode())
else:
    print("nothing seen")' 2>"$WORK/err")
wait
case "$out" in
"seen "*) escaped "the host's open was seen: $out" ;;
"inotify: Operation not permitted") contained "inotify refused" ;;
*) broken "$out $(cat "$WORK/err")" ;;
esac
