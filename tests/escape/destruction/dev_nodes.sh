# defence: dev
# /dev holds only null, zero, full, random and urandom (and links into
# /proc/self/fd); it is mounted read-only, device nodes cannot be made
# anywhere, and no host device beyond those five can be opened. The attack
# opens /dev/ptmx, the one other host device any uid may open (it only
# allocates a pseudo-terminal), and lists what else is there. Nothing is
# written to /dev: with the defence off that would be the host's.
. "$REPO/tests/escape/lib.sh"
out=$(al -- sh -c '
	ls -A /dev | tr "\n" " "; echo
	while read -r _ _ _ _ mp opts _; do
		[ "$mp" = /dev ] && echo "/dev mount options: $opts"
	done </proc/self/mountinfo
	mknod /dev/mem2 c 1 1 && echo "mknod in /dev"
	mknod /tmp/null2 c 1 3 && echo "mknod in /tmp"
	mknod /work/null2 c 1 3 && echo "mknod in /work"
	(exec 3<>/dev/ptmx) && echo "OPENED host /dev/ptmx"
	for n in null zero full random urandom; do [ -c /dev/$n ] || echo "MISSING /dev/$n"; done' 2>&1)
echo "$out"
[[ "$out" == *OPENED* ]] && escaped "opened the host's /dev/ptmx: $(head -1 <<<"$out" | cut -c1-150)"
grep -q "^mknod in" <<<"$out" && escaped "$(grep -m1 "^mknod in" <<<"$out")"
grep -q "^/dev mount options: ro," <<<"$out" || escaped "/dev is not read-only: $(grep -m1 "^/dev mount" <<<"$out")"
[[ "$out" == *MISSING* ]] && broken "$(grep -m1 MISSING <<<"$out")"
extra=$(head -1 <<<"$out" | tr ' ' '\n' | grep -vxE 'null|zero|full|random|urandom|fd|stdin|stdout|stderr|' | tr '\n' ' ')
[ -n "$extra" ] && escaped "unexpected entries in /dev: $extra"
[ "$(grep -c "Operation not permitted" <<<"$out")" -ge 2 ] || broken "mknod did not fail with EPERM"
contained "only the five safe nodes; mknod EPERM; /dev read-only"
