# airlock serve, automatic countermeasures: violations inside a tenant's
# sandboxes (limits hit, denied system calls, refused egress) count over
# the config's window; past throttle_after the tenant gets one sandbox at a
# time (429 throttled, Retry-After), past quarantine_after its sessions end
# and every request is 403 quarantined with Retry-After, until an admin
# lifts it (POST /v1/admin/tenants/NAME/lift with the admin token). Each
# step is in /metrics and in the log.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
cat >"$WORK/config.json" <<JSON
{"admin": {"token_sha256": "$(h admin-secret)"},
 "tenants": [{"name": "team-v", "token_sha256": "$(h token-v)",
              "on_violations": {"throttle_after": 2, "quarantine_after": 4, "window": 600, "quarantine_for": 900}},
             {"name": "team-s", "token_sha256": "$(h token-s)", "on_violations": {"throttle_after": 1}},
             {"name": "team-ok", "token_sha256": "$(h token-ok)"}]}
JSON
printf '%s' '{"tenants": [{"name": "x", "uids": [1], "on_violations": {"throttle_after": 5, "quarantine_after": 2}}]}' >"$WORK/bad.json"
"$AIRLOCK" serve --listen "unix:$WORK/bad.sock" --config "$WORK/bad.json" 2>"$WORK/e" && fail "quarantine_after < throttle_after accepted"
grep -qF 'tenants[0].on_violations.quarantine_after' "$WORK/e" || fail "bad on_violations: $(cat "$WORK/e")"
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config "$WORK/config.json"

python3 - <<'PY' || fail "countermeasures"
import os
from serve_client import Client
sock = os.environ["SOCK"]
v, s, ok = (Client(socket_path=sock, token=t) for t in ("token-v", "token-s", "token-ok"))
adm = Client(socket_path=sock, token="admin-secret")
def state(name):
    return {t["name"]: t for t in adm.ok("GET", "/v1/admin/tenants")["tenants"]}[name]
hit = {"argv": ["sleep", "30"], "limits": {"time": "300ms"}}

# One limit hit: counted, nothing else.
assert v.ok("POST", "/v1/execute", hit)["status"] == "timeout"
assert state("team-v")["violations_in_window"] == 1 and state("team-v")["state"] == "ok", state("team-v")
sid = v.ok("POST", "/v1/sandboxes", {"limits": {"time": "300ms"}}, want=201)["id"]
# The second: throttled. With its session open, a second sandbox is 429.
assert v.ok("POST", "/v1/execute", hit)["status"] == "timeout"
assert state("team-v")["state"] == "throttled", state("team-v")
d, h = v.problem("POST", "/v1/execute", {"argv": ["true"]}, 429, "throttled")
assert int(h["retry-after"]) > 0, h
v.problem("POST", "/v1/sandboxes", {}, 429, "throttled")
# Commands in the sandbox it has go on; two more limit hits quarantine it
# (the fourth ends the session under its own command: 409, or its result
# when that came first).
r = v.ok("POST", "/v1/sandboxes/%s/commands" % sid, {"argv": ["sleep", "30"]})
assert r["status"] == "timeout", r
st, _, r = v.call("POST", "/v1/sandboxes/%s/commands" % sid, {"argv": ["sleep", "30"]})
assert (st, r.get("code", r.get("status"))) in ((409, "conflict"), (200, "timeout")), (st, r)
assert state("team-v")["state"] == "quarantined", state("team-v")
d, h = v.problem("POST", "/v1/execute", {"argv": ["true"]}, 403, "quarantined")
assert 0 < int(h["retry-after"]) <= 900, h
v.problem("GET", "/v1/sandboxes", None, 403, "quarantined")
assert v.ok("GET", "/v1/info")["state"]["state"] == "quarantined"
# Others go on as before.
assert ok.ok("POST", "/v1/execute", {"argv": ["true"]})["status"] == "exited"
# Only the admin lifts it; then its session is gone (reset), new work runs.
Client(socket_path=sock, token="token-v").problem("POST", "/v1/admin/tenants/team-v/lift", {}, 401, "unauthorized")
adm.problem("POST", "/v1/admin/tenants/nobody/lift", {}, 404, "not_found")
assert adm.ok("POST", "/v1/admin/tenants/team-v/lift", {})["state"] == "ok"
v.problem("GET", "/v1/sandboxes/" + sid, None, 404, "not_found")
assert v.ok("GET", "/v1/sandboxes")["sandboxes"] == []
assert v.ok("POST", "/v1/execute", {"argv": ["true"]})["status"] == "exited"

# A denied system call counts too (throttle_after 1).
r = s.ok("POST", "/v1/execute", {"argv": ["unshare", "-U", "true"]})
assert r["violations"], r
assert state("team-s")["state"] == "throttled", state("team-s")
PY
m=$(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer admin-secret' http://x/metrics)
for want in 'airlock_countermeasures_total{action="throttled"} 2' 'airlock_countermeasures_total{action="quarantined"} 1' \
	'airlock_countermeasures_total{action="lifted"} 1' 'airlock_tenants{state="throttled"} 1' \
	'airlock_rejections_total{reason="throttled"} 2' 'airlock_rejections_total{reason="quarantined"} 2'; do
	grep -qF "$want" <<<"$m" || fail "metrics: no $want in $(grep -E 'countermeasures|tenants|rejections' <<<"$m")"
done
grep -q 'airlock_violations_total{kind="limit"} [1-9]' <<<"$m" || fail "no limit violations in the metrics"
for e in 'event=throttled tenant=team-v' 'event=quarantined tenant=team-v' 'event=sessions_reset tenant=team-v sessions=1' \
	'event=quarantine_ended tenant=team-v by=admin' 'event=violation tenant=team-s kind=syscall'; do
	grep -q "$e" "$SERVE_LOG" || fail "log: no $e"
done
serve_stop TERM
echo "serve countermeasures ok"
