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
# Messages that name the right thing (issue 12).
msg() { # msg WANT-SUBSTRING ARGS...: exit 125, one line, saying WANT
	local want=$1 rc
	shift
	timeout 20 "$AIRLOCK" run "$@" 2>"$WORK/e" >/dev/null
	rc=$?
	[ $rc = 125 ] && [ "$(grep -vc '^airlock: degraded' "$WORK/e")" = 1 ] && grep -qF -- "$want" "$WORK/e" ||
		{ echo "$* -> exit $rc: $(cat "$WORK/e")"; exit 1; }
}
msg "at least 2" --pids 1 -- true
msg 'write "unlimited"' --memory 0 -- true
msg 'write "unlimited"' --time 0 -- true
msg "/proc and /dev are the sandbox's own" --workdir /dev -- true
msg "empty string" -- ''
mkfifo "$WORK/fifo.json"
msg "not a regular file" --profile "$WORK/fifo.json" -- true
msg "not a regular file" --report "$WORK/fifo.json" -- true
al -- /etc/passwd 2>"$WORK/e"; [ $? = 127 ] && grep -q "not in the sandbox" "$WORK/e" || { cat "$WORK/e"; exit 1; }
al --memory unlimited --time unlimited -- true || exit 1
echo "exit codes ok"
