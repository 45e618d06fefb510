# The report: fields of DESIGN.md, and the statuses of the issue's examples.
. "$REPO/tests/escape/lib.sh"
al --report "$WORK/r.json" -- sh -c 'echo hi; echo err >&2' >/dev/null 2>&1 || exit 1
python3 - "$WORK/r.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
for k in ["status", "exit_code", "signal", "wall_ms", "cpu_ms", "max_rss_kb", "limits", "violations",
          "network", "cgroup", "truncated"]:
    assert k in r, k
for k in ["memory", "pids", "time_s", "cpu_time_s", "output"]:
    assert k in r["limits"], k
assert r["status"] == "exited" and r["exit_code"] == 0 and r["signal"] is None
assert r["truncated"] == {"stdout": False, "stderr": False}
assert r["output_bytes"] == {"stdout": 3, "stderr": 4}
assert r["wall_ms"] > 0 and r["cpu_ms"] >= 0 and r["max_rss_kb"] > 0
assert r["cgroup"] in ("v1", "v2", "none")
PY
if [ "$(id -u)" = 0 ]; then
	al --profile python --memory 64M --report "$WORK/m.json" -- python3 -c 'x=bytearray(1<<30)' 2>/dev/null
	[ "$(report_field "$WORK/m.json" status)" = memory ] || exit 1
	[ "$(report_field "$WORK/m.json" cgroup)" != none ] || exit 1
fi
al --time 1 --report "$WORK/t.json" -- sleep 30
[ "$(report_field "$WORK/t.json" status)" = timeout ] || exit 1
[ "$(report_field "$WORK/t.json" signal)" = 9 ] || exit 1
"$AIRLOCK" run $( [ "$(id -u)" = 0 ] || echo --allow-degraded ) --report - -- true | python3 -c 'import json,sys; json.loads(sys.stdin.read())' || exit 1
# --report -: always the last line, a line of its own, whatever the command printed.
deg=$( [ "$(id -u)" = 0 ] || echo --allow-degraded )
"$AIRLOCK" run $deg --report - -- printf '{"status": "exited", "fake": 1}' | tail -1 |
	python3 -c 'import json,sys; r = json.loads(sys.stdin.read()); assert "fake" not in r and r["status"] == "exited"' || exit 1
# --report-fd N: the caller's own fd; stdout stays the command's alone.
out=$("$AIRLOCK" run $deg --report-fd 3 -- printf partial 3>"$WORK/fd.json")
[ "$out" = partial ] || exit 1
[ "$(report_field "$WORK/fd.json" status)" = exited ] || exit 1
"$AIRLOCK" run $deg --report-fd 9 -- true 2>/dev/null && exit 1
"$AIRLOCK" run $deg --report-fd 1 -- true 2>/dev/null && exit 1
# An unwritable --report is found before the command runs.
"$AIRLOCK" run $deg --report /nonexistent/dir/r.json -- touch "$WORK/ran" 2>/dev/null; [ $? = 125 ] || exit 1
[ -e "$WORK/ran" ] && exit 1
echo "report ok"
