# defence: proc-mask
# /proc/locks lists every lock on the machine, the uid leases among them (how
# many sandboxes run, as which host uids); /proc/cmdline is the host kernel's
# command line. Both must read as empty inside.
. "$REPO/tests/escape/lib.sh"
exec 9>"$WORK/lockfile" && flock 9 || broken "flock"
out=$(al -- sh -c 'echo "locks=$(wc -l </proc/locks) cmdline=$(wc -c </proc/cmdline)"' 2>&1)
exec 9>&-
locks=$(sed -n 's/.*locks=\([0-9]*\).*/\1/p' <<<"$out") cmdline=$(sed -n 's/.*cmdline=\([0-9]*\).*/\1/p' <<<"$out")
[ -n "$locks" ] && [ -n "$cmdline" ] || broken "$out"
[ "$locks" != 0 ] && escaped "/proc/locks shows $locks locks"
[ "$cmdline" != 0 ] && escaped "/proc/cmdline shows $cmdline bytes"
contained "empty /proc/locks and /proc/cmdline"
