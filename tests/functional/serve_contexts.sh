# Code contexts (issue 18): variables kept across runs; the last
# expression's value; an error, then the context still works; stdout and
# stderr per run; a matplotlib figure as PNG; interrupt (SIGINT to the
# running code, the context survives); a run past its timeout (SIGINT:
# survives; SIGINT ignored: killed, state_survived false, then restart);
# a restore under a waiting context (its FIFO is made again); one
# session's context is not another's, nor another tenant's; the list,
# delete, and nothing left at the end.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
cd "$WORK" || exit 1
SOCK=$WORK/c.sock
cat >config.json <<JSON
{"tenants": [{"name": "a", "token_sha256": "$(h token-a)"}, {"name": "b", "token_sha256": "$(h token-b)"}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config config.json
A=(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-a')
B=(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-b')
jget() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k] if not isinstance(v, list) else v[int(k)]
print(v if isinstance(v, str) else json.dumps(v))' "$@"; }
sid=$("${A[@]}" -d '{"profile":"python"}' http://x/v1/sandboxes | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail session
code=$("${A[@]}" -o ctx.json -w '%{http_code}' -d '{}' "http://x/v1/sandboxes/$sid/contexts")
[ "$code" = 201 ] || fail "create: $code $(cat ctx.json)"
cid=$(jget ctx.json id)
[ "$(jget ctx.json state)" = idle ] || fail "state after create: $(cat ctx.json)"
R=http://x/v1/sandboxes/$sid/contexts/$cid
# crun CODE [TIMEOUT]: the result in res.json.
crun() {
	python3 -c 'import json,sys; b={"code": sys.argv[1]}
if sys.argv[2]: b["timeout"] = float(sys.argv[2])
print(json.dumps(b))' "$1" "${2:-}" >rb.json
	"${A[@]}" --data-binary @rb.json "$R/run" >res.json || fail "run: $1"
}
crun 'x = 41'
[ "$(jget res.json status)" = ok ] && [ "$(jget res.json execution_count)" = 1 ] || fail "first run: $(cat res.json)"
crun 'x + 1'
[ "$(jget res.json result.text/plain)" = 42 ] && [ "$(jget res.json execution_count)" = 2 ] || fail "x + 1: $(cat res.json)"
crun 'print("out"); import sys; print("err", file=sys.stderr); 1/0'
[ "$(jget res.json status)" = error ] && [ "$(jget res.json error.name)" = ZeroDivisionError ] || fail "error: $(cat res.json)"
[ "$(jget res.json stdout)" = out ] && [ "$(jget res.json stderr)" = err ] || fail "streams: $(cat res.json)"
jget res.json error.traceback | grep -q 'File "<cell>", line 1, in <module>' || fail "traceback: $(cat res.json)"
crun 'x'
[ "$(jget res.json result.text/plain)" = 41 ] && [ "$(jget res.json state_survived)" = true ] || fail "after the error: $(cat res.json)"
crun 'import matplotlib.pyplot as plt
plt.plot([1, 2, 3])'
python3 - <<'PY' || fail "figure: $(head -c 300 res.json)"
import base64, json
r = json.load(open("res.json"))
png = base64.b64decode(r["result"]["image/png"])
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000, png[:16]
PY
# A run past its timeout: SIGINT, and the context lives on.
crun 'import time; time.sleep(60)' 1
[ "$(jget res.json status)" = timeout ] && [ "$(jget res.json error.name)" = KeyboardInterrupt ] &&
	[ "$(jget res.json state_survived)" = true ] || fail "timeout: $(cat res.json)"
crun 'x'
[ "$(jget res.json result.text/plain)" = 41 ] || fail "after the timeout: $(cat res.json)"
# interrupt: a run in the background, SIGINT through the API.
python3 -c 'import json; print(json.dumps({"code": "import time\nfor i in range(600): time.sleep(0.1)"}))' >long.json
"${A[@]}" --data-binary @long.json "$R/run" >bg.json &
bg=$!
for _ in $(seq 100); do
	"${A[@]}" "$R" | grep -q '"running"' && break
	sleep 0.05
done
"${A[@]}" -X POST "$R/interrupt" >/dev/null || fail interrupt
wait $bg
[ "$(jget bg.json status)" = interrupted ] && [ "$(jget bg.json state_survived)" = true ] || fail "interrupted: $(cat bg.json)"
# SIGINT ignored: the interpreter is killed, the state is gone.
crun 'import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True: time.sleep(0.05)' 1
[ "$(jget res.json status)" = timeout ] && [ "$(jget res.json state_survived)" = false ] || fail "killed: $(cat res.json)"
code=$("${A[@]}" -o dead.json -w '%{http_code}' -d '{"code":"x"}' "$R/run")
[ "$code" = 409 ] && grep -q restart dead.json || fail "a run on a dead context: $code $(cat dead.json)"
code=$("${A[@]}" -o rs.json -w '%{http_code}' -X POST "$R/restart")
[ "$code" = 200 ] && [ "$(jget rs.json state)" = idle ] || fail "restart: $code $(cat rs.json)"
crun 'y = 5; "x" in globals()'
[ "$(jget res.json result.text/plain)" = False ] && [ "$(jget res.json execution_count)" = 1 ] || fail "after restart: $(cat res.json)"
# A reset under the waiting context: the workspace is new, the context still runs.
"${A[@]}" -d '{}' "http://x/v1/sandboxes/$sid/reset" >/dev/null || fail reset
crun 'y * 2'
[ "$(jget res.json result.text/plain)" = 10 ] || fail "after a reset: $(cat res.json)"
# Another session, another tenant: none of this.
sid2=$("${A[@]}" -d '{"profile":"python"}' http://x/v1/sandboxes | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ "$("${A[@]}" -o /dev/null -w '%{http_code}' -d '{"code":"y"}' "http://x/v1/sandboxes/$sid2/contexts/$cid/run")" = 404 ] ||
	fail "a context through another session"
"${A[@]}" -d '{}' "http://x/v1/sandboxes/$sid2/contexts" >c2.json
python3 -c 'import json; print(json.dumps({"code": "\"y\" in globals()"}))' >y.json
"${A[@]}" --data-binary @y.json "http://x/v1/sandboxes/$sid2/contexts/$(jget c2.json id)/run" >r2.json
[ "$(jget r2.json result.text/plain)" = False ] || fail "another session's context saw y: $(cat r2.json)"
[ "$("${B[@]}" -o /dev/null -w '%{http_code}' -d '{"code":"y"}' "$R/run")" = 404 ] || fail "another tenant reached the context"
"${A[@]}" "http://x/v1/sandboxes/$sid/contexts" | grep -q "$cid" || fail "list"
[ "$("${A[@]}" -o /dev/null -w '%{http_code}' -X DELETE "$R")" = 204 ] || fail "delete"
[ "$("${A[@]}" -o /dev/null -w '%{http_code}' "$R")" = 404 ] || fail "a deleted context"
[ "$("${A[@]}" -o bad.json -w '%{http_code}' -d '{"code":"1","timeout":-1}' "http://x/v1/sandboxes/$sid2/contexts/$(jget c2.json id)/run")" = 400 ] &&
	grep -q '"field":"timeout"' bad.json || fail "a bad timeout: $(cat bad.json)"
"${A[@]}" -X DELETE "http://x/v1/sandboxes/$sid" >/dev/null
"${A[@]}" -X DELETE "http://x/v1/sandboxes/$sid2" >/dev/null
serve_stop
exit 0
