# defence: report-path
# --report FILE under a writable bind: the sandbox puts a FIFO in the file's
# place, and a supervisor that opened it after the run would block there
# forever. airlock must finish.
. "$REPO/tests/escape/lib.sh"
proj=$WORK/proj
mkdir -p "$proj/reports" && chmod 777 "$proj" "$proj/reports"
timeout 10 "$AIRLOCK" run $([ "$(id -u)" = 0 ] || echo --allow-degraded) --rw "$proj:/proj" \
	--report "$proj/reports/run.json" -- sh -c 'rm -f /proj/reports/run.json && mkfifo /proj/reports/run.json' \
	>"$WORK/out2" 2>&1
rc2=$?
[ $rc2 = 124 ] && escaped "the supervisor blocked on a planted FIFO"
[ $rc2 = 0 ] || broken "fifo run: exit $rc2: $(cat "$WORK/out2")"
contained "no block on a planted FIFO"
