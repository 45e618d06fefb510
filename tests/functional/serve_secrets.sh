# airlock serve, secrets by reference: a request names secrets of its
# tenant's config (a file, or the service's environment); the command gets
# them as environment variables, and every occurrence of their values in
# stdout, stderr, artifacts and a session's files comes back as
# [REDACTED:NAME], also when a value is cut between two output chunks
# (streamed or not). Unknown names and a clash with env are refused by
# field; no value reaches the log.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
me=$(id -u)
printf 'sk-live-7f3a9c0e5b21d4\n' >"$WORK/key"
export AIRLOCK_TEST_DB_PASSWORD='pw-Q9x!z%28'
cat >"$WORK/config.json" <<JSON
{"tenants": [{"name": "team-s", "uids": [$me],
  "secrets": {"API_KEY": {"file": "$WORK/key"}, "DB_PASSWORD": {"env": "AIRLOCK_TEST_DB_PASSWORD"}}}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config "$WORK/config.json"

python3 - <<'PY' || fail "secrets"
import base64, hashlib, os, sys
from serve_client import Client
c = Client(socket_path=os.environ["SOCK"])
KEY, PW = "sk-live-7f3a9c0e5b21d4", os.environ["AIRLOCK_TEST_DB_PASSWORD"]
def run(body, path="/v1/execute"):
    return c.ok("POST", path, body)

# The values reach the command (compared inside it), and never come back.
r = run({"argv": ["sh", "-c", '[ "$API_KEY" = "%s" ] && [ "$DB_PASSWORD" = "%s" ] && echo same' % (KEY, PW)],
         "secrets": ["API_KEY", "DB_PASSWORD"]})
assert r["stdout"] == "same\n", r
r = run({"argv": ["sh", "-c", 'echo "key=$API_KEY"; echo "x${DB_PASSWORD}y$API_KEY" >&2'],
         "secrets": ["API_KEY", "DB_PASSWORD"]})
assert r["stdout"] == "key=[REDACTED:API_KEY]\n", r
assert r["stderr"] == "x[REDACTED:DB_PASSWORD]y[REDACTED:API_KEY]\n", r
# Without the secret named, the variable is not there.
r = run({"argv": ["sh", "-c", 'echo "[$API_KEY]"']})
assert r["stdout"] == "[]\n", r

# A value cut between two writes (two chunks: the pause lets the first go
# out alone), as JSON and as Server-Sent Events.
split = 'printf %s "${API_KEY%?????????}"; sleep 0.3; printf %s "${API_KEY#?????????????}"; echo'
r = run({"argv": ["sh", "-c", split], "secrets": ["API_KEY"]})
assert r["stdout"] == "[REDACTED:API_KEY]\n", r
ev = c.events("/v1/execute", {"argv": ["sh", "-c", split + "; { " + split + "; } >&2"], "secrets": ["API_KEY"]})
out = "".join(d for e, d in ev if e == "stdout")
err = "".join(d for e, d in ev if e == "stderr")
assert out == "[REDACTED:API_KEY]\n" and err == "[REDACTED:API_KEY]\n", ev
assert KEY not in repr(ev), ev

# Artifacts: content, size and SHA-256 are those of the redacted file;
# a name holding a value is redacted too.
r = run({"argv": ["sh", "-c", 'echo "k=$API_KEY" > out.txt; echo plain > "f-$DB_PASSWORD"'],
         "secrets": ["API_KEY", "DB_PASSWORD"], "artifacts": ["*"]})
arts = {a["path"]: a for a in r["artifacts"]}
body = base64.b64decode(arts["out.txt"]["content_base64"])
assert body == b"k=[REDACTED:API_KEY]\n", arts
assert arts["out.txt"]["sha256"] == hashlib.sha256(body).hexdigest() and arts["out.txt"]["size"] == len(body), arts
assert "f-[REDACTED:DB_PASSWORD]" in arts, arts

# Refused, by field.
c.problem("POST", "/v1/execute", {"argv": ["true"], "secrets": ["NOPE"]}, 400, "invalid", "secrets[0]")
c.problem("POST", "/v1/execute", {"argv": ["true"], "secrets": ["API_KEY"], "env": {"API_KEY": "x"}}, 400, "invalid", "secrets[0]")
c.problem("POST", "/v1/execute", {"argv": ["true"], "secrets": "API_KEY"}, 400, "invalid", "secrets")

# A session: a secret given to one command stays redacted in what the
# session returns later (its output, its files); no tarball then.
sid = c.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
base = "/v1/sandboxes/" + sid
r = run({"argv": ["sh", "-c", 'echo "$API_KEY" > kept.txt; echo "$API_KEY"'], "secrets": ["API_KEY"]}, base + "/commands")
assert r["stdout"] == "[REDACTED:API_KEY]\n", r
r = run({"argv": ["cat", "kept.txt"]}, base + "/commands")
assert r["stdout"] == "[REDACTED:API_KEY]\n", r
st, h, d = c.call("GET", base + "/files/kept.txt")
assert st == 200 and d == b"[REDACTED:API_KEY]\n", (st, d)
c.problem("GET", base + "/files/?format=tar", None, 409, "conflict", "format")
c.ok("DELETE", base, want=204)
PY
grep -q 'sk-live-7f3a9c0e5b21d4\|pw-Q9x' "$SERVE_LOG" && fail "a secret's value is in the log"
serve_stop TERM
echo "serve secrets ok"
