# defence: dev
# The sandbox's /dev holds null, zero, full, random, urandom and the fd
# links only: none of the host's disks, consoles, kernel log or ptys.
. "$REPO/tests/escape/lib.sh"
out=$(al -- ls -A /dev 2>"$WORK/err") || broken "ls /dev failed: $out $(cat "$WORK/err")"
extra=$(echo "$out" | grep -vxE 'null|zero|full|random|urandom|fd|stdin|stdout|stderr')
[ -n "$extra" ] && escaped "host devices inside: $(echo "$extra" | head -8 | tr '\n' ' ')"
[[ "$out" == *null* ]] || broken "no /dev/null inside: $out"
contained "$(echo "$out" | tr '\n' ' ')"
