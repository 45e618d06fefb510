# airlock serve, data labels: input files (and files PUT into a session)
# carry labels; the config's label_rules refuse a request whose labels go
# with egress the rule does not allow (403 label_policy, naming the rule
# and the egress rule); the labels are in the result and in the log.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
me=$(id -u)
cat >"$WORK/config.json" <<JSON
{"label_rules": [{"name": "no-pii-egress", "labels": ["pii", "phi"]},
                 {"name": "confidential-internal", "labels": ["confidential"], "egress": ["*.example.org"]}],
 "tenants": [{"name": "team-l", "uids": [$me], "ceilings": {"egress": ["*.example.org", "127.0.0.1:8080"]}}]}
JSON
bad='{"label_rules": [{"name": "x"}], "tenants": [{"name": "t", "uids": [1]}]}'
printf '%s' "$bad" >"$WORK/bad.json"
"$AIRLOCK" serve --listen "unix:$WORK/bad.sock" --config "$WORK/bad.json" 2>"$WORK/e" && fail "a rule without labels was accepted"
grep -qF 'label_rules[0].labels' "$WORK/e" || fail "bad rule: $(cat "$WORK/e")"
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config "$WORK/config.json"

python3 - <<'PY' || fail "labels"
import os
from serve_client import Client
c = Client(socket_path=os.environ["SOCK"])
def f(labels, path="data.csv"):
    return {"path": path, "content": "name,ssn\n", "labels": labels}
net = {"allow": ["api.example.org"]}

# pii with any egress: refused, the rule named.
d, _ = c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [f(["pii"])], "network": net}, 403,
                 "label_policy", "network.allow[0]")
assert "no-pii-egress" in d["detail"] and "pii" in d["detail"], d
d, _ = c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [f([]), f(["confidential", "phi"], "b")],
                 "network": {"allow": ["api.example.org", "127.0.0.1:8080"]}}, 403, "label_policy", "network.allow[0]")
assert "no-pii-egress" in d["detail"] and "phi" in d["detail"], d
# confidential: only under its rule's patterns.
d, _ = c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [f(["confidential"])],
                 "network": {"allow": ["api.example.org", "127.0.0.1:8080"]}}, 403, "label_policy", "network.allow[1]")
assert "confidential-internal" in d["detail"] and "127.0.0.1:8080" in d["detail"], d
# Allowed: pii without network; confidential within its rule; unlabelled
# data with egress. The labels come back in the result.
r = c.ok("POST", "/v1/execute", {"argv": ["cat", "data.csv"], "files": [f(["pii", "phi"]), f(["pii"], "x")]})
assert r["labels"] == ["pii", "phi"] and r["stdout"] == "name,ssn\n", r
r = c.ok("POST", "/v1/execute", {"argv": ["true"], "files": [f(["confidential"])], "network": net})
assert r["labels"] == ["confidential"], r
r = c.ok("POST", "/v1/execute", {"argv": ["true"], "files": [f([])], "network": {"allow": ["127.0.0.1:8080"]}})
assert r["labels"] == [], r
c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [f(["PII!"])]}, 400, "invalid", "files[0].labels[0]")

# Sessions: the session's network decides; labels stay with the session.
s1 = c.ok("POST", "/v1/sandboxes", {"network": net}, want=201)["id"]
d, _ = c.problem("PUT", "/v1/sandboxes/%s/files/p.csv?labels=pii" % s1, "a,b\n", 403, "label_policy", "network.allow[0]")
assert "no-pii-egress" in d["detail"], d
c.problem("POST", "/v1/sandboxes/%s/commands" % s1, {"argv": ["true"], "files": [f(["phi"])]}, 403, "label_policy")
c.ok("PUT", "/v1/sandboxes/%s/files/c.csv?labels=confidential" % s1, "a,b\n")
s2 = c.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
c.ok("PUT", "/v1/sandboxes/%s/files/p.csv?labels=pii,phi" % s2, "a,b\n")
r = c.ok("POST", "/v1/sandboxes/%s/commands" % s2, {"argv": ["cat", "p.csv"], "files": [f(["confidential"])]})
assert r["labels"] == ["pii", "phi", "confidential"] and r["stdout"] == "a,b\n", r
for s in (s1, s2):
    c.ok("DELETE", "/v1/sandboxes/" + s, want=204)
PY
grep -q 'event=execution .*labels=pii,phi' "$SERVE_LOG" || fail "no labels in the log"
grep -q 'event=label_refused .*rule=no-pii-egress label=pii' "$SERVE_LOG" || fail "no refusal in the log"
serve_stop TERM
echo "serve labels ok"
