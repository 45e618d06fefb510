# defence: tcp-mem
# unprivileged: no
# Socket buffers are kernel memory that cgroup v1 charges to no counter
# until a TCP limit is set: one process under --memory 32M held 470 MiB of
# the host's TCP pool with loopback connections it never read. Here the
# attack queues up to 128M (the control's bound: a tenth of this host's
# tcp_mem pressure mark) and must stop near 32M: more than twice the limit
# is an escape. (cgroup v2 charges socket memory to memory.max; as uid
# 65534 here there is no cgroup at all, see SECURITY.md.)
. "$REPO/tests/escape/lib.sh"
build_c tcp_buffers
before=$(awk '/^TCP:/ {for (i = 1; i < NF; i++) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat)
out=$(al --ro "$WORK:$WORK" --memory 32M --open-files 1024 --report "$WORK/r.json" -- "$WORK/tcp_buffers" $((128 << 20)) 2>&1)
q=$(sed -n 's/^queued \([0-9]*\).*/\1/p' <<<"$out")
# v2 charges the buffers to memory.max: the cgroup's OOM kill may end the
# attack before it can print its count.
if [ -z "$q" ] && [ "$(report_field "$WORK/r.json" cgroup)" = v2 ] &&
	[ "$(report_field "$WORK/r.json" status)" = memory ]; then
	contained "v2: the buffers were charged to memory.max and the cgroup's OOM kill ended the run"
fi
[ -n "$q" ] || broken "no count (status $(report_field "$WORK/r.json" status 2>/dev/null)): $out"
[ "$(report_field "$WORK/r.json" cgroup)" = none ] && broken "no cgroup as root"
[ "$q" -gt $((64 << 20)) ] && escaped "$((q >> 20))M queued in loopback TCP under --memory 32M ($out; host TCP pool was $((before * 4 / 1024))M before)"
contained "$((q >> 20))M queued under --memory 32M: $out"
