# defence: pidns,cgroup
# Nothing left behind by a run the wall clock ended: the command and a
# background process it started are still running when --time 1 fires; when
# airlock returns none of them may run and no cgroup of this supervisor
# may remain.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
mark=airlock-timeout-$$-$RANDOM
mkdir -m 1777 "$WORK/out"
cleanup() { for p in $(marker_pids "$mark"); do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
# Both shells carry the marker and are bounded (3 s, 5 s); their sleeps are 0.1 s.
al_bg --time 1 --rw "$WORK/out:/out" --report "$WORK/report.json" -- sh -c '
	sh -c "echo \$\$ >/out/started; i=0; while [ \$i -lt 30 ]; do sleep 0.1; i=\$((i + 1)); done" "$0" &
	i=0; while [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done' "$mark" \
	>"$WORK/log" 2>&1
sup=$!
wait "$sup"
[ -s "$WORK/out/started" ] || broken "the background process never started: $(cat "$WORK/log")"
left=$(marker_pids "$mark" | tr "\n" " ")
status=$(report_field "$WORK/report.json" status)
[ -n "$left" ] && escaped "process(es) $left of the sandbox still run after the timeout (status $status)"
cgs=$(supervisor_cgroups "$sup" | tr "\n" " ")
[ -n "$cgs" ] && escaped "cgroup(s) left: $cgs"
[ "$status" = timeout ] || escaped "status is '$status', not timeout"
contained "status timeout, no process or cgroup left"
