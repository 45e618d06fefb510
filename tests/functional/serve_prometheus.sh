# airlock serve scraped by a real Prometheus (Debian's package): started on
# 127.0.0.1 with a config that scrapes the service's TCP listener with the
# admin token; once a scrape has happened, its HTTP API answers a query for
# airlock metrics (the executions the test ran, the service ready).
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
command -v prometheus >/dev/null || fail "prometheus is missing (Debian: prometheus; make check installs it)"
cat >"$WORK/config.json" <<JSON
{"admin": {"token_sha256": "$(h admin-secret)"},
 "tenants": [{"name": "team-p", "token_sha256": "$(h token-p)"}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$WORK/s.sock" --listen tcp:127.0.0.1:0 --config "$WORK/config.json"
[ -n "$PORT" ] || fail "no tcp port"
for i in 1 2 3; do
	curl -sS -H 'Authorization: Bearer token-p' "http://127.0.0.1:$PORT/v1/execute" -d '{"argv":["true"]}' | grep -q '"status":"exited"' || fail "execute"
done
PROM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: airlock
    metrics_path: /metrics
    authorization:
      credentials: admin-secret
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn 2>"$WORK/prom.log" &
PROM=$!
trap '[ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; kill "$PROM" 2>/dev/null' EXIT
q() { curl -sS --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null; }
for i in $(seq 600); do
	q 'airlock_executions_total{status="exited"}' | grep -q '"value":\[[0-9.]*,"3"\]' && break
	kill -0 "$PROM" 2>/dev/null || fail "prometheus exited: $(tail -5 "$WORK/prom.log")"
	sleep 0.1
done
out=$(q 'airlock_executions_total{status="exited"}')
python3 - "$out" <<'PY' || fail "query: $out $(tail -5 "$WORK/prom.log")"
import json, sys
r = json.loads(sys.argv[1])
assert r["status"] == "success", r
v = r["data"]["result"]
assert len(v) == 1 and v[0]["metric"]["job"] == "airlock" and v[0]["value"][1] == "3", v
PY
q 'up{job="airlock"}' | grep -q '"value":\[[0-9.]*,"1"\]' || fail "up is not 1: $(q 'up{job="airlock"}')"
q 'airlock_ready' | grep -q '"value":\[[0-9.]*,"1"\]' || fail "airlock_ready: $(q airlock_ready)"
q 'sum(airlock_execution_duration_seconds_count)' | grep -q '"value":\[[0-9.]*,"3"\]' || fail "histogram count"
grep -q 'path=/metrics status=200' "$SERVE_LOG" || fail "no scrape in the service's log"
kill "$PROM"
wait "$PROM" 2>/dev/null
serve_stop TERM
echo "serve prometheus ok"
