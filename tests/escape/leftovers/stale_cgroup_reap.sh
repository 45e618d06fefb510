# defence: cgroup
# unprivileged: no
# (there is no cgroup to leave behind without root)
# A supervisor killed with SIGKILL cannot remove its cgroups; the next run
# must reap them (empty airlock-PID-SEQ-PIDNS cgroups of our pid namespace whose PID is gone). The first,
# killed, run always has its defences on; only the reaping run is the control.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
disable=${AIRLOCK_TEST_DISABLE-}
unset AIRLOCK_TEST_DISABLE
al_bg -- sleep 10 >"$WORK/log" 2>&1
sup=$!
desc=
cleanup() {
	kill -9 "$sup" 2>/dev/null
	kill_listed $desc
	wait "$sup" 2>/dev/null
	remove_supervisor_cgroups "$sup"
}
trap cleanup EXIT
for i in $(seq 50); do
	desc=$(descendants "$sup")
	[ "$(wc -w <<<"$desc")" -ge 2 ] && [ -n "$(supervisor_cgroups "$sup")" ] && break
	sleep 0.1
done
[ "$(wc -w <<<"$desc")" -ge 2 ] || broken "the sandbox did not start: $(cat "$WORK/log")"
kill -9 "$sup"
wait "$sup" 2>/dev/null
wait_gone 3 $desc || broken "the sandbox outlived its supervisor (see supervisor_killed)"
stale=$(supervisor_cgroups "$sup")
[ -n "$stale" ] || broken "the killed supervisor left no cgroup: nothing to reap"
[ -n "$disable" ] && export AIRLOCK_TEST_DISABLE=$disable
al -- true >"$WORK/log2" 2>&1 || broken "second run failed: $(cat "$WORK/log2")"
left=$(supervisor_cgroups "$sup" | tr "\n" " ")
[ -n "$left" ] && escaped "stale cgroup(s) not reaped by the next run: $left"
contained "the next run reaped $(wc -w <<<"$stale") stale cgroup(s)"
