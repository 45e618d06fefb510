#!/usr/bin/env python3
"""make bench, the OCI runtime (issue 20): container start to first output
through containerd's ctr, airlock-oci against Debian's runc, interleaved
on the same machine. A containerd of its own in a temporary directory, an
image made from Debian's static busybox (no registry). Not a test: figures
only. OCI_BENCH_RUNS (default 30) runs per runtime."""
import os, shutil, statistics, subprocess, sys, tempfile, time

runs = int(os.environ.get("OCI_BENCH_RUNS", "30"))
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
airlock_oci = os.path.join(repo, "build", "airlock-oci")
runc = shutil.which("runc")
for need in ("ctr", "containerd", "podman", "busybox"):
    if not shutil.which(need):
        sys.exit(f"oci_bench: {need} is missing (make deps)")
if not os.path.exists(airlock_oci) or not runc:
    sys.exit("oci_bench: build/airlock-oci or runc is missing")

work = tempfile.mkdtemp(prefix="airlock-ocibench.")
ns = f"airlock-bench-{os.getpid()}"
sock = os.path.join(work, "ctd.sock")
ctd = None


def sh(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def ctr(*args, **kw):
    return sh("ctr", "--address", sock, "-n", ns, *args, **kw)


try:
    root = os.path.join(work, "rootfs")
    os.makedirs(os.path.join(root, "bin"))
    for d in ("proc", "sys", "dev", "etc", "tmp"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(shutil.which("busybox"), os.path.join(root, "bin", "busybox"))
    for a in ("sh", "echo", "true"):
        os.symlink("busybox", os.path.join(root, "bin", a))
    sh("tar", "-C", root, "-cf", os.path.join(work, "bb.tar"), ".")
    p = ["podman", "--root", os.path.join(work, "st"), "--runroot", os.path.join(work, "rr"),
         "--storage-driver", "vfs", "--events-backend", "none"]
    sh(*p, "import", "-q", os.path.join(work, "bb.tar"), "localhost/airlock-bench:1")
    sh(*p, "save", "-q", "--format", "oci-archive", "-o", os.path.join(work, "bb-oci.tar"), "localhost/airlock-bench:1")
    with open(os.path.join(work, "containerd.toml"), "w") as f:
        f.write(f'version = 2\nroot = "{work}/ctd/root"\nstate = "{work}/ctd/state"\n'
                f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "{sock}"\n'
                f'[ttrpc]\n  address = "{sock}.ttrpc"\n')
    ctd = subprocess.Popen(["containerd", "--config", os.path.join(work, "containerd.toml")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if subprocess.run(["ctr", "--address", sock, "version"], capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    ctr("image", "import", "--snapshotter", "native", "--base-name", "localhost/airlock-bench",
        os.path.join(work, "bb-oci.tar"))

    def once(rt, i):
        """Milliseconds from `ctr run` to the container's first line."""
        t0 = time.monotonic()
        pr = subprocess.Popen(["ctr", "--address", sock, "-n", ns, "run", "--rm", "--snapshotter", "native",
                               "--runc-binary", rt, "localhost/airlock-bench:1", f"b{i}", "echo", "up"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = pr.stdout.readline()
        t1 = time.monotonic()
        pr.wait()
        if line.strip() != b"up":
            raise RuntimeError(f"{rt}: {line!r}")
        return (t1 - t0) * 1000

    samples = {"airlock-oci": [], "runc": []}
    once(airlock_oci, 0), once(runc, 1)  # warm the snapshotter and caches
    for i in range(runs):  # interleaved: the machine's noise falls on both
        samples["airlock-oci"].append(once(airlock_oci, 2 * i + 2))
        samples["runc"].append(once(runc, 2 * i + 3))

    def q(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(p * len(v)))]

    print(f"\nOCI runtime through ctr run --rm (start to first output), {runs} interleaved runs each:")
    print(f"{'runtime':<12} {'median ms':>10} {'p90 ms':>8}")
    for k, v in samples.items():
        print(f"{k:<12} {statistics.median(v):>10.1f} {q(v, 0.9):>8.1f}")
    print(f"airlock-oci / runc median: {statistics.median(samples['airlock-oci']) / statistics.median(samples['runc']):.2f}x")
finally:
    if ctd:
        ctd.terminate()
        ctd.wait()
    for d in (f"/run/containerd/runc/{ns}",):
        shutil.rmtree(d, ignore_errors=True)
    for d in ("/run/containerd/runc", "/run/containerd/s", "/run/containerd/fifo", "/run/containerd"):
        try:
            os.rmdir(d)
        except OSError:
            pass
    # containerd's shim leaves a cgroup per namespace in every hierarchy.
    import glob
    for top in glob.glob(f"/sys/fs/cgroup/*/{ns}"):
        for d, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            try:
                os.rmdir(d)
            except OSError:
                pass
    subprocess.run(["chattr", "-R", "-i", work], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
