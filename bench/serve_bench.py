#!/usr/bin/python3
"""airlock serve in `make bench` (issue 16): an execution of /bin/true through
the service's unix socket (HTTP/JSON, one kept-alive connection per client, as
a platform's client holds it) against `airlock run -- /bin/true` and
bubblewrap, each launched and timed as bench/bench.py does; then executions
per second with 2 clients. Prints a table and the ratios, writes
build/bench/serve.json. Environment: BENCH_RUNS (default 200), BENCH_SECONDS
(default 10), AIRLOCK, BENCH_OUT, as bench/bench.py; BENCH_SERVE_ONLY=1: the /bin/true
latency and throughput alone; BENCH_WARM_ONLY=1, BENCH_AUDIT_ONLY=1: those parts alone."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the same launch, flags and environment as the main bench)

RUNS, SECONDS, WORKERS = bench.RUNS, bench.SECONDS, bench.WORKERS
BODY = json.dumps({"argv": ["/bin/true"]})


class Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path_ = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path_)
        self.sock = s


def execute(conn):
    """One execution; its wall time in ns (request written to result read)."""
    t0 = time.perf_counter_ns()
    conn.request("POST", "/v1/execute", body=BODY, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    t = time.perf_counter_ns() - t0
    if r.status != 200 or json.loads(data)["status"] != "exited":
        raise RuntimeError("execute: %d %s" % (r.status, data[:200]))
    return t


def start_service(tmp, name="s", extra=()):
    sock = os.path.join(tmp, name + ".sock")
    log = open(os.path.join(tmp, name + ".log"), "w")
    p = subprocess.Popen([bench.AIRLOCK, "serve", "--listen", "unix:" + sock] + list(extra), stderr=log, stdout=log)
    for _ in range(600):
        if p.poll() is not None:
            sys.exit("airlock serve exited: see %s" % log.name)
        try:
            c = Unix(sock)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return p, sock
        except OSError:
            pass
        time.sleep(0.05)
    p.kill()
    sys.exit("airlock serve never became ready")


def latency(sock):
    argv = {t: bench.resolve(bench.wrap(t, ["/bin/true"], False)) for t in ("airlock", "bwrap")}
    conn = Unix(sock)
    for _ in range(bench.WARMUP):
        execute(conn)
        for a in argv.values():
            bench.timed_run(a)
    got = {"serve": [], "airlock": [], "bwrap": []}
    for _ in range(RUNS):  # interleaved, so that drift hits all alike
        got["serve"].append(execute(conn))
        for t, a in argv.items():
            ns, status = bench.timed_run(a)
            if status != 0:
                sys.exit("%s failed: status %d" % (t, status))
            got[t].append(ns)
    conn.close()
    return {t: sorted(v) for t, v in got.items()}


def throughput_of(one, seconds):
    """Completed runs per second with WORKERS threads each calling one() in a loop."""
    counts = [0] * WORKERS
    end = time.monotonic() + seconds

    def loop(i):
        step = one()
        while time.monotonic() < end:
            step()
            counts[i] += 1

    ts = [threading.Thread(target=loop, args=(i,)) for i in range(WORKERS)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def throughput(sock):
    def serve_client():
        conn = Unix(sock)
        return lambda: execute(conn)

    def spawner(tool):
        a = bench.resolve(bench.wrap(tool, ["/bin/true"], False))
        return lambda: (lambda: bench.timed_run(a))

    out = {}
    # Round robin in slices, as bench.py does, against drift.
    slices = max(1, int(SECONDS / bench.SLICE))
    for name, make in (("serve", serve_client), ("airlock", spawner("airlock")), ("bwrap", spawner("bwrap"))):
        out[name] = 0.0
    for _ in range(slices):
        for name, make in (("serve", serve_client), ("airlock", spawner("airlock")), ("bwrap", spawner("bwrap"))):
            out[name] += throughput_of(make, SECONDS / slices) / slices
    return out


def audit_cost(tmp):
    """Executions per second (2 clients) of two services side by side, one
    with --audit-log (default checkpoints: 1000 records, 60 s) and one
    without, in interleaved slices; returns both and the log's size."""
    key = os.path.join(tmp, "audit.key")
    subprocess.run([bench.AIRLOCK, "audit", "keygen", key], check=True, stdout=subprocess.DEVNULL)
    log = os.path.join(tmp, "audit.log")
    plain, plain_sock = start_service(tmp, "plain")
    logged, logged_sock = start_service(tmp, "logged", ["--audit-log", log, "--audit-key", key])
    out = {"without": 0.0, "with": 0.0}
    try:
        def client(sock):
            def make():
                conn = Unix(sock)
                return lambda: execute(conn)
            return make
        for sock in (plain_sock, logged_sock):  # warm both
            c = Unix(sock)
            for _ in range(bench.WARMUP):
                execute(c)
            c.close()
        slices = max(2, int(SECONDS / bench.SLICE))
        for i in range(slices):
            order = (("without", plain_sock), ("with", logged_sock))
            for name, sock in (order if i % 2 == 0 else order[::-1]):
                out[name] += throughput_of(client(sock), SECONDS / slices) / slices
    finally:
        for p in (plain, logged):
            p.terminate()
            p.wait()
    ok = subprocess.run([bench.AIRLOCK, "audit", "verify", "--key", key + ".pub", log], stdout=subprocess.PIPE, text=True)
    out["log_bytes"] = os.path.getsize(log)
    out["verify"] = ok.stdout.strip()
    return out


