#!/usr/bin/python3
"""Where a launch's time goes: runs build/trace/airlock (make build/trace/airlock)
N times on a command and prints the median time of each step of the launch
path, from the trace marks of src/trace.h. Usage:
    bench/trace.py [-n RUNS] [-- airlock run options and command]
Default: 200 runs of `airlock run -- /bin/true`."""
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "trace", "airlock")


def one(argv):
    r = subprocess.run([BIN, "run"] + argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    marks = []
    for line in r.stderr.splitlines():
        p = line.split(None, 3)
        if len(p) == 4 and p[0] == "trace":
            marks.append((float(p[2]), p[3]))
    marks.sort()
    return marks


def main():
    args = sys.argv[1:]
    n = 200
    if len(args) >= 2 and args[0] == "-n":
        n = int(args[1])
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        args = ["--", "/bin/true"]
    steps = {}
    order = []
    totals = []
    for i in range(n + 5):
        marks = one(args)
        if i < 5 or not marks:
            continue
        totals.append(marks[-1][0] - marks[0][0])
        for (t0, _), (t1, name) in zip(marks, marks[1:]):
            if name not in steps:
                steps[name] = []
                order.append(name)
            steps[name].append(t1 - t0)
    print("%d runs of airlock run %s" % (len(totals), " ".join(args)))
    print("step (time since the previous mark)            median ms   p90 ms")
    for name in order:
        xs = sorted(steps[name])
        print("  %-44s %8.3f %8.3f" % (name, statistics.median(xs), xs[int(len(xs) * 0.9)]))
    print("  %-44s %8.3f" % ("main .. exit", statistics.median(totals)))


if __name__ == "__main__":
    main()
