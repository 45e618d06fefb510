# defence: cgroup
# unprivileged: no
# (no cgroup, no CPU weight without root: the report's degraded field says so)
# Not an attack, a check: while a sandbox with --cpu-weight 50 runs, its
# cgroup under the caller's own one carries the weight: cpu.shares 512 on v1
# (weight * 1024 / 100), cpu.weight 50 on v2.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
al_bg --cpu-weight 50 -- sleep 10 >"$WORK/log" 2>&1
sup=$!
cleanup() {
	kill -TERM "$sup" 2>/dev/null
	for i in $(seq 30); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$sup" 2>/dev/null
	wait "$sup" 2>/dev/null
	remove_supervisor_cgroups "$sup"
}
trap cleanup EXIT
# Wait (bounded) until the sandbox is in its cgroups: the limits are written
# before it enters them.
found=
for i in $(seq 50); do
	for c in $(supervisor_cgroups "$sup"); do
		[ -n "$(cat "$c/cgroup.procs" 2>/dev/null)" ] || continue
		if [ -f "$c/cpu.shares" ]; then found="cpu.shares $(cat "$c/cpu.shares") 512"
		elif [ -f "$c/cpu.weight" ]; then found="cpu.weight $(cat "$c/cpu.weight") 50"
		fi
	done
	[ -n "$found" ] && break
	kill -0 "$sup" 2>/dev/null || break
	sleep 0.1
done
[ -n "$found" ] || escaped "no cpu.shares or cpu.weight in a cgroup of the sandbox: $(cat "$WORK/log")"
set -- $found
[ "$2" = "$3" ] || escaped "$1 is $2, not $3, for --cpu-weight 50"
contained "$1 $2"
