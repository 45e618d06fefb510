# Warm pools (issue 18): a python pool with numpy preloaded. Checks: /readyz
# says "filling" until sandboxes are ready; a python run takes one
# (timings.warm) and gives what a cold run gives (output, exit codes,
# SystemExit, a traceback without the driver's frame, atexit); its wall
# time starts when its code came, not when its sandbox started; two warm
# runs in a row see nothing of each other (a file in the workspace and in
# /tmp, a module attribute, an environment variable, a global) and run in
# different sandboxes; the containment checks (capabilities,
# no_new_privs, seccomp mode, ptrace, the filesystem, the network) give the
# same answers warm and cold; a run whose config differs (a limit of its
# own) starts cold and counts as a miss; a pool whose preload fails backs
# off, keeps /readyz at 503 and lets runs go cold; a reload without the
# pool ends its sandboxes; nothing is left at the end.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
cd "$WORK" || exit 1
SOCK=$WORK/w.sock
C=(curl -sS --unix-socket "$SOCK" -H 'Authorization: Bearer token-p')
pools() {
	cat >config.json <<JSON
{"tenants": [{"name": "p", "token_sha256": "$(h token-p)"}]$1}
JSON
}
pools ', "pools": [{"profile": "python", "ready": 2, "preload": ["json", "numpy"], "max_age": 60}]'
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --config config.json
metric() { "${C[@]}" http://x/metrics | sed -n "s/^$1 //p"; }
for _ in $(seq 300); do
	[ "$(metric 'airlock_pool_sandboxes{state="ready"}')" = 2 ] && break
	sleep 0.1
done
[ "$(metric 'airlock_pool_sandboxes{state="ready"}')" = 2 ] || fail "the pool never filled: $(grep pool serve.log)"
"${C[@]}" http://x/readyz | grep -q '"ready"' || fail "readyz with a full pool: $("${C[@]}" http://x/readyz)"

# run CODE [EXTRA JSON]: the result in r.json; prints stdout.
run() {
	local extra=${2:-}
	python3 -c 'import json,sys; b={"language":"python","code":sys.argv[1]}; b.update(json.loads(sys.argv[2] or "{}")); print(json.dumps(b))' \
		"$1" "$extra" >body.json
	"${C[@]}" --data-binary @body.json http://x/v1/execute >r.json || fail "execute: $1"
	python3 -c 'import json; print(json.load(open("r.json"))["stdout"], end="")'
}
field() { python3 -c 'import json,sys; r=json.load(open("r.json")); v=r
for k in sys.argv[1].split("."): v=v[k]
print(json.dumps(v))' "$1"; }
waitready() {
	for _ in $(seq 300); do
		[ "$(metric 'airlock_pool_sandboxes{state="ready"}')" = 2 ] && return
		sleep 0.1
	done
	fail "the pool did not refill"
}

sleep 2 # the run must not be timed from its sandbox's start
out=$(run 'import numpy, sys; print(int(numpy.arange(4).sum()), sys.argv, __name__)')
[ "$out" = "6 ['-c'] __main__" ] || fail "warm run: $out $(cat r.json)"
[ "$(field timings.warm)" = true ] || fail "not warm: $(field timings)"
python3 -c 'import json; r=json.load(open("r.json")); assert r["output_bytes"]["stdout"] == len(r["stdout"]), r["output_bytes"]; assert r["wall_ms"] < 2000, r["wall_ms"]' ||
	fail "output bytes or wall time: $(cat r.json)"
waitready
run 'import sys; sys.exit(3)' >/dev/null
[ "$(field exit_code)" = 3 ] && [ "$(field timings.warm)" = true ] || fail "sys.exit(3): $(cat r.json)"
waitready
run 'raise SystemExit("bye")' >/dev/null
[ "$(field exit_code)" = 1 ] && [ "$(field stderr)" = '"bye\n"' ] || fail "SystemExit(str): $(cat r.json)"
waitready
run 'def f():
    1/0
f()' >/dev/null
python3 - <<'PY' || fail "traceback: $(cat r.json)"
import json
r = json.load(open("r.json"))
assert r["exit_code"] == 1 and r["timings"]["warm"], r
assert r["stderr"] == 'Traceback (most recent call last):\n  File "<string>", line 3, in <module>\n  File "<string>", line 2, in f\nZeroDivisionError: division by zero\n', r["stderr"]
PY
waitready
out=$(run 'import atexit; atexit.register(print, "at exit"); print("body")')
[ "$out" = "body
at exit" ] || fail "atexit: $out"

# Nothing crosses from one warm run to the next.
waitready
run 'import json, os
open("left.txt", "w").write("x"); open("/tmp/left.txt", "w").write("x")
json.leaked = 1; os.environ["LEAKED"] = "1"; leaked_global = 1
print(sorted(os.listdir(".")))' >first
[ "$(field timings.warm)" = true ] || fail "first run not warm"
grep -q "left.txt" first || fail "the first run's file: $(cat first)"
waitready
out=$(run 'import json, os
print(os.path.exists("left.txt"), os.path.exists("/tmp/left.txt"), hasattr(json, "leaked"),
      "LEAKED" in os.environ, "leaked_global" in globals(), sorted(os.listdir(".")))')
[ "$out" = "False False False False False []" ] || fail "state crossed between warm runs: $out"
[ "$(field timings.warm)" = true ] || fail "second run not warm"
ids=$(grep 'event=execution' serve.log | tail -2 | sed 's/.*sandbox=\([^ ]*\).*/\1/' | sort -u | wc -l)
[ "$ids" = 2 ] || fail "two runs in one sandbox: $(grep 'event=execution' serve.log | tail -2)"

# The holder: a process that shares the interpreter's memory, so that the
# interpreter's exit does not tear it down before the answer. It is init's
# child (the program has no child to wait for, as cold), it shares our
# address space, blocks every signal (the kernel keeps SIGKILL and SIGSTOP
# out of the mask), and has the driver's command line.
waitready
out=$(run 'import os
try:
    os.wait(); child = "a child"
except ChildProcessError:
    child = "no child"
me = open("/proc/self/maps").read()
pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
shared = []
for p in pids:
    st = dict(l.split(":\t", 1) for l in open("/proc/%s/status" % p).read().splitlines() if ":\t" in l)
    if open("/proc/%s/maps" % p).read() == me:
        shared.append((st["PPid"], st["SigBlk"].strip(), open("/proc/%s/cmdline" % p).read() == open("/proc/self/cmdline").read()))
print(child, shared)')
[ "$out" = "no child [('1', 'fffffffffffbfeff', True)]" ] || fail "the holder: $out $(cat r.json)"
[ "$(field timings.warm)" = true ] || fail "holder check not warm"

# Containment, warm and cold: the same answers.
checks='import ctypes, os, socket
def st(k):
    return [l.split()[1] for l in open("/proc/self/status") if l.startswith(k + ":")][0]
libc = ctypes.CDLL(None, use_errno=True)
def can(f):
    try:
        f(); return True
    except OSError:
        return False
print({"cap_eff": st("CapEff"), "nnp": st("NoNewPrivs"), "seccomp": st("Seccomp"),
       "ptrace_parent": libc.ptrace(16, os.getppid(), 0, 0),
       "shadow": can(lambda: open("/etc/shadow").read()), "write_usr": can(lambda: open("/usr/x", "w")),
       "root_home": os.path.exists("/root/.bashrc"), "uid": os.getuid(),
       "net": sorted(n for _, n in socket.if_nameindex()),
       "connect": can(lambda: socket.create_connection(("127.0.0.1", 22), timeout=1)),
       "unshare": libc.unshare(0x10000000)})'
waitready
run "$checks" >warm.txt
[ "$(field timings.warm)" = true ] || fail "checks not warm"
run "$checks" '{"limits": {"time": 29}}' >cold.txt
[ "$(field timings.warm)" = false ] || fail "a run with a limit of its own was warm"
[ -s warm.txt ] && cmp -s warm.txt cold.txt || fail "warm and cold differ: warm $(cat warm.txt) cold $(cat cold.txt)"
python3 - warm.txt <<'PY' || fail "containment: $(cat warm.txt)"
import ast, sys
r = ast.literal_eval(open(sys.argv[1]).read())
assert r["cap_eff"] == "0000000000000000" and r["nnp"] == "1" and r["seccomp"] == "2", r
assert r["ptrace_parent"] == -1 and r["unshare"] == -1, r
assert not r["shadow"] and not r["write_usr"] and not r["root_home"] and not r["connect"], r
assert r["net"] == ["lo"], r
PY
[ "$(metric 'airlock_pool_requests_total{result="miss"}')" -ge 1 ] || fail "no miss counted"
[ "$(metric 'airlock_pool_requests_total{result="hit"}')" -ge 8 ] || fail "hits: $(metric 'airlock_pool_requests_total{result="hit"}')"

# A pool whose preload fails: back-off, not ready, runs go cold.
pools ', "pools": [{"profile": "python", "ready": 1, "preload": ["no_such_module_xyz"]}]'
kill -HUP "$SERVE_PID"
for _ in $(seq 100); do grep -q 'no_such_module_xyz' serve.log && break; sleep 0.1; done
grep 'event=pool' serve.log | grep -q 'retry_in_s' || fail "no back-off logged: $(grep pool serve.log)"
code=$("${C[@]}" -o ready.json -w '%{http_code}' http://x/readyz)
[ "$code" = 503 ] && grep -q filling ready.json || fail "readyz with a failing pool: $code $(cat ready.json)"
[ "$(run 'print(7)')" = 7 ] && [ "$(field timings.warm)" = false ] || fail "a cold run beside a failing pool: $(cat r.json)"
# A reload without pools: every pool sandbox ends.
pools ''
kill -HUP "$SERVE_PID"
for _ in $(seq 100); do [ "$(metric 'airlock_pool_sandboxes{state="starting"}')$(metric 'airlock_pool_sandboxes{state="ready"}')" = 00 ] && break; sleep 0.1; done
[ "$(metric 'airlock_pool_sandboxes{state="ready"}')" = 0 ] || fail "pool sandboxes after the reload"
"${C[@]}" http://x/readyz | grep -q '"ready"' || fail "readyz without pools"
serve_stop
exit 0
