# defence: report-path
# --report FILE under a writable bind: the sandbox swaps a parent directory
# for a symlink; the supervisor, often root, would then write anywhere. The
# report must land in the file opened before the run.
. "$REPO/tests/escape/lib.sh"
proj=$WORK/proj
mkdir -p "$proj/reports" "$WORK/elsewhere" && chmod 777 "$proj" "$proj/reports" "$WORK/elsewhere"
timeout 20 "$AIRLOCK" run $([ "$(id -u)" = 0 ] || echo --allow-degraded) --rw "$proj:/proj" \
	--report "$proj/reports/run.json" -- sh -c "mv /proj/reports /proj/old && ln -s $WORK/elsewhere /proj/reports" \
	>"$WORK/out1" 2>&1
rc1=$?
[ -e "$WORK/elsewhere/run.json" ] && escaped "the report followed the planted symlink (exit $rc1)"
[ $rc1 = 0 ] || broken "symlink run: exit $rc1: $(cat "$WORK/out1")"
grep -q '"status": "exited"' "$proj/old/run.json" || broken "no report where it was opened: $(ls -R "$proj")"
contained "report written to the file opened before the run"
