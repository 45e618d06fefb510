#!/usr/bin/python3
"""airlock benchmark driver (run by bench/run.sh; see issue 5).

One python process launches every run with os.posix_spawn (glibc: vfork-style
clone + exec, the cheapest launch python has) and times it with
time.perf_counter_ns from just before the spawn to the return of wait4.
stdin, stdout and stderr of every run are /dev/null.

The output scenarios write 100 MB: to /dev/null, and to a pipe this process
reads to the end (the time includes the draining).

Environment: BENCH_RUNS (runs per tool and latency scenario, default 200),
BENCH_OUTPUT_RUNS (runs per tool of the 100 MB scenarios, default BENCH_RUNS/4),
BENCH_IDLE_RUNS (runs per tool after 1 s of idle, default 25), BENCH_ONLY
(comma-separated latency scenarios to run, default all; throughput and memory
always run), AIRLOCK_PEER (a second airlock binary, run as the peer
"airlock-peer" beside the others: a before/after comparison in one
interleaved run), AIRLOCK_PEER_DISABLE (defences the peer runs without, as
AIRLOCK_TEST_DISABLE names them: the peer must be a build with the test
switches, such as build/trace/airlock; what a set of defences costs, beside
bubblewrap, in one run),
BENCH_SECONDS (throughput seconds per tool, default 10), BENCH_MEM_RUNS
(memory measurements per tool, default 5), AIRLOCK (binary, default
build/airlock), BENCH_OUT (output directory, default build/bench).
"""

import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRLOCK = os.path.abspath(os.path.join(ROOT, os.environ.get("AIRLOCK", "build/airlock")))
AIRLOCK_PEER = os.environ.get("AIRLOCK_PEER")
if AIRLOCK_PEER:
    AIRLOCK_PEER = os.path.abspath(os.path.join(ROOT, AIRLOCK_PEER))
