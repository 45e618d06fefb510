# airlock serve, one-shot runs: every endpoint without a session, over the
# real unix socket, with curl and Python's http.client: health, info,
# metrics, execute (argv, python and sh code, stdin, env, files, artifacts
# with SHA-256, limits, a failing program, a timeout), Server-Sent Events,
# and each error: 400 naming the field, 404, 405, 413, 503 busy with
# Retry-After; then SIGTERM drains a run in flight.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --max-body 64K --max-sandboxes 2 --queue 1 --client-timeout 2

# The socket is the owner's alone.
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"
C=(curl -sS --unix-socket "$SOCK")
[ "$("${C[@]}" http://x/healthz)" = '{"status":"ok"}' ] || fail healthz
"${C[@]}" http://x/readyz | grep -q '"status":"ready"' || fail readyz
"${C[@]}" -i http://x/nowhere | grep -q '^HTTP/1.1 404' || fail "404 route"

python3 - "$WORK" <<'PY' || fail "python checks"
import base64, hashlib, json, sys
from serve_client import from_env
c, work = from_env(), sys.argv[1]

info = c.ok("GET", "/v1/info")
assert info["tenant"] == "local" and info["api"] == 1 and "python" in info["profiles"], info
assert info["features"]["cgroup"] in ("v1", "v2", "none") and info["features"]["seccomp_notify"] is True, info

# argv: a program that fails is a 200 with its status.
r = c.ok("POST", "/v1/execute", {"argv": ["sh", "-c", "echo out; echo err >&2; exit 3"]})
assert r["status"] == "exited" and r["exit_code"] == 3 and r["stdout"] == "out\n" and r["stderr"] == "err\n", r
assert r["id"].startswith("ex-") and r["stdout_encoding"] == "utf8" and r["artifacts"] == [], r
for k in ("wall_ms", "cpu_ms", "max_rss_kb", "limits", "violations", "network", "cgroup", "truncated"):
    assert k in r, k
assert set(r["timings"]) == {"queue_ms", "start_ms", "run_ms", "warm"} and r["timings"]["warm"] is False, r

# Code: python (its profile by default) and sh; stdin, env.
r = c.ok("POST", "/v1/execute", {"language": "python", "code": "import sys, os; print(sys.stdin.read().upper(), os.environ['WHO'])",
                                   "stdin": "hello", "env": {"WHO": "you"}})
assert r["status"] == "exited" and r["stdout"] == "HELLO you\n" and r["profile"] == "python", r
r = c.ok("POST", "/v1/execute", {"language": "sh", "code": "read x; echo \"[$x]\"", "stdin": "aGkK", "stdin_encoding": "base64"})
assert r["stdout"] == "[hi]\n", r

# Files in (utf8, base64, a subdirectory, a mode), artifacts out by glob.
png = bytes(range(256)) * 40
r = c.ok("POST", "/v1/execute", {
    "argv": ["sh", "-c", "cat src/a.txt; ./run.sh; mkdir -p out; cp data.bin out/copy.png; echo t > out/n.txt; ln -s /etc/passwd out/link.png"],
    "files": [{"path": "src/a.txt", "content": "text\n"},
              {"path": "data.bin", "content": base64.b64encode(png).decode(), "encoding": "base64"},
              {"path": "run.sh", "content": "#!/bin/sh\necho ran\n", "mode": 0o755}],
    "artifacts": ["out/*.png", "out/*", "none/*"]})
assert r["status"] == "exited" and r["stdout"] == "text\nran\n", r
arts = {a["path"]: a for a in r["artifacts"]}
assert set(arts) == {"out/copy.png", "out/n.txt"}, arts  # no symlink, each once
a = arts["out/copy.png"]
assert a["size"] == len(png) and a["sha256"] == hashlib.sha256(png).hexdigest() and base64.b64decode(a["content_base64"]) == png, a

# Output that is not UTF-8 comes as base64.
r = c.ok("POST", "/v1/execute", {"argv": ["printf", "\\377\\376"]})
assert r["stdout_encoding"] == "base64" and base64.b64decode(r["stdout"]) == b"\xff\xfe", r

