# airlock serve with a config: TCP on loopback needs a bearer token (stored
# as SHA-256), a unix socket's peer uid may name a tenant; a tenant never
# sees another's sandbox (404); quotas (sandboxes at once, executions per
# minute) answered 429 with Retry-After; ceilings on limits, profiles and
# egress; /metrics behind the admin token; SIGHUP reloads the config (a
# broken one is refused and the old one kept); bad configs refused at
# start, naming the field.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
me=$(id -u)
write_config() { # write_config EPM_OF_C
	cat >"$WORK/config.json" <<JSON
{"admin": {"token_sha256": "$(h admin-secret)"},
 "tenants": [
  {"name": "team-a", "token_sha256": "$(h token-a)",
   "quotas": {"sandboxes": 2},
   "ceilings": {"memory": "512M", "time": 10, "profiles": ["default", "python"], "egress": ["*.example.org", "127.0.0.1:8080"]}},
  {"name": "team-b", "token_sha256": "$(h token-b)", "uids": [$me]},
  {"name": "team-c", "token_sha256": "$(h token-c)", "quotas": {"executions_per_minute": $1}}]}
JSON
}
write_config 2

# Refused at start: TCP without a config; configs that are wrong, by field.
"$AIRLOCK" serve --listen "tcp:127.0.0.1:0" 2>"$WORK/e" && fail "tcp without a config started"
grep -q 'TCP needs --config' "$WORK/e" || fail "tcp without config: $(cat "$WORK/e")"
bad() { # bad FIELD JSON
	printf '%s' "$2" >"$WORK/bad.json"
	"$AIRLOCK" serve --listen "unix:$WORK/bad.sock" --config "$WORK/bad.json" 2>"$WORK/e" && fail "config $2 accepted"
	grep -qF -- "$1" "$WORK/e" || fail "config $2: $(cat "$WORK/e")"
	[ ! -e "$WORK/bad.sock" ] || fail "a refused start left its socket"
}
bad 'tenants[0].token_sha256' '{"tenants":[{"name":"x","token_sha256":"abc"}]}'
bad 'tenants[0].quotas.sandboxes' '{"tenants":[{"name":"x","uids":[1],"quotas":{"sandboxes":-1}}]}'
bad 'tenants[0].ceilings.memory' '{"tenants":[{"name":"x","uids":[1],"ceilings":{"memory":"big"}}]}'
bad 'tenants[0].ceilings.profiles' '{"tenants":[{"name":"x","uids":[1],"ceilings":{"profiles":["agent"]}}]}'
bad 'tenants[0].quotas.cpu_seconds_per_hour' '{"tenants":[{"name":"x","uids":[1],"quotas":{"cpu_seconds_per_hour":0}}]}'
bad 'tenants[0].colour' '{"tenants":[{"name":"x","uids":[1],"colour":1}]}'
bad 'tenants[1]' '{"tenants":[{"name":"x","uids":[1]},{"name":"x","uids":[2]}]}'
bad 'tenants[0].secrets.K' '{"tenants":[{"name":"x","uids":[1],"secrets":{"K":{"file":"rel"}}}]}'
bad 'secret K: the service' '{"tenants":[{"name":"x","uids":[1],"secrets":{"K":{"env":"AIRLOCK_TEST_UNSET_VAR"}}}]}'
bad 'a tenant needs token_sha256 or uids' '{"tenants":[{"name":"x"}]}'
bad 'not JSON' '{"tenants":'

serve_start "$WORK/serve.log" --listen "unix:$SOCK" --listen tcp:127.0.0.1:0 --config "$WORK/config.json"
[ -n "$PORT" ] || fail "no tcp port in the log"
T=(curl -sS "http://127.0.0.1:$PORT")
# Health needs nobody; the API needs a token on TCP; /metrics the admin's.
"${T[0]}" -sS "http://127.0.0.1:$PORT/healthz" | grep -q ok || fail healthz
curl -sS -i "http://127.0.0.1:$PORT/v1/info" | grep -qi '^WWW-Authenticate: Bearer' || fail "401 without WWW-Authenticate"
curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer token-a' "http://127.0.0.1:$PORT/metrics" | grep -qx 401 ||
	fail "a tenant's token read /metrics"
curl -sS -H 'Authorization: Bearer admin-secret' "http://127.0.0.1:$PORT/metrics" | grep -q '^airlock_ready 1' || fail "admin /metrics"
grep -q 'token-a\|admin-secret' "$SERVE_LOG" && fail "a token is in the log"

python3 - <<'PY' || fail "tenants"
import os
from serve_client import Client, wait_until
port, sock = int(os.environ["PORT"]), os.environ["SOCK"]
a, b, c = (Client(port=port, token=t) for t in ("token-a", "token-b", "token-c"))
b_unix = Client(socket_path=sock)  # team-b by its uid, no token
nobody = Client(port=port)

nobody.problem("GET", "/v1/info", None, 401, "unauthorized")
Client(port=port, token="token-x").problem("GET", "/v1/info", None, 401, "unauthorized")
Client(port=port, token="token-a ").problem("GET", "/v1/sandboxes", None, 401, "unauthorized")
Client(socket_path=sock, token="nope").problem("GET", "/v1/info", None, 401, "unauthorized")
assert b_unix.ok("GET", "/v1/info")["tenant"] == "team-b"
assert Client(socket_path=sock, token="token-a").ok("GET", "/v1/info")["tenant"] == "team-a"

