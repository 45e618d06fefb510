# defence: rlimits,cgroup
# Pipe buffers are kernel memory no address-space limit sees: many pipes,
# each grown to /proc/sys/fs/pipe-max-size and filled, pin it. The
# sandbox's limits must bound it: --open-files 64 stops the pipes at 30
# (EMFILE), and with files to spare, --memory 32M (the cgroup charges pipe
# buffers) stops what they hold. The attack stops itself at 300 pipes, the
# bound of the control, which must get further on both counts. Degraded (no
# cgroup, as uid 65534 here) only the open-file limit bounds the buffers.
. "$REPO/tests/escape/lib.sh"
build_c pipes
max=300
attack() { # attack OPEN_FILES MEMORY REPORT
	al --ro "$WORK:$WORK" --open-files "$1" --memory "$2" --report "$3" -- "$WORK/pipes" $max 2>&1
}
count() { # count FIELD OUTPUT: the last value of "FIELD N" in OUTPUT
	grep -o "$1 [0-9]*" <<<"$2" | tail -1 | cut -d' ' -f2
}
# 1. Open files: 64 descriptors, 3 of them stdio.
out1=$(attack 64 256M "$WORK/r1.json")
n1=$(count pipes "$out1")
[ -n "$n1" ] || broken "no count: $out1"
[ "$n1" -gt 30 ] && escaped "$n1 pipes under --open-files 64 ($(tail -1 <<<"$out1"))"
[[ "$out1" == *"stop EMFILE"* ]] || escaped "stopped at $n1 pipes without EMFILE: $(tail -1 <<<"$out1")"
# 2. Memory: files to spare (1000 descriptors, 498 pipes), 32M of memory.
cg=$(report_field "$WORK/r1.json" cgroup)
if [ "$cg" = none ] && [ "$(id -u)" != 0 ]; then
	contained "EMFILE after $n1 pipes; degraded (no cgroup): pipe buffers bounded by open files only"
fi
out2=$(attack 1000 32M "$WORK/r2.json")
b2=$(count buffered "$out2") n2=$(count pipes "$out2")
[ -n "$b2" ] || broken "no count: $out2"
status=$(report_field "$WORK/r2.json" status)
[ "$b2" -gt $((32 << 20)) ] && escaped "$((b2 >> 20))M in $n2 pipe buffers under --memory 32M (status $status): $(tail -1 <<<"$out2")"
[ "$n2" -ge $max ] && escaped "all $max pipes filled under --memory 32M: $(tail -1 <<<"$out2")"
how=$(grep -o 'stop [A-Za-z]*' <<<"$out2")
contained "EMFILE after $n1 pipes; under --memory 32M: $((b2 >> 20))M in $n2 pipes, status $status${how:+, $how}"
