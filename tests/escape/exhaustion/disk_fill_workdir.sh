# defence: tmpfs-size
# Filling the workdir (a tmpfs) with 8M under --tmpfs-size 1M must fail with ENOSPC
# and leave at most 1M written. (The control's tmpfs is unsized, half of RAM:
# the 8M must then fit.)
. "$REPO/tests/escape/lib.sh"
out=$(al --tmpfs-size 1M -- sh -c 'head -c 8M /dev/zero >fill; echo "rc=$?"; echo "size=$(wc -c <fill)"' 2>&1)
size=$(sed -n 's/^size=//p' <<<"$out")
[ -n "$size" ] || broken "no size: $out"
[ "$size" -gt $((1024 * 1024)) ] && escaped "wrote $size bytes to fill under --tmpfs-size 1M"
[[ "$out" == *"No space left on device"* ]] || escaped "write stopped at $size without ENOSPC: $out"
contained "ENOSPC at $size bytes"