info = a.ok("GET", "/v1/info")
assert info["tenant"] == "team-a" and info["profiles"] == ["default", "python"], info
assert info["ceilings"]["limits"] == {"memory": 512 << 20, "time": 10.0} and info["ceilings"]["egress"] == ["*.example.org", "127.0.0.1:8080"], info
assert info["quotas"]["sandboxes"] == 2, info

# A tenant never sees another's sandbox: 404 for every route.
sa = a.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
base = "/v1/sandboxes/" + sa
for cl in (b, b_unix, c):
    cl.problem("GET", base, None, 404, "not_found")
    cl.problem("DELETE", base, None, 404, "not_found")
    cl.problem("POST", base + "/commands", {"argv": ["true"]}, 404, "not_found")
    cl.problem("GET", base + "/files/", None, 404, "not_found")
    cl.problem("PUT", base + "/files/x", "data", 404, "not_found")
    cl.problem("POST", base + "/snapshots", {}, 404, "not_found")
    cl.problem("POST", base + "/reset", {}, 404, "not_found")
    assert cl.ok("GET", "/v1/sandboxes")["sandboxes"] == []
assert [s["id"] for s in a.ok("GET", "/v1/sandboxes")["sandboxes"]] == [sa]
assert a.ok("POST", base + "/commands", {"argv": ["echo", "mine"]})["stdout"] == "mine\n"

# Ceilings: limits above them refused; a profile's value above one lowered.
a.problem("POST", "/v1/execute", {"argv": ["true"], "limits": {"memory": "1G"}}, 400, "invalid", "limits.memory")
a.problem("POST", "/v1/execute", {"argv": ["true"], "limits": {"time": "unlimited"}}, 400, "invalid", "limits.time")
a.problem("POST", "/v1/execute", {"argv": ["true"], "profile": "node"}, 400, "invalid", "profile")
a.problem("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["evil.com"]}}, 400, "invalid", "network.allow[0]")
a.problem("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["pkg.example.org", "127.0.0.1:9999"]}}, 400, "invalid", "network.allow[1]")
a.problem("POST", "/v1/sandboxes", {"limits": {"memory": "2G"}}, 400, "invalid", "limits.memory")
r = a.ok("POST", "/v1/execute", {"language": "python", "code": "print(1)"})
assert r["limits"]["memory"] == 512 << 20 and r["limits"]["time_s"] == 10 and r["stdout"] == "1\n", r
r = a.ok("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["pkg.example.org", "127.0.0.1:8080"]}})
assert r["status"] == "exited", r
r = b.ok("POST", "/v1/execute", {"argv": ["true"], "limits": {"memory": "1G"}})
assert r["limits"]["memory"] == 1 << 30, r  # team-b has no ceiling
b.problem("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["example.org"]}}, 400, "invalid", "network.allow[0]")

# Quota: two sandboxes at once for team-a (its session is one).
sa2 = a.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
d, h = a.problem("POST", "/v1/sandboxes", {}, 429, "quota_exceeded")
d, h = a.problem("POST", "/v1/execute", {"argv": ["true"]}, 429, "quota_exceeded")
assert int(h["retry-after"]) >= 1 and "team-a" in d["detail"], (d, h)
assert b.ok("POST", "/v1/execute", {"argv": ["true"]})["status"] == "exited"  # not team-b's quota
assert a.call("DELETE", "/v1/sandboxes/" + sa2)[0] == 204
assert a.ok("POST", "/v1/execute", {"argv": ["true"]})["status"] == "exited"

# Quota: two executions per minute for team-c.
for i in range(2):
    c.ok("POST", "/v1/execute", {"argv": ["true"]})
d, h = c.problem("POST", "/v1/execute", {"argv": ["true"]}, 429, "quota_exceeded")
assert 1 <= int(h["retry-after"]) <= 60, h
m = Client(port=port, token="admin-secret").call("GET", "/metrics")[2].decode()
assert 'airlock_rejections_total{reason="quota_exceeded"} 3' in m, m
PY

# SIGHUP: a broken config is refused (the old one stays), then a new quota
# takes effect.
echo '{"tenants": 3}' >"$WORK/config.json"
kill -HUP "$SERVE_PID"
for i in $(seq 200); do grep -q 'level=error event=reload' "$SERVE_LOG" && break; sleep 0.05; done
grep -q 'level=error event=reload.*tenants' "$SERVE_LOG" || fail "the broken config was not refused by name"
curl -sS -H 'Authorization: Bearer token-c' -d '{"argv":["true"]}' "http://127.0.0.1:$PORT/v1/execute" | grep -q quota_exceeded ||
	fail "the old config was not kept"
write_config 100
kill -HUP "$SERVE_PID"
for i in $(seq 200); do grep -q 'level=info event=reload tenants=3' "$SERVE_LOG" && break; sleep 0.05; done
grep -q 'level=info event=reload tenants=3' "$SERVE_LOG" || fail "no reload"
curl -sS -H 'Authorization: Bearer token-c' -d '{"argv":["true"]}' "http://127.0.0.1:$PORT/v1/execute" | grep -q '"status":"exited"' ||
	fail "the new quota did not apply"
serve_stop TERM
echo "serve tenants ok"
