# defence: cgroup
# Threads count as pids: starting up to 200 threads against --pids 16 must
# fail well before 200, with status "pids" (as uid 65534, without a cgroup,
# RLIMIT_NPROC counts threads too).
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --pids 16 --report "$rep" -- python3 -c '
import threading, sys
ev = threading.Event()
n, err = 0, None
for i in range(200):
    t = threading.Thread(target=ev.wait, args=(5,), daemon=True)
    try:
        t.start()
    except RuntimeError as e:
        err = e
        break
    n += 1
print("threads", n, err, flush=True)
ev.set()
sys.exit(1 if err else 0)
' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status) cg=$(report_field "$rep" cgroup)
n=$(sed -n 's/^threads \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$n" ] || broken "no count: $out"
[ "$n" -ge 16 ] && escaped "started $n threads under --pids 16 (status $status)"
if [ "$cg" = none ]; then
	[ "$(id -u)" = 0 ] && escaped "root run without a cgroup (status $status)"
	contained "degraded (RLIMIT_NPROC): $n threads, status $status"
fi
[ "$status" = pids ] || escaped "thread creation failed after $n but status is '$status', not pids"
contained "$n threads, status pids"
