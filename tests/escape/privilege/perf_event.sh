# defence: seccomp
# perf_event_open fails with EPERM. Without the filter a process may open
# user-mode counters on itself (kernel.perf_event_paranoid=2 here; at 3 the
# kernel answers EACCES, which still shows the call reached it).
. "$REPO/tests/escape/lib.sh"
build_c perf_event
out=$(al --ro "$WORK:$WORK" -- "$WORK/perf_event" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "perf_event_open: EPERM"
