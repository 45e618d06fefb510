# defence: cgroup
# unprivileged: no
# (without a cgroup, tmpfs pages are bounded only by --tmpfs-size: RLIMIT_AS
# does not see them)
# Files in /tmp are memory: with a large --tmpfs-size 512M but --memory 64M,
# writing 200M into /tmp must be stopped by the memory limit (OOM kill, status
# "memory"), not only by the tmpfs size.
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --memory 64M --tmpfs-size 512M --file-size 512M --report "$rep" -- sh -c '
	head -c 200M /dev/zero >/tmp/fill; echo "size=$(wc -c </tmp/fill)"' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status)
size=$(sed -n 's/^size=//p' <<<"$out")
[ -n "$size" ] && [ "$size" -gt $((64 << 20)) ] && escaped "$size bytes of tmpfs under --memory 64M (status $status)"
[ "$status" = memory ] || escaped "status is '$status', not memory: $(tr "\n" " " <<<"$out")"
contained "status memory${size:+, $size bytes written}"
