# airlock serve, sessions (/v1/sandboxes) over the real unix socket: create
# with TTL, idle timeout and env; commands (also streamed) that share the
# workspace; files in and out (a directory's listing, a tarball, delete);
# snapshots, restore, reset to the state at creation; list, inspect,
# delete; the idle timeout and the TTL reap a session; the errors.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
serve_start "$WORK/serve.log" --listen "unix:$SOCK"
C=(curl -sS --unix-socket "$SOCK")

id=$(python3 - <<'PY'
from serve_client import from_env
c = from_env()
s = c.ok("POST", "/v1/sandboxes", {"profile": "python", "ttl": 300, "idle_timeout": 120, "env": {"GREETING": "hi"},
                                   "limits": {"memory": "512M", "time": 20}}, want=201)
assert s["id"].startswith("sb-") and s["state"] == "idle" and s["profile"] == "python", s
assert s["ttl"] == 300 and s["idle_timeout"] == 120 and s["env"] == ["GREETING"] and s["limits"]["memory"] == 512 << 20, s
assert s["expires_at"].endswith("Z") and s["snapshots"] == [], s
print(s["id"])
PY
) || fail "create: $id"
export ID=$id

# Files with curl: raw bytes in, out; a directory's listing; a tarball.
"${C[@]}" -X PUT --data-binary 'print(6 * 7)' "http://x/v1/sandboxes/$ID/files/src/main.py" | grep -q '"size":12' || fail "PUT"
[ "$("${C[@]}" "http://x/v1/sandboxes/$ID/files/src/main.py")" = 'print(6 * 7)' ] || fail "GET"
head -c 300000 /dev/urandom >"$WORK/blob"
"${C[@]}" -X PUT --data-binary @"$WORK/blob" "http://x/v1/sandboxes/$ID/files/blob" >/dev/null || fail "PUT blob"
"${C[@]}" "http://x/v1/sandboxes/$ID/files/blob" | cmp -s - "$WORK/blob" || fail "the blob came back changed"
"${C[@]}" "http://x/v1/sandboxes/$ID/files/src/?format=tar" | tar -tf - | grep -qx './main.py' || fail "tar"

python3 - <<'PY' || fail "sessions"
import os
from serve_client import from_env
c, sid = from_env(), os.environ["ID"]
base = "/v1/sandboxes/" + sid

# Commands share the workspace and the session's environment.
r = c.ok("POST", base + "/commands", {"argv": ["python3", "src/main.py"]})
assert r["status"] == "exited" and r["stdout"] == "42\n" and r["sandbox"] == sid and r["timings"]["warm"] is True, r
r = c.ok("POST", base + "/commands", {"language": "sh", "code": "echo $GREETING $EXTRA > note.txt; cat note.txt", "env": {"EXTRA": "there"}})
assert r["stdout"] == "hi there\n", r
r = c.ok("POST", base + "/commands", {"argv": ["sh", "-c", "exit 4"]})
assert r["status"] == "exited" and r["exit_code"] == 4, r
r = c.ok("POST", base + "/commands", {"argv": ["sleep", "60"], "stdin": "", "files": [{"path": "in/x", "content": "x"}],
                                     "artifacts": ["note.*"]})
assert r["status"] == "timeout", r  # the session's time limit, per command
assert [a["path"] for a in r["artifacts"]] == ["note.txt"], r
ev = c.events(base + "/commands", {"argv": ["sh", "-c", "echo streamed"]})
assert ev[0] == ("stdout", "streamed\n") and ev[-1][0] == "exit" and ev[-1][1]["exit_code"] == 0, ev

listing = c.ok("GET", base + "/files/")
names = {e["name"]: e for e in listing["entries"]}
assert {"src", "blob", "note.txt", "in"} <= set(names) and names["src"]["type"] == "directory", listing
assert names["blob"]["size"] == 300000 and names["blob"]["type"] == "file", listing
assert c.ok("GET", base + "/files/src")["entries"][0]["name"] == "main.py"
c.problem("GET", base + "/files/missing.txt", None, 404, "not_found")
c.problem("GET", base + "/files/nodir/", None, 404, "not_found")
c.problem("GET", base + "/files/a/../../etc/passwd", None, 400, "invalid", "path")
c.problem("GET", base + "/files/x?format=zip", None, 400, "invalid", "format")
c.problem("POST", base + "/files/x", "", 405, "method_not_allowed")

# Snapshot, change, restore; reset to the state at creation.
snap = c.ok("POST", base + "/snapshots", want=201)
assert snap["id"].startswith("snap-") and snap["size"] > 300000, snap
st, h, _ = c.call("DELETE", base + "/files/note.txt")
assert st == 204, st
c.problem("DELETE", base + "/files/note.txt", None, 404, "not_found")
c.ok("POST", base + "/commands", {"argv": ["sh", "-c", "rm -rf src; echo new > new.txt"]})
c.ok("POST", base + "/restore", {"snapshot": snap["id"]})
r = c.ok("POST", base + "/commands", {"argv": ["sh", "-c", "cat note.txt; ls"]})
assert r["stdout"] == "hi there\nblob\nin\nnote.txt\nsrc\n", r
c.problem("POST", base + "/restore", {"snapshot": "snap-nope"}, 404, "not_found", "snapshot")
c.problem("POST", base + "/restore", {}, 400, "invalid", "snapshot")
c.problem("POST", base + "/restore", {"snapshot": snap["id"], "at": 1}, 400, "invalid", "at")
c.ok("POST", base + "/reset", {})
r = c.ok("POST", base + "/commands", {"argv": ["sh", "-c", "ls -A | wc -l"]})
assert r["stdout"] == "0\n", r

# Inspect and list.
s = c.ok("GET", base)
assert s["id"] == sid and [x["id"] for x in s["snapshots"]] == [snap["id"]] and s["state"] == "idle", s
assert sid in [x["id"] for x in c.ok("GET", "/v1/sandboxes")["sandboxes"]]

# A command's own limits, profile or network belong to the session.
c.problem("POST", base + "/commands", {"argv": ["true"], "limits": {"time": 1}}, 400, "invalid", "limits")
c.problem("POST", base + "/commands", {"argv": ["true"], "profile": "default"}, 400, "invalid", "profile")
c.problem("POST", "/v1/sandboxes", {"ttl": -1}, 400, "invalid", "ttl")
c.problem("POST", "/v1/sandboxes", {"idle_timeout": "soon"}, 400, "invalid", "idle_timeout")
c.problem("POST", "/v1/sandboxes", {"profile": "python", "colour": 1}, 400, "invalid", "colour")
c.problem("POST", "/v1/sandboxes", {"limits": {"pids": 1}}, 400, "invalid", "limits.pids")
c.problem("PATCH", base, None, 405, "method_not_allowed")
c.problem("POST", base + "/snapshot", {}, 404, "not_found")

# Delete: gone, its commands and files too.
st, h, _ = c.call("DELETE", base)
assert st == 204, st
c.problem("GET", base, None, 404, "not_found")
c.problem("POST", base + "/commands", {"argv": ["true"]}, 404, "not_found")
c.problem("GET", base + "/files/", None, 404, "not_found")
c.problem("DELETE", base, None, 404, "not_found")
assert c.ok("GET", "/v1/sandboxes")["sandboxes"] == []
PY

# Conflicts: a ninth snapshot; a command whose session is deleted under it.
python3 - <<'PY' || fail "conflicts"
import threading
from serve_client import from_env, wait_until
c = from_env()
sid = c.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
base = "/v1/sandboxes/" + sid
for i in range(8):
    c.ok("POST", base + "/snapshots", want=201)
c.problem("POST", base + "/snapshots", None, 409, "conflict")
res = {}
t = threading.Thread(target=lambda: res.update(r=c.call("POST", base + "/commands", {"argv": ["sleep", "60"]})))
t.start()
wait_until(lambda: c.ok("GET", base)["state"] == "busy", "the command running")
assert c.call("DELETE", base)[0] == 204
t.join()
st, h, d = res["r"]
assert st == 409 and d["code"] == "conflict" and h["content-type"] == "application/problem+json", res
PY

# Reaped: a session idle past its idle timeout, one past its TTL (polled
# with a generous bound: nothing here times anything).
python3 - <<'PY' || fail "reaping"
from serve_client import from_env, wait_until
c = from_env()
idle = c.ok("POST", "/v1/sandboxes", {"idle_timeout": 1}, want=201)["id"]
ttl = c.ok("POST", "/v1/sandboxes", {"ttl": 2}, want=201)["id"]
c.ok("POST", "/v1/sandboxes/" + ttl + "/commands", {"argv": ["true"]})
wait_until(lambda: c.call("GET", "/v1/sandboxes/" + idle)[0] == 404, "the idle session reaped")
wait_until(lambda: c.call("GET", "/v1/sandboxes/" + ttl)[0] == 404, "the expired session reaped")
m = c.call("GET", "/metrics")[2].decode()
assert "airlock_sessions_expired_total 2" in m and 'airlock_sandboxes{state="session_idle"} 0' in m, m
PY
grep -q 'event=session_end .*why=idle_timeout' "$WORK/serve.log" || fail "no idle_timeout line"
grep -q 'event=session_end .*why=ttl' "$WORK/serve.log" || fail "no ttl line"

# A session left open is ended when the service stops.
python3 -c 'from serve_client import from_env; from_env().ok("POST", "/v1/sandboxes", {}, want=201)' || fail "last session"
serve_stop TERM
grep -q 'why=shutdown' "$WORK/serve.log" || fail "the open session was not ended at shutdown"
echo "serve sessions ok"