OUT = os.path.abspath(os.path.join(ROOT, os.environ.get("BENCH_OUT", "build/bench")))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
MEM_RUNS = int(os.environ.get("BENCH_MEM_RUNS", "5"))
OUTPUT_RUNS = int(os.environ.get("BENCH_OUTPUT_RUNS", str(max(1, RUNS // 4))))
IDLE_RUNS = int(os.environ.get("BENCH_IDLE_RUNS", "25"))
ONLY = [x.strip() for x in os.environ.get("BENCH_ONLY", "").split(",") if x.strip()]
WARMUP = min(5, RUNS)
SLICE = 2.0          # throughput: each tool's time is cut in slices, run round robin
WORKERS = 2
PY = "/usr/bin/python3"  # Debian's; never a python from PATH (pyenv etc.)
ONE_MB = 1048576
HUNDRED_MB = 100000000

# Same environment for every tool, the one airlock's python profile sets.
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TERM": "dumb",
       "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
PEER_ENV = dict(ENV, AIRLOCK_TEST_DISABLE=os.environ["AIRLOCK_PEER_DISABLE"]) \
    if os.environ.get("AIRLOCK_PEER_DISABLE") else ENV


def env_of(argv):
    return PEER_ENV if AIRLOCK_PEER and argv[0] == AIRLOCK_PEER else ENV

SCENARIOS = [
    # name, argv, python?, expected stdout bytes
    ("/bin/true", ["/bin/true"], False, 0),
    ("/bin/true after 1 s idle", ["/bin/true"], False, 0),
    ("python3 -c pass", [PY, "-c", "pass"], True, 0),
    ("python3 json 1MB", [PY, "-c", 'import json,sys; sys.stdout.write("x"*1048576)'], True, ONE_MB),
    ("100 MB > /dev/null", ["head", "-c", "100MB", "/dev/zero"], False, HUNDRED_MB),
    ("100 MB | pipe", ["head", "-c", "100MB", "/dev/zero"], False, HUNDRED_MB),
]
# Scenarios whose stdout is a pipe the bench drains, not /dev/null.
PIPED = {"100 MB | pipe"}
# Scenarios whose every run comes after this many seconds of this process
# sleeping: a one-off launch on an otherwise idle machine (idle CPUs wake
# slowly, caches and RCU are cold), which back-to-back runs hide.
IDLE = {"/bin/true after 1 s idle": 1.0}
RUN_SCENARIOS = [s for s in SCENARIOS if not ONLY or s[0] in ONLY]

BWRAP = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
         "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
         "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
         "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
FIREJAIL = ["firejail", "--quiet", "--noprofile", "--private", "--net=none", "--noroot"]
UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount", "--net",
           "--ipc", "--uts"]

NOSITE_DIRS = []  # filled in by find_nosite_dirs()


def wrap(tool, argv, python, expect=0):
    if tool == "plain":
        return list(argv)
    if tool == "unshare":
        return UNSHARE + argv
    if tool in ("airlock", "airlock-peer"):
        # its default --output is 1 MiB per stream
        limit = ["--output", "128M"] if expect > ONE_MB else []
        binary = AIRLOCK if tool == "airlock" else AIRLOCK_PEER
        return [binary, "run"] + (["--profile", "python"] if python else []) + limit + ["--"] + argv
    if tool == "bwrap":
        return BWRAP + ["--chdir", "/tmp"] + argv
    if tool == "bwrap-nosite":
        masks = []
        for d in NOSITE_DIRS:
            masks += ["--tmpfs", d]
        return BWRAP + masks + ["--chdir", "/tmp"] + argv
    if tool == "firejail":
        return FIREJAIL + argv
    raise ValueError(tool)


def resolve(argv):
    exe = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=ENV["PATH"])
    if not exe:
        raise FileNotFoundError(argv[0])
    return [exe] + argv[1:]


DEVNULL = os.open("/dev/null", os.O_RDWR)
FILE_ACTIONS = [(os.POSIX_SPAWN_DUP2, DEVNULL, 0), (os.POSIX_SPAWN_DUP2, DEVNULL, 1),
                (os.POSIX_SPAWN_DUP2, DEVNULL, 2)]


PIPE_BUF = bytearray(ONE_MB)


def timed_run(argv, piped=False, expect=None):
    """Wall time in ns of one whole run, and its wait status. piped: stdout is
    a pipe read here to its end (1 MiB reads, the data copied and dropped); a
    run that delivers other than expect bytes counts as failed (status -1)."""
    if not piped:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env_of(argv), file_actions=FILE_ACTIONS)
        _, status, _ = os.wait4(pid, 0)
        return time.perf_counter_ns() - t0, status
    t0 = time.perf_counter_ns()
    r, w = os.pipe()
    pid = os.posix_spawn(argv[0], argv, env_of(argv), file_actions=[
        (os.POSIX_SPAWN_DUP2, DEVNULL, 0), (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_DUP2, DEVNULL, 2)])
    os.close(w)
    got = 0
    while True:
        n = os.readv(r, [PIPE_BUF])
        if not n:
            break
        got += n
    os.close(r)
    _, status, _ = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    return t1 - t0, status if expect is None or got == expect else -1


def pct(sorted_xs, p):
    """Percentile with linear interpolation (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    k = (len(sorted_xs) - 1) * p / 100.0
    f = int(k)
    c = min(f + 1, len(sorted_xs) - 1)
    return sorted_xs[f] + (sorted_xs[c] - sorted_xs[f]) * (k - f)


def boot_ratio_ci(a, b, n=400, seed=1):
    """95% bootstrap interval of median(a)/median(b)."""
    rng = random.Random(seed)
    rs = []
    for _ in range(n):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        rs.append(ma / mb)
    rs.sort()
    return pct(rs, 2.5), pct(rs, 97.5)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def cmd_output(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001 - only metadata
        return "unknown (%s)" % e


def file_sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def find_nosite_dirs():
    """Site-package dirs the host python sees but airlock's python profile does not:
    bwrap-nosite masks them, so Python starts with the same sys.path in both."""
    code = "import sys,os; print('\\n'.join(p for p in sys.path if p and os.path.isdir(p)))"
    host = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=ENV).stdout.split()
    inside = subprocess.run([AIRLOCK, "run", "--profile", "python", "--", PY, "-c", code],
                            capture_output=True, text=True).stdout.split()
    return [d for d in host if d not in inside and d.startswith("/usr/")]


def preflight(tool, scen):
    """Run once, check exit status and output. Returns None or the reason it failed."""
    name, argv, python, expect = scen
    try:
        full = resolve(wrap(tool, argv, python, expect))
    except FileNotFoundError as e:
        return "not installed: %s" % e
    try:
        r = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True, env=env_of(full), timeout=30)
    except subprocess.TimeoutExpired:
        return "timed out"
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip().splitlines()
        return "exit %d: %s" % (r.returncode, err[-1] if err else "")
    if len(r.stdout) != expect:
        return "wrote %d bytes to stdout, expected %d" % (len(r.stdout), expect)
    return None


# --- latency -----------------------------------------------------------------

def scenario_runs(name):
    if name in IDLE:
        return IDLE_RUNS
    return OUTPUT_RUNS if name.startswith("100 MB") else RUNS


def latency(scen, tools):
    name, argv, python, expect = scen
    cmds = {t: resolve(wrap(t, argv, python, expect)) for t in tools}
    samples = {t: [] for t in tools}
    fails = {t: 0 for t in tools}
    piped = name in PIPED
    for r in range(WARMUP):
        for t in tools:
            timed_run(cmds[t], piped)
    gc.disable()
    for r in range(scenario_runs(name)):
        # interleaved, A B C A B C ..., the starting tool rotating each round
        k = r % len(tools)
        for t in tools[k:] + tools[:k]:
            if name in IDLE:
                time.sleep(IDLE[name])
            ns, status = timed_run(cmds[t], piped, expect)
            if status == 0:
                samples[t].append(ns)
            else:
                fails[t] += 1
    gc.enable()
    return cmds, samples, fails


# --- throughput --------------------------------------------------------------

def worker(argv, seconds, wfd):
    count = fails = 0
    start = time.perf_counter_ns()
    deadline = start + int(seconds * 1e9)
    end = start
    while end < deadline:
        pid = os.posix_spawn(argv[0], argv, env_of(argv), file_actions=FILE_ACTIONS)
        _, status, _ = os.wait4(pid, 0)
        end = time.perf_counter_ns()
        if status == 0:
            count += 1
        else:
            fails += 1
    os.write(wfd, ("%d %d %d\n" % (count, fails, end - start)).encode())
    os._exit(0)


def throughput_slice(argv, seconds):
    rfd, wfd = os.pipe()
    pids = []
    for _ in range(WORKERS):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                worker(argv, seconds, wfd)
            finally:
                os._exit(1)
        pids.append(pid)
    os.close(wfd)
    for pid in pids:
        os.waitpid(pid, 0)
    data = b""
    while True:
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    res = [tuple(int(x) for x in line.split()) for line in data.decode().splitlines()]
    if len(res) != WORKERS:
        raise RuntimeError("a throughput worker died")
    return res  # [(count, fails, elapsed_ns)] per worker


def throughput(tools):
    argv = ["/bin/true"]
    cmds = {t: resolve(wrap(t, argv, False)) for t in tools}
    nslices = max(1, round(SECONDS / SLICE))
    per = SECONDS / nslices
    res = {t: [] for t in tools}
    for s in range(nslices):
        k = s % len(tools)
        for t in tools[k:] + tools[:k]:
            res[t].extend(throughput_slice(cmds[t], per))
    out = {}
    for t in tools:
        # each worker's runs over each worker's own busy time, summed over workers
        rate = 0.0
        for w in range(WORKERS):
            mine = res[t][w::WORKERS]
            rate += sum(c for c, _, _ in mine) / (sum(e for _, _, e in mine) / 1e9)
        out[t] = {"runs_per_s": rate, "runs": sum(c for c, _, _ in res[t]),
                  "failures": sum(f for _, f, _ in res[t]),
                  "slices": [{"runs": c, "failures": f, "elapsed_ns": e} for c, f, e in res[t]]}
    return cmds, out


# --- supervisor memory -------------------------------------------------------

def peak_memory(argv):
    """Poll VmHWM of the launched process (the supervisor; for plain, the command
    itself) from /proc/PID/status until it exits. (wait4's ru_maxrss is no use
    here: at exec the kernel folds the spawner's high-water mark into it.)"""
    pid = os.posix_spawn(argv[0], argv, env_of(argv), file_actions=FILE_ACTIONS)
    fd = os.open("/proc/%d/status" % pid, os.O_RDONLY)
    hwm = 0
    polls = 0
    while True:
        try:
            data = os.pread(fd, 8192, 0)
        except ProcessLookupError:
            break
        i = data.find(b"VmHWM:")
        if i < 0:  # exiting or a zombie: its memory is gone
            break
        hwm = max(hwm, int(data[i + 6:data.index(b"kB", i)]))
        polls += 1
    os.close(fd)
    _, status, _ = os.wait4(pid, 0)
    return hwm, polls, status


def memory(tools):
    argv = ["/bin/sleep", "0.5"]
    cmds = {t: resolve(wrap(t, argv, False)) for t in tools}
    res = {t: [] for t in tools}
    for r in range(MEM_RUNS):
        for t in tools:
            hwm, polls, status = peak_memory(cmds[t])
            res[t].append({"vmhwm_kib": hwm, "polls": polls, "status": status})
    return cmds, res


# --- report ------------------------------------------------------------------

def fmt_ratio(r, ci=None):
    if ci is None:
        return "%.2f" % r
    return "%.2f (%.2f-%.2f)" % (r, ci[0], ci[1])


def write_plot_data(lat, tools_by_scen):
    pdir = os.path.join(OUT, "plot")
    os.makedirs(pdir, exist_ok=True)
    for old in os.listdir(pdir):
        os.unlink(os.path.join(pdir, old))
    keys = []
    for i, (name, _, _, _) in enumerate(SCENARIOS):
        if name not in lat:
            continue
        tools = tools_by_scen[name]
        for t in tools:
            xs = sorted(lat[name]["samples_ns"][t])
            with open(os.path.join(pdir, "s%d_%s.dat" % (i, t)), "w") as f:
                for j, x in enumerate(xs):
                    f.write("%.4f %.5f\n" % (x / 1e6, (j + 1) / len(xs)))
        keys.append((i, name, tools))
    return pdir, keys


def main():
    os.makedirs(OUT, exist_ok=True)
    t_start = time.time()
    notes = []

    global NOSITE_DIRS
    unknown = [x for x in ONLY if x not in [s[0] for s in SCENARIOS]]
    if unknown:
        log("BENCH_ONLY: no scenario %s (there are: %s)" % (", ".join(unknown), ", ".join(s[0] for s in SCENARIOS)))
        return 1
    NOSITE_DIRS = find_nosite_dirs()
    airlock_sha = file_sha256(AIRLOCK)

    peers = ["plain", "unshare", "bwrap", "firejail"]
    skipped = {}
    usable = {}
    for scen in SCENARIOS:
        tools = ["plain", "unshare", "airlock"] + (["airlock-peer"] if AIRLOCK_PEER else []) + ["bwrap"]
        if scen[2] and NOSITE_DIRS:
            tools.append("bwrap-nosite")
        tools.append("firejail")
        ok = []
        for t in tools:
            why = preflight(t, scen)
            if why is None:
                ok.append(t)
            else:
                skipped.setdefault(t, {})[scen[0]] = why
                log("skipping %s for %s: %s" % (t, scen[0], why))
                if t in ("airlock", "plain"):
                    log("bench: %s must work; stopping" % t)
                    return 1
        usable[scen[0]] = ok

    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "kernel": platform.release(), "cpus": os.cpu_count(),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name")), "unknown"),
        "cgroup": "v2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "v1",
        "airlock": AIRLOCK,
        "airlock_peer": AIRLOCK_PEER,
        "airlock_git": cmd_output(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
        "airlock_sha256": airlock_sha,
        "versions": {"bwrap": cmd_output(["bwrap", "--version"]),
                     "firejail": cmd_output(["firejail", "--version"]),
                     "unshare": cmd_output(["unshare", "--version"]),
                     "python3": cmd_output([PY, "--version"])},
        "runs": RUNS, "warmup": WARMUP, "throughput_seconds": SECONDS, "workers": WORKERS,
        "memory_runs": MEM_RUNS, "output_runs": OUTPUT_RUNS, "idle_runs": IDLE_RUNS, "idle_s": IDLE,
        "env": ENV, "bwrap_nosite_masks": NOSITE_DIRS,
        "timing": "perf_counter_ns around os.posix_spawn .. os.wait4 in one python process",
    }

    lat = {}
    for scen in RUN_SCENARIOS:
        name = scen[0]
        tools = usable[name]
        t0 = time.time()
        log("latency: %s, %d runs x %s" % (name, scenario_runs(name), " ".join(tools)))
        cmds, samples, fails = latency(scen, tools)
        stats = {}
        for t in tools:
            xs = sorted(samples[t])
            stats[t] = {"n": len(xs), "failures": fails[t], "median_ms": pct(xs, 50) / 1e6,
                        "p90_ms": pct(xs, 90) / 1e6, "min_ms": xs[0] / 1e6 if xs else None,
                        "mean_ms": statistics.fmean(xs) / 1e6 if xs else None}
        for t in tools:
            if t != "airlock" and samples[t] and samples["airlock"]:
                ci = boot_ratio_ci(samples["airlock"], samples[t])
                stats[t]["airlock_ratio"] = stats["airlock"]["median_ms"] / stats[t]["median_ms"]
                stats[t]["airlock_ratio_ci95"] = ci
        lat[name] = {"commands": cmds, "samples_ns": samples, "stats": stats,
                     "seconds": time.time() - t0}

    tp_tools = [t for t in ["plain", "unshare", "airlock", "airlock-peer", "bwrap", "firejail"]
                if t in usable["/bin/true"]]
    log("throughput: /bin/true, %d workers, %gs per tool: %s" % (WORKERS, SECONDS, " ".join(tp_tools)))
    tp_cmds, tp = throughput(tp_tools)

    log("memory: sleep 0.5, %d runs per tool" % MEM_RUNS)
    mem_cmds, mem = memory(tp_tools)

    # ---- table
    W = 78
    print("=" * W)
    print("airlock benchmark  %s  %s, %d CPUs, kernel %s, cgroup %s" % (
        meta["date"], meta["cpu"], meta["cpus"], meta["kernel"], meta["cgroup"]))
    print("airlock %s (sha256 %s); %s; %s; %s" % (meta["airlock_git"], airlock_sha[:12],
                                      meta["versions"]["bwrap"],
                                      meta["versions"]["firejail"], meta["versions"]["unshare"]))
    if AIRLOCK_PEER:
        print("airlock-peer: %s (sha256 %s)%s" % (AIRLOCK_PEER, file_sha256(AIRLOCK_PEER)[:12],
              ", without " + PEER_ENV["AIRLOCK_TEST_DISABLE"] if PEER_ENV is not ENV else ""))
    print("=" * W)
    print("Latency: wall time of one whole run, spawn to reaped (ms); %d runs per tool" % RUNS)
    print("(%d for the 100 MB scenarios; '| pipe': stdout is a pipe this bench drains;" % OUTPUT_RUNS)
    print("%d after 1 s idle: the bench sleeps 1 s before each of those runs)," % IDLE_RUNS)
    print("interleaved round robin, %d warm-up rounds dropped. ratio = airlock median /" % WARMUP)
    print("tool median (bootstrap 95% interval); below 1 means airlock is faster.")
    print()
    print("%-24s %-13s %8s %8s  %-20s %s" % ("scenario", "tool", "median", "p90", "airlock/tool", "fail"))
    for scen in RUN_SCENARIOS:
        name = scen[0]
        st = lat[name]["stats"]
        first = True
        for t in usable[name]:
            s = st[t]
            r = "-" if t == "airlock" else fmt_ratio(s["airlock_ratio"], s["airlock_ratio_ci95"])
            print("%-24s %-13s %8.2f %8.2f  %-20s %s" % (name if first else "", t, s["median_ms"],
                                                        s["p90_ms"], r, s["failures"] or ""))
            first = False
        print()
    print("Throughput: /bin/true, %d parallel workers, %gs per tool (in %gs slices," % (
        WORKERS, SECONDS, SECONDS / max(1, round(SECONDS / SLICE))))
    print("tools round robin). ratio = airlock runs/s / tool runs/s; above 1 means airlock is faster.")
    print()
    print("%-13s %10s %8s  %-12s %s" % ("tool", "runs/s", "runs", "airlock/tool", "fail"))
    for t in tp_tools:
        s = tp[t]
        r = "-" if t == "airlock" else "%.2f" % (tp["airlock"]["runs_per_s"] / s["runs_per_s"])
        print("%-13s %10.1f %8d  %-12s %s" % (t, s["runs_per_s"], s["runs"], r, s["failures"] or ""))
    print()
    print("Supervisor peak memory: peak RSS (VmHWM, KiB) of the process the tool's command")
    print("line starts - airlock's supervisor, not the sandbox - while it runs `sleep 0.5`,")
    print("polled from /proc/PID/status until it exits; %d runs, median and max. For plain" % MEM_RUNS)
    print("it is sleep itself: the floor of any dynamically linked process here.")
    print()
    print("%-13s %10s %10s %8s" % ("tool", "median", "max", "polls"))
    for t in tp_tools:
        hw = [r["vmhwm_kib"] for r in mem[t]]
        print("%-13s %10d %10d %8d" % (t, statistics.median(hw), max(hw),
                                       min(r["polls"] for r in mem[t])))
    print()

    # ---- targets of issues 5 and 15
    def ratio(scen, peer):
        s = lat[scen]["stats"].get(peer) if scen in lat else None
        return s["airlock_ratio"] if s else None
    tp_ratio = tp["airlock"]["runs_per_s"] / tp["bwrap"]["runs_per_s"] if "bwrap" in tp else None
    rows = [("issue 15, a faster launch", None, None),
            ("/bin/true median ratio <= 0.8", ratio("/bin/true", "bwrap"), lambda v: v <= 0.8),
            ("  after 1 s idle <= 0.8", ratio("/bin/true after 1 s idle", "bwrap"), lambda v: v <= 0.8),
            ("throughput >= 1.2x bwrap", tp_ratio, lambda v: v >= 1.2),
            ("issue 5", None, None),
            ("/bin/true median ratio <= 0.6", ratio("/bin/true", "bwrap"), lambda v: v <= 0.6),
            ("python3 -c pass median ratio <= 0.9", ratio("python3 -c pass", "bwrap"), lambda v: v <= 0.9)]
    if "python3 -c pass" in lat and "bwrap-nosite" in lat["python3 -c pass"]["stats"]:
        rows.append(("  same, vs bwrap-nosite <= 0.9", ratio("python3 -c pass", "bwrap-nosite"),
                     lambda v: v <= 0.9))
    rows.append(("throughput >= 1.5x bwrap", tp_ratio, lambda v: v >= 1.5))
    rows.append(("supervisor peak memory <= 2048 KiB",
                 max(r["vmhwm_kib"] for r in mem["airlock"]), lambda v: v <= 2048))
    print("Targets, airlock vs bubblewrap, this run:")
    for label, v, ok in rows:
        if ok is None:
            print(" %s:" % label)
        elif v is None:
            print("  %-38s %10s  n/a" % (label, "-"))
        else:
            shown = "%d KiB" % v if "KiB" in label else "%.2f" % v
            print("  %-38s %10s  %s" % (label, shown, "met" if ok(v) else "NOT met"))
    print()

    print("Notes:")
    print("- every run gets the same environment (the one airlock's python profile sets) and")
    print("  Debian's %s; stdin, stdout and stderr are /dev/null, stdout a pipe for" % PY)
    print("  '| pipe' (airlock moves the command's output through its own pipes to them,")
    print("  counted and capped: spliced into a pipe or /dev/null, copied to anything else)")
    if NOSITE_DIRS:
        print("- airlock's python profile binds no site packages; bwrap, firejail, unshare and")
        print("  plain see %s," % ", ".join(NOSITE_DIRS))
        print("  whose .pth files Python's site module reads at start. bwrap-nosite is bwrap with")
        print("  those masked by empty tmpfs: the like-for-like peer for the python scenarios.")
    print("- firejail: %s (no profile, so no seccomp filter)" % " ".join(FIREJAIL))
    meta["airlock_sha256_end"] = file_sha256(AIRLOCK)
    if meta["airlock_sha256_end"] != airlock_sha:
        print("- WARNING: %s changed during the run (rebuilt?): the figures mix two"
              " binaries; run again" % os.path.relpath(AIRLOCK, ROOT))
    for t, why in skipped.items():
        for scen, w in why.items():
            print("- %s skipped for %s: %s" % (t, scen, w))
    for name in lat:
        for t, s in lat[name]["stats"].items():
            if s["failures"]:
                print("- %s / %s: %d runs exited non-zero; left out of the figures" % (
                    name, t, s["failures"]))
    for t in tp_tools:
        if tp[t]["failures"]:
            print("- throughput / %s: %d runs exited non-zero; not counted" % (t, tp[t]["failures"]))

    # ---- samples.json and the plot
    doc = {"meta": meta, "skipped": skipped,
           "latency": {n: {"commands": v["commands"], "stats": v["stats"],
                           "samples_ns": v["samples_ns"]} for n, v in lat.items()},
           "throughput": {"command": tp_cmds, "workers": WORKERS, "seconds_per_tool": SECONDS,
                          "results": tp},
           "memory": {"command": mem_cmds,
                      "method": "VmHWM polled from /proc/PID/status of the launched process "
                                "(the supervisor) until it exits",
                      "results": mem}}
    jpath = os.path.join(OUT, "samples.json")
    with open(jpath, "w") as f:
        json.dump(doc, f)

    pdir, keys = write_plot_data({n: v for n, v in lat.items()}, usable)
    png = os.path.join(OUT, "latency.png")
    gp = os.path.join(ROOT, "bench", "plot.gp")
    args = ["gnuplot", "-e",
            "datadir='%s'; outfile='%s'; nplots=%d; " % (pdir, png, len(keys)) +
            "; ".join("idx%d=%d; title%d='%s'; tools%d='%s'" % (j + 1, i, j + 1, name.replace("'", ""),
                                                            j + 1, " ".join(tools))
                      for j, (i, name, tools) in enumerate(keys)), gp]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        log("gnuplot failed:", r.stderr.strip())
        return 1
    print("- samples: %s; plot: %s" % (os.path.relpath(jpath, ROOT), os.path.relpath(png, ROOT)))
    # The closing line: the figures issue 12 asks about, airlock against bubblewrap.
    closing = []
    for name in ("100 MB > /dev/null", "100 MB | pipe", "/bin/true", "/bin/true after 1 s idle"):
        v = ratio(name, "bwrap") if name in lat else None
        if v is not None:
            closing.append("%s %.2fx" % (name, v))
    if "bwrap" in tp:
        closing.append("throughput %.2fx" % (tp["airlock"]["runs_per_s"] / tp["bwrap"]["runs_per_s"]))
    print("- airlock/bubblewrap: %s (time ratios: below 1 is faster; throughput: above 1)"
          % ", ".join(closing))
    print("- took %.0f s" % (time.time() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
