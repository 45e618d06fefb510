# defence: cgroup
# unprivileged: no
# (a tree-wide memory limit needs a cgroup; the degraded RLIMIT_AS is per process)
# Four processes of 40M each stay under a per-process limit but not under a
# tree-wide --memory 64M: the cgroup must count them together.
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --memory 64M --report "$rep" -- python3 -c '
import os, time, sys
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        b = bytearray(40 << 20)
        print("allocated", i, flush=True)
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
ok = sum(os.waitpid(p, 0)[1] == 0 for p in kids)
print("held", ok, flush=True)
' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status)
# Each child holds its 40M for a second: all four living through it (exit
# 0) means they held them at once. Counting "allocated" lines would not:
# on a slow machine the OOM killer may take each child after it printed,
# while the next one allocates.
n=$(grep -c '^allocated' <<<"$out")
held=$(sed -n 's/^held //p' <<<"$out")
[ "${held:-0}" -ge 4 ] && escaped "4 x 40M held at once under --memory 64M (status $status)"
[ "$status" = memory ] || escaped "status is '$status', not memory ($n of 4 allocated, ${held:-no} held): $out"
contained "$n of 4 allocated, ${held:-none} held to the end, status memory"
