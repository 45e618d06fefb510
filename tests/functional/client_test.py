"""The Python client (clients/python/airlock) against a live airlock serve
(tests/functional/client.sh): every method, streaming callbacks, each error
type, context managers that always destroy the sandbox.
Usage: client_test.py unix|tcp; env SOCK, PORT."""
import os
import sys

import airlock
from airlock import Sandbox

mode = sys.argv[1]
SOCK, PORT = os.environ["SOCK"], os.environ["PORT"]
where = {"socket": SOCK} if mode == "unix" else {"url": f"http://127.0.0.1:{PORT}"}
A = dict(where, token="token-a")
checks = 0


def ok(what):
    global checks
    checks += 1
    print(f"ok {mode}: {what}")


def raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        assert isinstance(e, airlock.AirlockError), e
        return e
    raise AssertionError(f"{fn.__name__} did not raise {exc.__name__}")


def left():
    return [s["id"] for s in Sandbox.list(**A)]


assert left() == [], left()

# Create, inspect, commands (a shell line and an argv), stdin, env, files in, artifacts out.
with Sandbox.create(profile="python", ttl=120, idle_timeout=60, env={"GREETING": "hi"}, **A) as sbx:
    assert sbx.id.startswith("sb-") and repr(sbx) == f"<Sandbox {sbx.id}>"
    info = sbx.get_info()
    assert info["profile"] == "python" and info["env"] == ["GREETING"], info
    assert [s["id"] for s in Sandbox.list(**A)] == [sbx.id]
    assert Sandbox.connect(sbx.id, **A).id == sbx.id
    ok("Sandbox.create, get_info, list, connect")

    r = sbx.commands.run("echo $GREETING; echo oops >&2; exit 3")
    assert (r.status, r.exit_code, r.stdout, r.stderr, r.ok) == ("exited", 3, "hi\n", "oops\n", False), r
    r = sbx.commands.run(["python3", "-c", "import sys; print(sys.stdin.read().upper())"], stdin="abc")
    assert r.ok and r.stdout == "ABC\n", r
    r = sbx.commands.run("cat in/x.txt; wc -c < in/b.bin; printf P > out.png", env={"EXTRA": "1"},
                         files={"in/x.txt": "text ", "in/b.bin": b"\x00\xff\x01"}, artifacts=["*.png"])
    assert r.stdout == "text 3\n", r
    assert r.artifact("out.png") == b"P" and r.truncated == {"stdout": False, "stderr": False}, r
    ok("commands.run: a shell line, an argv, stdin, env, files in, artifacts out")

    # Streaming: the callbacks get the output as it comes; the result holds all of it.
    outs, errs = [], []
    r = sbx.commands.run("for i in 1 2 3; do echo line $i; echo e$i >&2; done", on_stdout=outs.append,
                         on_stderr=errs.append)
    assert "".join(outs) == "line 1\nline 2\nline 3\n" == r.stdout, (outs, r)
    assert "".join(errs) == "e1\ne2\ne3\n" == r.stderr and r.exit_code == 0, (errs, r)
    ok("commands.run with on_stdout/on_stderr (Server-Sent Events)")

    # Files: text and bytes, listing, remove, exists.
    assert sbx.files.write("data/a.txt", "héllo")["size"] == 6
    sbx.files.write("data/b.bin", bytes(range(256)))
    assert sbx.files.read("data/a.txt") == "héllo"
    assert sbx.files.read("data/b.bin", format="bytes") == bytes(range(256))
    names = {e.name: e for e in sbx.files.list("data")}
    assert set(names) == {"a.txt", "b.bin"} and names["b.bin"].size == 256 and names["a.txt"].type == "file", names
    assert "data" in {e.name for e in sbx.files.list()}
    sbx.files.remove("data/a.txt")
    assert not sbx.files.exists("data/a.txt") and sbx.files.exists("data/b.bin")
    raises(airlock.NotFound, sbx.files.read, "data/a.txt")
    raises(airlock.Invalid, sbx.files.read, "data")
    ok("files.write/read (text, bytes), list, remove, exists")

    # Snapshots: save, change, restore; reset to the state at creation.
    snap = sbx.snapshot()
    sbx.files.write("data/b.bin", "changed")
    sbx.restore(snap)
    assert sbx.files.read("data/b.bin", format="bytes") == bytes(range(256))
    sbx.reset()
    assert sbx.files.list() == []
    ok("snapshot, restore, reset")

    # run_code: contexts when the service has them, else the code runs as a command.
    e = sbx.run_code("x = 6 * 7\nprint(x)")
    assert e.stdout == "42\n" and e.error is None, e
    e2 = sbx.run_code("1 / 0")
    assert e2.error and e2.error.name == "ZeroDivisionError" and "Traceback" in e2.error.traceback, e2
    assert e2.execution_count == e.execution_count + 1, (e, e2)
    assert sbx.run_code("echo from sh", language="sh").stdout == "from sh\n"
    ok(f"run_code (stateful={e.stateful}): output, errors by name, execution_count")
    sid = sbx.id
