# defence: cgroup
# A process allocating (and touching) 512M against --memory 64M must not get
# it: the cgroup's OOM kill ends the run with status "memory". As uid 65534
# there is no cgroup: the degraded RLIMIT_AS must make the allocation fail.
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --profile python --memory 64M --report "$rep" -- \
	python3 -c 'b = bytearray(512 << 20); print("allocated", len(b))' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status) cg=$(report_field "$rep" cgroup)
[[ "$out" == *allocated* ]] && escaped "512M allocated under --memory 64M (status $status, cgroup $cg)"
if [ "$cg" = none ]; then
	[ "$(id -u)" = 0 ] && escaped "root run without a cgroup (status $status)"
	[[ "$out" == *MemoryError* ]] || escaped "degraded: allocation did not fail with MemoryError: $out"
	contained "degraded (RLIMIT_AS): MemoryError, status $status"
fi
[ "$status" = memory ] || escaped "allocation failed but status is '$status', not memory: $out"
contained "status memory, max_rss_kb $(report_field "$rep" max_rss_kb)"
