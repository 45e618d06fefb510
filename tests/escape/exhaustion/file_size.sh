# defence: rlimits
# Writing a 4M file under --file-size 1M must stop at 1M (SIGXFSZ kills the
# writer; with SIGXFSZ ignored the write fails with EFBIG).
. "$REPO/tests/escape/lib.sh"
out=$(al --profile python --file-size 1M -- sh -c '
	head -c 4M /dev/zero >big; echo "rc=$?"; echo "size=$(wc -c <big)"
	python3 -c "
import signal, os, errno
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
fd = os.open(\"big2\", os.O_WRONLY | os.O_CREAT, 0o644)
try:
    for i in range(4):
        os.write(fd, bytes(1 << 20))
    print(\"ignored: wrote 4M\")
except OSError as e:
    print(\"ignored:\", errno.errorcode[e.errno])
print(\"size2=%d\" % os.fstat(fd).st_size)
"' 2>&1)
size=$(sed -n 's/^size=//p' <<<"$out") size2=$(sed -n 's/^size2=//p' <<<"$out")
[ -n "$size" ] && [ -n "$size2" ] || broken "no sizes: $out"
[ "$size" -gt $((1 << 20)) ] && escaped "wrote $size bytes under --file-size 1M"
[ "$size2" -gt $((1 << 20)) ] && escaped "with SIGXFSZ ignored, wrote $size2 bytes under --file-size 1M"
[[ "$out" == *"rc=153"* ]] || escaped "writer not killed by SIGXFSZ: $out"
[[ "$out" == *"ignored: EFBIG"* ]] || escaped "no EFBIG with SIGXFSZ ignored: $out"
contained "SIGXFSZ at $size, EFBIG at $size2"