assert sid not in left(), left()
sbx.kill()  # again: nothing
ok("the context manager destroyed the sandbox; kill() again is harmless")

# An exception inside the with block: the sandbox is destroyed all the same.
try:
    with Sandbox.create(**A) as sbx:
        sid = sbx.id
        raise KeyError("boom")
except KeyError:
    pass
assert left() == [], left()
ok("an exception inside `with` still destroys the sandbox")

# One-shot runs.
r = airlock.execute("print(sum(range(10)))", **A)
assert r.ok and r.stdout == "45\n", r
r = airlock.execute(argv=["sh", "-c", "echo $0", "argv"], profile="default", **A)
assert r.stdout == "argv\n", r
chunks = []
r = airlock.execute("import sys\nfor i in range(3): print(i, flush=True)", on_stdout=chunks.append, **A)
assert "".join(chunks) == "0\n1\n2\n" == r.stdout, (chunks, r)
r = airlock.execute("import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=2)", **A)
assert not r.ok and "Network is unreachable" in r.stderr, r
r = airlock.execute("open('/etc/hostname', 'w')", **A)
assert not r.ok and r.exit_code == 1, r
ok("airlock.execute: code, argv, streaming; no network inside")

# Defaults from the environment.
os.environ.update({"AIRLOCK_TOKEN": "token-a"})
if mode == "unix":
    os.environ["AIRLOCK_SOCKET"] = SOCK
else:
    os.environ["AIRLOCK_URL"] = f"http://127.0.0.1:{PORT}"
assert airlock.execute("print('env')").stdout == "env\n"
for k in ("AIRLOCK_TOKEN", "AIRLOCK_SOCKET", "AIRLOCK_URL"):
    os.environ.pop(k, None)
ok("AIRLOCK_SOCKET / AIRLOCK_URL and AIRLOCK_TOKEN as defaults")

# Typed errors, one per API error code.
raises(airlock.Unauthorized, Sandbox.create, **dict(where, token="wrong"))
e = raises(airlock.NotFound, Sandbox.connect, "sb-00000000000000000000", **A)
assert e.status == 404 and e.problem["code"] == "not_found"
e = raises(airlock.Invalid, Sandbox.create, limits={"memory": "lots"}, **A)
assert e.field == "limits.memory" and not isinstance(e, airlock.PolicyRefused), e.field
e = raises(airlock.PolicyRefused, Sandbox.create, profile="node", **A)
assert isinstance(e, airlock.Invalid) and e.field == "profile"
with Sandbox.create(**A) as sbx:
    e = raises(airlock.TooLarge, sbx.files.write, "big", b"x" * (2 << 20))
    assert e.status == 413
q = Sandbox.create(**dict(where, token="token-q"))
e = raises(airlock.QuotaExceeded, Sandbox.create, **dict(where, token="token-q"))
assert e.status == 429 and e.retry_after and e.retry_after > 0, e.retry_after
q.kill()
held = [Sandbox.create(**A) for _ in range(4)]  # the service's --max-sandboxes 4
e = raises(airlock.Busy, Sandbox.create, **A)
assert e.status == 503
for s in held:
    s.kill()
V = dict(where, token="token-v-" + mode)  # quarantined for good: one tenant per run
r = airlock.execute(argv=["sleep", "30"], limits={"time": "300ms"}, **V)  # a limit hit: a violation
assert r.status == "timeout", r
e = raises(airlock.Quarantined, airlock.execute, "print(1)", **V)
assert e.status == 403 and e.retry_after, e
bad = {"socket": os.environ["WORK"] + "/nothing.sock"} if mode == "unix" else {"url": "http://127.0.0.1:1"}
raises(airlock.ConnectionFailed, airlock.execute, "print(1)", **bad)
ok("typed errors: Unauthorized, NotFound, Invalid (field), PolicyRefused, TooLarge, QuotaExceeded "
   "(Retry-After), Busy, Quarantined, ConnectionFailed")

assert left() == [], left()
print(f"{checks} checks passed ({mode})")
