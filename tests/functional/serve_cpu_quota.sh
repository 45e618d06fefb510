# airlock serve, the CPU-seconds-per-hour quota: each sandbox's CPU time
# (the run's cpu_ms) is charged to its tenant; once the last hour's sum
# reaches quotas.cpu_seconds_per_hour, new runs, sessions and commands are
# 429 quota_exceeded with Retry-After; another tenant is not affected.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
cat >"$WORK/config.json" <<JSON
{"tenants": [{"name": "team-c", "token_sha256": "$(h token-c)", "quotas": {"cpu_seconds_per_hour": 1}},
             {"name": "team-d", "token_sha256": "$(h token-d)"}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config "$WORK/config.json"
python3 - <<'PY' || fail "cpu quota"
import os
from serve_client import Client
sock = os.environ["SOCK"]
c, d = Client(socket_path=sock, token="token-c"), Client(socket_path=sock, token="token-d")
assert c.ok("GET", "/v1/info")["quotas"]["cpu_seconds_per_hour"] == 1
burn = {"language": "python", "code": "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.3: pass"}
r = c.ok("POST", "/v1/execute", burn)
assert r["status"] == "exited" and r["cpu_ms"] >= 1000, r
d_, h = c.problem("POST", "/v1/execute", {"argv": ["true"]}, 429, "quota_exceeded")
assert "CPU seconds" in d_["detail"] and 0 < int(h["retry-after"]) <= 3660, (d_, h)
c.problem("POST", "/v1/sandboxes", {}, 429, "quota_exceeded")
assert d.ok("POST", "/v1/execute", burn)["status"] == "exited"
assert d.ok("POST", "/v1/execute", {"argv": ["true"]})["status"] == "exited"
PY
serve_stop TERM
echo "serve cpu quota ok"
