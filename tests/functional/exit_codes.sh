# Exit status: the command's, 128+N for signal N, 125 for setup errors, 127 for not found.
. "$REPO/tests/escape/lib.sh"
al -- sh -c 'exit 7'; [ $? = 7 ] || exit 1
al -- sh -c 'kill -TERM $$'; [ $? = 143 ] || exit 1
al -- nosuchcommand 2>"$WORK/e"; [ $? = 127 ] || exit 1
grep -q 'execve nosuchcommand' "$WORK/e" || exit 1
"$AIRLOCK" run --memory lots -- true 2>"$WORK/e"; [ $? = 125 ] || exit 1
[ "$(wc -l <"$WORK/e")" = 1 ] && grep -q -- '--memory' "$WORK/e" || exit 1
al --ro /nonexistent/path -- true 2>"$WORK/e"; [ $? = 125 ] || exit 1
grep -q '/nonexistent/path' "$WORK/e" || exit 1
"$AIRLOCK" run --bogus -- true 2>/dev/null; [ $? = 125 ] || exit 1
"$AIRLOCK" run 2>/dev/null; [ $? = 125 ] || exit 1
al --report "$WORK/r.json" -- nosuchcommand 2>/dev/null
[ "$(report_field "$WORK/r.json" status)" = setup_error ] || exit 1
echo "exit codes ok"
