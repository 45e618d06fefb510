# Learn mode round trip: learn a profile from a workload, run the workload
# with it (succeeds), and see a call it never made blocked and reported.
. "$REPO/tests/escape/lib.sh"
extra=()
[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
"$AIRLOCK" learn "${extra[@]}" --profile python --ro "$REPO:$REPO" --output-profile "$WORK/learned.json" \
	-- python3 -c 'import json; print(1)' >"$WORK/out" || { cat "$WORK/out"; exit 1; }
"$AIRLOCK" profile check "$WORK/learned.json" >/dev/null || exit 1
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["seccomp"]; assert s["mode"]=="allow-list" and "execve" in s["allow"] and "socket" not in s["allow"] and "ptrace" not in s["allow"], s' "$WORK/learned.json" || exit 1
out=$(al --profile "$WORK/learned.json" --report "$WORK/a.json" -- python3 -c 'import json; print(1)')
[ "$out" = 1 ] && [ "$(report_field "$WORK/a.json" status)" = exited ] || { echo "learned run: $out"; exit 1; }
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["violations"] == []' "$WORK/a.json" || exit 1
out=$(al --profile "$WORK/learned.json" --report "$WORK/b.json" -- python3 -c 'import json; print(1); import _socket; _socket.socket()' 2>&1)
[[ "$out" == *PermissionError* ]] || { echo "socket not blocked: $out"; exit 1; }
python3 -c 'import json,sys; assert "socket" in [v["syscall"] for v in json.load(open(sys.argv[1]))["violations"]]' "$WORK/b.json" || exit 1
echo "learn ok"
