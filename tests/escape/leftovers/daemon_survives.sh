# defence: pidns,cgroup
# A daemon (own session, parent gone) must not outlive the sandbox: it starts,
# the command exits, and 2 s later it would write a marker into a writable
# bind. After airlock returns, nothing of it may run and no marker may come.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
mark=airlock-daemon-$$-$RANDOM
mkdir -m 1777 "$WORK/out"
cleanup() { for p in $(marker_pids "$mark"); do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
# The daemon is bounded: it writes the marker after 2 s and ends by itself.
al --rw "$WORK/out:/out" -- sh -c '
	setsid sh -c "echo \$\$ >/out/started; sleep 2; echo alive >/out/marker" "$0" &
	i=0; while [ ! -s /out/started ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done' "$mark" \
	>"$WORK/log" 2>&1
[ -s "$WORK/out/started" ] || broken "the daemon never started: $(cat "$WORK/log")"
left=$(marker_pids "$mark" | tr "\n" " ")
sleep 3
[ -e "$WORK/out/marker" ] && escaped "the daemon outlived the sandbox and wrote its marker"
[ -n "$left" ] && escaped "daemon process(es) $left still running after airlock returned"
contained "daemon gone with the sandbox"
