# defence: pidns,cgroup
# Nothing left behind by a normal run: when airlock returns, no process of
# the sandbox (not even a background one it started) runs, no cgroup of this
# supervisor remains, and no /tmp entry was made.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/leftovers/procs.bash"
mark=airlock-left-$$-$RANDOM
mkdir -m 1777 "$WORK/out"
cleanup() { for p in $(marker_pids "$mark"); do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
tmp_before=$(ls -A /tmp)
# A background process (bounded: 3 s), left running when the command exits.
al_bg --rw "$WORK/out:/out" --report "$WORK/report.json" -- sh -c '
	sh -c "echo \$\$ >/out/started; i=0; while [ \$i -lt 30 ]; do sleep 0.1; i=\$((i + 1)); done" "$0" &
	i=0; while [ ! -s /out/started ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done' "$mark" \
	>"$WORK/log" 2>&1
sup=$!
wait "$sup"
[ -s "$WORK/out/started" ] || broken "the background process never started: $(cat "$WORK/log")"
left=$(marker_pids "$mark" | tr "\n" " ")
[ -n "$left" ] && escaped "process(es) $left of the sandbox still run after airlock returned"
cgs=$(supervisor_cgroups "$sup" | tr "\n" " ")
[ -n "$cgs" ] && escaped "cgroup(s) left: $cgs"
host_uid=$(report_field "$WORK/report.json" host_uid)
new=$(comm -13 <(sort <<<"$tmp_before") <(ls -A /tmp | sort) | grep -v -e '^airlock-case\.' -e '^airlock-suite\.' |
	while read -r e; do
		[[ "$e" == *airlock* ]] || [ "$(stat -c %u "/tmp/$e" 2>/dev/null)" = "$host_uid" ] && echo "$e"
	done)
[ -n "$new" ] && escaped "new /tmp entries: $new"
contained "no process, cgroup or /tmp entry left"
