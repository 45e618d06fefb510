# defence: notify-budget
# The supervisor answers each denied call (seccomp user notification) with
# its own CPU, outside the sandbox's cgroup and --cpu-time: two threads
# calling ptrace in a loop made it burn as much CPU as the sandbox. For 3 s
# of flood, the supervisor's CPU (utime + stime of the airlock process,
# from /proc, sampled until it exits) must stay within its budget for
# denied calls (5% of a CPU and a 25 ms burst) plus its own start and end:
# at most 15% of the run's wall time and 0.2 s.
. "$REPO/tests/escape/lib.sh"
gcc -O1 -static -pthread -o "$WORK/denied_flood" "$CASE_DIR/denied_flood.c" 2>"$WORK/cc.log" || broken "cannot compile: $(cat "$WORK/cc.log")"
chmod 755 "$WORK/denied_flood"
(al --ro "$WORK:$WORK" --report "$WORK/r.json" -- "$WORK/denied_flood" 3 2 >"$WORK/out" 2>&1) &
pid=$!
hz=$(getconf CLK_TCK) ticks=0
while t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null); do
	ticks=$t
	sleep 0.05
done
wait $pid
[ -f "$WORK/r.json" ] || broken "no report: $(cat "$WORK/out")"
calls=$(sed -n 's/^calls //p' "$WORK/out")
[ -n "$calls" ] || broken "no count: $(cat "$WORK/out")"
wall=$(report_field "$WORK/r.json" wall_ms) sand=$(report_field "$WORK/r.json" cpu_ms)
sup_ms=$((ticks * 1000 / hz))
said=$(report_field "$WORK/r.json" supervisor_cpu_ms)
msg="supervisor ${sup_ms} ms of CPU (${said} ms reported for denied calls), sandbox ${sand%.*} ms, wall ${wall%.*} ms, $calls denied calls"
python3 -c 'import sys; s, w = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if s <= 0.15 * w + 200 else 1)' "$sup_ms" "$wall" ||
	escaped "$msg"
contained "$msg"
