# defence: cpu-time
# unprivileged: no
# (a whole-tree CPU budget needs the cgroup's CPU accounting; degraded RLIMIT_CPU is per process)
# Four processes of 0.9 s of CPU each stay under the per-process RLIMIT_CPU
# backstop (2 s) but not under the tree's --cpu-time 1: the supervisor must
# count them together and end the run with status "cpu_limit".
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --cpu-time 1 --report "$rep" -- python3 -c '
import os, time
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        while time.process_time() < 0.9:
            pass
        print("burnt", i, flush=True)
        os._exit(0)
    kids.append(pid)
for p in kids:
    os.waitpid(p, 0)
print("finished", flush=True)
' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status) cpu=$(report_field "$rep" cpu_ms)
[[ "$out" == *finished* ]] && escaped "4 x 0.9 s of CPU under --cpu-time 1 (status $status, cpu_ms $cpu)"
[ "$status" = cpu_limit ] || escaped "status is '$status', not cpu_limit: $out"
contained "$(grep -c burnt <<<"$out") of 4 finished, status cpu_limit, cpu_ms $cpu"
