# defence: cgroup
# A bounded fork bomb (at most 200 sleeping children) against --pids 16: fork
# must fail well before 200 and the status be "pids". As uid 65534 (no
# cgroup) the degraded RLIMIT_NPROC must stop it the same way.
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --pids 16 --report "$rep" -- python3 -c '
import os, sys, time
n, err = 0, None
for i in range(200):
    try:
        pid = os.fork()
    except OSError as e:
        err = e
        break
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    n += 1
print("forked", n, err, flush=True)
sys.exit(1 if err else 0)
' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status) cg=$(report_field "$rep" cgroup)
n=$(sed -n 's/^forked \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$n" ] || broken "no count: $out"
[ "$n" -ge 16 ] && escaped "forked $n children under --pids 16 (status $status)"
if [ "$cg" = none ]; then
	[ "$(id -u)" = 0 ] && escaped "root run without a cgroup (status $status)"
	contained "degraded (RLIMIT_NPROC): forked $n, status $status"
fi
[ "$status" = pids ] || escaped "fork failed after $n but status is '$status', not pids"
contained "forked $n, status pids"