def print_audit(a):
    print("\n## airlock serve with and without --audit-log: /bin/true, %d clients, %.0f s each (interleaved slices)"
          % (WORKERS, SECONDS))
    print("| | runs/s |")
    print("| --- | --- |")
    print("| without the audit log | %.1f |" % a["without"])
    print("| with --audit-log | %.1f |" % a["with"])
    print("- with/without: %.3f (cost %.1f%%); log %d bytes; verify: %s"
          % (a["with"] / a["without"], 100 * (1 - a["with"] / a["without"]), a["log_bytes"], a["verify"]))


def warm_bench(tmp):
    """Issue 18: python through a warm pool (numpy preloaded) against
    python3 started plainly, interleaved; then 100 requests at once."""
    cfg = os.path.join(tmp, "warm.json")
    with open(cfg, "w") as f:
        json.dump({"tenants": [{"name": "bench", "uids": [os.getuid()]}],
                   "pools": [{"profile": "python", "ready": 4, "preload": ["numpy"]}]}, f)
    p, sock = start_service(tmp, "warm", ["--config", cfg, "--max-sandboxes", "32", "--queue", "128"])
    py = "/usr/bin/python3"
    snippets = {"print": "print(1)", "numpy": "import numpy; print(int(numpy.arange(10).sum()))"}
    got = {k: {"warm": [], "plain": []} for k in snippets}
    warm_seen = {k: 0 for k in snippets}

    def ready(conn):  # the pool refilled: a request comes to a full pool, as after an idle moment
        for _ in range(400):
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
            if 'airlock_pool_sandboxes{state="ready"} 4' in text:
                return
            time.sleep(0.01)

    def run(conn, code):
        body = json.dumps({"language": "python", "code": code})
        t0 = time.perf_counter_ns()
        conn.request("POST", "/v1/execute", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = json.loads(r.read())
        t = time.perf_counter_ns() - t0
        if r.status != 200 or data["exit_code"] != 0:
            raise RuntimeError("warm run: %d %s" % (r.status, str(data)[:300]))
        return t, data["timings"]["warm"]

    try:
        conn = Unix(sock)
        n = max(20, RUNS // 4)
        for i in range(n + bench.WARMUP):
            for k, code in snippets.items():
                ready(conn)
                t, warm = run(conn, code)
                t0 = time.perf_counter_ns()
                subprocess.run([py, "-c", code], check=True, stdout=subprocess.DEVNULL)
                tp = time.perf_counter_ns() - t0
                if i >= bench.WARMUP:
                    got[k]["warm"].append(t)
                    got[k]["plain"].append(tp)
                    warm_seen[k] += warm
        ready(conn)
        conn.close()
        # 100 at once: the pool holds 4, the rest start cold (queued past 32).
        lat = []
        lock = threading.Lock()

        def one():
            c = Unix(sock)
            t, warm = run(c, snippets["print"])
            with lock:
                lat.append(t)
            c.close()

        ts = [threading.Thread(target=one) for _ in range(100)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    finally:
        p.terminate()
        p.wait()
    out = {}
    for k in snippets:
        out[k] = {"warm_ms": statistics.median(got[k]["warm"]) / 1e6,
                  "plain_ms": statistics.median(got[k]["plain"]) / 1e6, "warm_runs": warm_seen[k],
                  "runs": len(got[k]["warm"])}
    lat.sort()
    out["concurrent"] = {"n": len(lat), "p50_ms": bench.pct(lat, 50) / 1e6, "p99_ms": bench.pct(lat, 99) / 1e6}
    return out


def print_warm(w):
    print("\n## Warm pools: python through the service (pool of 4, numpy preloaded) against python3 started plainly")
    print("| snippet | warm median ms | plain python3 median ms | ratio | runs served warm |")
    print("| --- | --- | --- | --- | --- |")
    for k, label in (("print", "print(1)"), ("numpy", "import numpy; ...")):
        r = w[k]
        print("| %s | %.2f | %.2f | %.3f | %d of %d |" % (label, r["warm_ms"], r["plain_ms"], r["warm_ms"] / r["plain_ms"],
                                                       r["warm_runs"], r["runs"]))
    c = w["concurrent"]
    print("- 100 requests at once (print(1); 4 warm, the rest cold, 32 sandboxes at a time): p50 %.1f ms, p99 %.1f ms, p99/p50 %.2f"
          % (c["p50_ms"], c["p99_ms"], c["p99_ms"] / c["p50_ms"]))


def main():
    if not os.path.exists(bench.AIRLOCK + "-serve"):
        sys.exit("serve_bench: %s-serve is missing (make build/airlock-serve)" % bench.AIRLOCK)
    tmp = tempfile.mkdtemp(prefix="serve-bench.")
    for var, part, show in (("BENCH_WARM_ONLY", warm_bench, print_warm),  # the warm pools alone
                            ("BENCH_AUDIT_ONLY", audit_cost, print_audit)):  # the audit log's cost alone
        if os.environ.get(var):
            try:
                got = part(tmp)
            finally:
                for f in os.listdir(tmp):
                    os.unlink(os.path.join(tmp, f))
                os.rmdir(tmp)
            show(got)
            return 0
    p, sock = start_service(tmp)
    try:
        lat = latency(sock)
        tp = throughput(sock)
    finally:
        p.terminate()
        p.wait()
    only = os.environ.get("BENCH_SERVE_ONLY")  # /bin/true through the service alone
    try:
        audit = None if only else audit_cost(tmp)
        warm = None if only else warm_bench(tmp)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    med = {t: statistics.median(v) / 1e6 for t, v in lat.items()}
    p90 = {t: bench.pct(v, 90) / 1e6 for t, v in lat.items()}
    print("\n## airlock serve: /bin/true, %d runs each (interleaved), %d clients for %.0f s each" % (RUNS, WORKERS, SECONDS))
    print("| | median ms | p90 ms | runs/s (2 clients) |")
    print("| --- | --- | --- | --- |")
    for t, label in (("serve", "airlock serve (unix socket, HTTP)"), ("airlock", "airlock run"), ("bwrap", "bubblewrap")):
        print("| %s | %.2f | %.2f | %.0f |" % (label, med[t], p90[t], tp[t]))
    print("- serve/airlock run: latency %.2fx, throughput %.2fx; serve/bubblewrap: latency %.2fx, throughput %.2fx"
          % (med["serve"] / med["airlock"], tp["serve"] / tp["airlock"], med["serve"] / med["bwrap"], tp["serve"] / tp["bwrap"]))
    print("  (latency: below 1 is faster; throughput: above 1)")
    if not only:
        print_audit(audit)
        print_warm(warm)
    os.makedirs(bench.OUT, exist_ok=True)
    with open(os.path.join(bench.OUT, "serve.json"), "w") as f:
        json.dump({"median_ms": med, "p90_ms": p90, "runs_per_s": tp, "runs": RUNS, "seconds": SECONDS,
                   "audit_runs_per_s": audit, "warm": warm}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
