# defence: mount,landlock
# /sys is not in the sandbox: no view of the host's cgroup file system, and
# no way to write to it (raise a memory limit, move a process out of its
# cgroup). As root, the case makes a scratch cgroup of its own, under its own
# cgroup, and hands its limit file to the sandbox's host uid, as a delegated
# cgroup would be; the sandbox tries to raise that limit. Nothing else of the
# host's cgroups is ever written: the attack only reads them. (Landlock
# would stop the reads and the write, but it lets directories be listed: the
# listing is hidden by the mount namespace alone.)
. "$REPO/tests/escape/lib.sh"
range=() target=
if [ "$(id -u)" = 0 ]; then
	uid=$((2100000000 + RANDOM))
	range=(--uid-range "$uid:1")
	own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
	if [ -n "$own" ] && [ -d "/sys/fs/cgroup/memory$own" ]; then
		scratch=/sys/fs/cgroup/memory${own%/}/airlock-scratch-$$
		file=memory.limit_in_bytes value=$((64 << 20))
	elif grep -q '^0::' /proc/self/cgroup && [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		scratch=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup | sed 's|/$||')/airlock-scratch-$$
		file=cgroup.max.descendants value=3
	fi
	if [ -n "${scratch:-}" ] && mkdir "$scratch" 2>/dev/null; then
		trap 'rmdir "$scratch"' EXIT
		echo "$value" >"$scratch/$file" && chown "$uid:$uid" "$scratch" "$scratch/$file" &&
			target=$scratch/$file || broken "cannot set up the scratch cgroup $scratch"
		before=$(cat "$target")
	fi
fi
out=$(al "${range[@]}" -- sh -c '
	ls -d /sys /sys/fs/cgroup 2>&1
	l=$(ls /sys/fs/cgroup 2>/dev/null) && echo "listed /sys/fs/cgroup:" $l
	for f in /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/memory/memory.limit_in_bytes \
		/sys/fs/cgroup/unified/cgroup.controllers /sys/fs/cgroup/pids/pids.max; do
		v=$(cat "$f" 2>/dev/null) && echo "read $f: $v"
	done
	if [ -n "$1" ]; then
		echo 1073741824 >"$1" && echo "wrote $1"
	fi
	true' sh "$target" 2>&1)
echo "$out"
if [ -n "$target" ]; then
	after=$(cat "$target")
	[ "$before" = "$after" ] && [[ "$out" != *"wrote $target"* ]] ||
		escaped "raised $target from $before to $after from inside"
fi
[[ "$out" == *"listed /sys/fs/cgroup"* || "$out" == *"read /sys/"* ]] &&
	escaped "the host's cgroup file system is visible: $(grep -m1 -e '^listed' -e '^read' <<<"$out")"
[[ "$out" == *"/sys"*"No such file or directory"* ]] || broken "no sign of the attempt: $out"
contained "$(grep -m1 '/sys' <<<"$out")${target:+; $(grep -m1 "$target" <<<"$out")}"
