# defence: deathsig
# The sandbox dies with its supervisor: SIGKILL the airlock process while the
# command sleeps; within a few seconds no process of the sandbox may remain.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
mark=airlock-orphan-$$-$RANDOM
al_bg -- sh -c 'sleep 60; :' "$mark" >"$WORK/log" 2>&1
sup=$!
desc=
cleanup() {
	kill -9 "$sup" 2>/dev/null
	kill_listed $desc $(descendants "$sup")
	for p in $(marker_pids "$mark"); do kill -9 "$p" 2>/dev/null; done
	wait "$sup" 2>/dev/null
	remove_supervisor_cgroups "$sup"
}
trap cleanup EXIT
# Wait (bounded) for the sandbox's init, the shell, and its sleep.
for i in $(seq 50); do
	desc=$(descendants "$sup")
	[ "$(wc -w <<<"$desc")" -ge 3 ] && break
	sleep 0.1
done
[ "$(wc -w <<<"$desc")" -ge 3 ] || broken "the sandbox did not start: $(cat "$WORK/log")"
kill -9 "$sup"
wait "$sup" 2>/dev/null
if ! wait_gone 3 $desc; then
	escaped "sandbox processes $(still_alive $desc | tr '\n' ' ')survive their killed supervisor"
fi
contained "all $(wc -w <<<"$desc") sandbox processes gone with the supervisor"
