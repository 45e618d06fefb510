# defence: rlimits
# The limits are set soft = hard and the command has no CAP_SYS_RESOURCE: it
# must not raise any of them back (setrlimit on soft, hard, or both). As uid
# 65534 the degraded RLIMIT_AS and RLIMIT_NPROC must hold as well.
. "$REPO/tests/escape/lib.sh"
out=$(al --profile python --open-files 32 --file-size 1M --cpu-time 5 --memory 256M --pids 32 -- python3 -c '
import resource as r
U = r.RLIM_INFINITY
want = {"NOFILE": (r.RLIMIT_NOFILE, 4096), "FSIZE": (r.RLIMIT_FSIZE, 64 << 20),
        "CORE": (r.RLIMIT_CORE, 1 << 20), "CPU": (r.RLIMIT_CPU, 3600),
        "AS": (r.RLIMIT_AS, 1 << 40), "NPROC": (r.RLIMIT_NPROC, 1 << 20)}
degraded = {"AS": 256 << 20, "NPROC": 32}
raised = []
for name, (res, v) in want.items():
    before = r.getrlimit(res)
    # RLIMIT_AS and RLIMIT_NPROC are only set without a cgroup (degraded).
    if name in degraded and before[1] != degraded[name]:
        continue
    for new in ((v, v), (v, before[1]), (before[1], before[1]), (U, U)):
        try:
            r.setrlimit(res, new)
        except (ValueError, OSError):
            pass
    after = r.getrlimit(res)
    up = after[0] == U or after[0] >= v
    print(name, before, "->", after, "RAISED" if up else "held", flush=True)
    if up:
        raised.append(name)
print("raised:", ",".join(raised) or "none", flush=True)
' 2>&1)
line=$(grep '^raised:' <<<"$out") || broken "no result: $out"
[ "$line" = "raised: none" ] || escaped "$line: $(grep RAISED <<<"$out" | tr "\n" ";")"
contained "$(grep -c held <<<"$out") limits held"
