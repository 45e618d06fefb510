# defence: time
# The wall-clock limit must hold while the caller is slow to read the output:
# the command fills stdout (which the caller does not read for 3.5 s) and
# would write a marker into a writable bind after 2.5 s. Under --time 1 it
# must be dead long before, whatever the relaying of its output is doing.
. "$REPO/tests/escape/lib.sh"
mkdir -m 1777 "$WORK/out"
mkfifo "$WORK/fifo"
# Open the read end first (read-write, so that this does not block), keep it
# unread.
exec 3<>"$WORK/fifo"
al --profile python --time 1 --output 64M --rw "$WORK/out:/out" --report "$WORK/report.json" -- python3 -c '
import os, threading, time
def flood():
    # About 6 MB/s: it fills any pipe, but not the 64M output limit in 2.5 s.
    while True:
        os.write(1, b"x" * 65536)
        time.sleep(0.01)
threading.Thread(target=flood, daemon=True).start()
time.sleep(2.5)
open("/out/late", "w").write("alive")
' >"$WORK/fifo" 2>"$WORK/err" &
alpid=$!
sleep 3.5
late=no
[ -e "$WORK/out/late" ] && late=yes
# Drain so that airlock can finish; bounded by its own time limit.
cat <&3 >/dev/null &
drain=$!
for i in $(seq 100); do kill -0 "$alpid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$alpid" 2>/dev/null
wait "$alpid" 2>/dev/null
exec 3>&-
kill "$drain" 2>/dev/null
wait "$drain" 2>/dev/null
[ -f "$WORK/report.json" ] || broken "no report: $(cat "$WORK/err")"
status=$(report_field "$WORK/report.json" status)
[ $late = yes ] && escaped "the command ran 2.5 s under --time 1 while its output was unread (status $status, wall_ms $(report_field "$WORK/report.json" wall_ms))"
[ "$status" = timeout ] || escaped "status is '$status', not timeout"
contained "killed at the limit although stdout was blocked"