# Limits by the run options' names; a run over its time is a 200 "timeout".
r = c.ok("POST", "/v1/execute", {"argv": ["sleep", "60"], "limits": {"time": 0.5, "memory": "128M", "pids": 16, "output": 4096}})
assert r["status"] == "timeout" and r["limits"]["memory"] == 128 << 20 and r["limits"]["pids"] == 16, r
r = c.ok("POST", "/v1/execute", {"argv": ["sh", "-c", "yes | head -c 100000"], "limits": {"output": "1K"}})
assert r["status"] == "output_limit" and r["truncated"]["stdout"] is True and len(r["stdout"]) == 1024, r

# A denied system call is reported as the run's violation.
r = c.ok("POST", "/v1/execute", {"argv": ["unshare", "-U", "true"]})
assert r["exit_code"] != 0 and any(v["syscall"] == "unshare" for v in r["violations"]), r

# Server-Sent Events: stdout, stderr, then exit with the result.
# A byte that is not UTF-8 comes as {"base64": ...}; a character cut
# between two chunks of output arrives whole.
ev = c.events("/v1/execute", {"argv": ["sh", "-c", "echo one; echo two >&2; sleep 0.2; printf '\\377'; sleep 0.2; printf '\\303'; sleep 0.2; printf '\\251x'"]})
names = [e for e, _ in ev]
assert names[-1] == "exit" and "stdout" in names and "stderr" in names, ev
out = [d for e, d in ev if e == "stdout"]
assert out[0] == "one\n" and {"base64": "/w=="} in out and out[-1] == "\u00e9x", ev
ex = ev[-1][1]
assert ex["status"] == "exited" and ex["exit_code"] == 0 and "stdout" not in ex, ex

