# defence: cpu-time,rlimits
# A busy loop that would stop by itself after 3 s of CPU, under --cpu-time 1:
# it must be killed first, with status "cpu_limit". (The control turns off
# both the supervisor's CPU clock and its RLIMIT_CPU backstop.) As uid 65534
# only the per-process RLIMIT_CPU backstop exists; it must stop it too.
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --cpu-time 1 --report "$rep" -- python3 -c '
import time
while time.process_time() < 3:
    pass
print("finished", flush=True)
' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status)
[[ "$out" == *finished* ]] && escaped "3 s of CPU under --cpu-time 1 (status $status, cpu_ms $(report_field "$rep" cpu_ms))"
[ "$status" = cpu_limit ] || escaped "loop stopped but status is '$status', not cpu_limit: $out"
contained "status cpu_limit, cpu_ms $(report_field "$rep" cpu_ms)"