# Errors: problem+json, the field named.
c.problem("POST", "/v1/execute", {"argv": ["true"], "colour": "red"}, 400, "invalid", "colour")
c.problem("POST", "/v1/execute", {"argv": ["true"], "limits": {"memory": "lots"}}, 400, "invalid", "limits.memory")
c.problem("POST", "/v1/execute", {"argv": ["true"], "limits": {"speed": 1}}, 400, "invalid", "limits.speed")
c.problem("POST", "/v1/execute", {"argv": ["true"], "limits": {"output": "1G"}}, 400, "invalid", "limits.output")
c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [{"path": "../x", "content": ""}]}, 400, "invalid", "files[0].path")
c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [{"path": "x", "content": "!", "encoding": "base64"}]}, 400, "invalid", "files[0].content")
c.problem("POST", "/v1/execute", {"argv": ["true"], "files": [{"path": "x", "content": "", "owner": 0}]}, 400, "invalid", "files[0].owner")
c.problem("POST", "/v1/execute", {"argv": []}, 400, "invalid", "argv")
c.problem("POST", "/v1/execute", {"argv": ["true"], "code": "x"}, 400, "invalid", "code")
c.problem("POST", "/v1/execute", {"language": "cobol", "code": "x"}, 400, "invalid", "language")
c.problem("POST", "/v1/execute", {"argv": ["true"], "profile": "agent"}, 400, "invalid", "profile")
c.problem("POST", "/v1/execute", {"argv": ["true"], "profile": "../../etc/x"}, 400, "invalid", "profile")
c.problem("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["a.com,b.com"]}}, 400, "invalid", "network.allow[0]")
c.problem("POST", "/v1/execute", {"argv": ["true"], "artifacts": ["/etc/*"]}, 400, "invalid", "artifacts[0]")
c.problem("POST", "/v1/execute", {"argv": ["true"], "env": {"1X": "y"}}, 400, "invalid", "env.1X")
c.problem("POST", "/v1/execute", '{"argv": ["a"], "argv": ["b"]}', 400, "invalid")
c.problem("POST", "/v1/execute", "[1]", 400, "invalid")
c.problem("POST", "/v1/execute", "{", 400, "invalid")
c.problem("POST", "/v1/execute", {"argv": ["x"] * 2000}, 413, "too_large", "argv")
c.problem("POST", "/v1/execute", {"argv": ["true"], "stdin": "x" * 70000}, 413, "too_large")
c.problem("GET", "/v1/execute", None, 405, "method_not_allowed")
c.problem("GET", "/v1/sandboxes/sb-00000000000000000000", None, 404, "not_found")
PY

# A body larger than --max-body is refused from its Content-Length, and a
# chunked one as it grows past it.
head -c 100000 /dev/zero | "${C[@]}" -i -H 'Content-Type: application/json' --data-binary @- http://x/v1/execute |
	grep -q '^HTTP/1.1 413' || fail "413 by Content-Length"
head -c 100000 /dev/zero | "${C[@]}" -i -H 'Transfer-Encoding: chunked' --data-binary @- http://x/v1/execute |
	grep -q '^HTTP/1.1 413' || fail "413 chunked"
# Headers past the connection's memory: refused by libmicrohttpd.
big=$(head -c 70000 /dev/zero | tr '\0' a)
code=$("${C[@]}" -o /dev/null -w '%{http_code}' -H "X-Big: $big" http://x/healthz)
[ "$code" -ge 400 ] || fail "a 70 KB header was accepted ($code)"

# A client that sends half a request and stalls is disconnected (polled
# with a generous bound), while a run that takes longer than the client
# timeout is answered: its connection waits out of the timeout.
python3 - <<'PY' || fail "slow client"
import os, socket
from serve_client import from_env
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(os.environ["SOCK"])
s.sendall(b"POST /v1/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
assert b"200 OK" not in data, data
r = from_env().ok("POST", "/v1/execute", {"argv": ["sleep", "3"]})
assert r["status"] == "exited", r
PY

# Busy: two sandboxes at most, one may wait; the next gets 503 with
# Retry-After, and the waiting one runs once a sandbox is free.
python3 - <<'PY' || fail "busy"
import threading
from serve_client import from_env
c = from_env()
res = {}
def run(name, secs):
    res[name] = c.call("POST", "/v1/execute", {"argv": ["sleep", str(secs)]})
ts = [threading.Thread(target=run, args=(n, 2)) for n in ("a", "b")]
for t in ts: t.start()
import time
from serve_client import wait_until
wait_until(lambda: "airlock_sandboxes{state=\"running\"} 2" in c.call("GET", "/metrics")[2].decode(), "two running")
q = threading.Thread(target=run, args=("queued", 0.1)); q.start()
wait_until(lambda: "airlock_sandboxes{state=\"queued\"} 1" in c.call("GET", "/metrics")[2].decode(), "one queued")
c.problem("POST", "/v1/execute", {"argv": ["true"]}, 503, "busy")
for t in ts + [q]: t.join()
assert all(res[n][0] == 200 and res[n][2]["status"] == "exited" for n in ("a", "b", "queued")), res
assert res["queued"][2]["timings"]["queue_ms"] > 0, res["queued"]
PY

# Metrics in Prometheus' text format, label sets fixed.
m=$("${C[@]}" http://x/metrics)
for want in 'airlock_executions_total{status="exited"} ' 'airlock_executions_total{status="timeout"} 1' \
	'airlock_execution_duration_seconds_bucket{le="+Inf"} ' 'airlock_violations_total{kind="syscall"} ' \
	'airlock_egress_decisions_total{verdict="denied"} 0' 'airlock_sandboxes{state="running"} 0' \
	'airlock_http_responses_total{code="400"} ' 'airlock_rejections_total{reason="busy"} 1' 'airlock_ready 1'; do
	grep -qF "$want" <<<"$m" || fail "metrics: no $want"
done
grep -q '^# TYPE airlock_execution_duration_seconds histogram' <<<"$m" || fail "histogram type"
! grep -vE '^(#|airlock_[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9.e+-]+$)' <<<"$m" | grep -q . || fail "metrics format"

# SIGTERM drains: a run in flight finishes and is answered, new work is
# refused, the service exits 0 and removes its socket.
"${C[@]}" -d '{"argv":["sh","-c","sleep 1; echo drained"]}' http://x/v1/execute >"$WORK/inflight" &
cpid=$!
for i in $(seq 200); do grep -q 'path=/v1/execute' "$WORK/serve.log" && [ "$(grep -c 'event=execution' "$WORK/serve.log")" -ge 1 ] && break; sleep 0.02; done
sleep 0.3
serve_stop TERM
wait $cpid
grep -q '"stdout":"drained\\n"' "$WORK/inflight" || fail "the run in flight: $(cat "$WORK/inflight")"
grep -q 'event=draining' "$WORK/serve.log" || fail "no draining line"
echo "serve ok"
