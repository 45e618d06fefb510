# Differential test of airlock scan against the real loaders (issue 14): the
# corpus goes through pickle (C, on a file and a BytesIO), pickle._Unpickler,
# numpy.load, joblib.load and torch.load inside `airlock run --profile
# model-eval`, each with an instrumented find_class that records and stubs
# (tests/scan/loader_probe.py); every global a loader imported must be among
# airlock scan's globals for that file. Nothing may run: every line the
# loaders print is a probe record. A negative control drops one global from
# the scan's answer and the comparison must notice.
set -u
fail() { echo "FAIL: $*"; exit 1; }
C=$WORK/corpus
/usr/bin/python3 "$REPO/tests/scan/make_corpus.py" "$C" >/dev/null || fail "corpus generation failed"
cp "$REPO/tests/scan/loader_probe.py" "$WORK/probe.py"
chmod -R a+rX "$C" "$WORK/probe.py"
cut -f2 "$C/MANIFEST" | sed "s|^|/corpus/|" >"$WORK/files"
# Three sandboxes side by side (one per group of loaders) to stay well
# inside the runner's time limit; each batches every file.
extra=()
[ "$(id -u)" = 0 ] || extra+=(--allow-degraded) # no delegated cgroup as 65534
i=0
for group in pickle,pickle-bytesio pickle-python,numpy joblib,torch; do
	i=$((i + 1))
	xargs -a "$WORK/files" -d '\n' "$AIRLOCK" run "${extra[@]}" --profile model-eval --ro "$C:/corpus" \
		--ro "$WORK/probe.py:/probe.py" -- python3 /probe.py --loaders=$group \
		>"$WORK/probe$i.out" 2>"$WORK/probe$i.err" &
done
wait
cat "$WORK"/probe[123].out >"$WORK/probe.jsonl"
for i in 1 2 3; do [ ! -s "$WORK/probe$i.err" ] || { echo "probe $i stderr:"; tail -5 "$WORK/probe$i.err"; }; done
cut -f2 "$C/MANIFEST" | sed "s|^|$C/|" | tr '\n' '\0' | xargs -0 "$AIRLOCK" scan --json >"$WORK/scan.json"
/usr/bin/python3 - "$REPO/tests/scan" "$C" "$WORK/probe.jsonl" "$WORK/scan.json" "$(wc -l <"$WORK/files")" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from loader_probe import compare_scan
root, nfiles = sys.argv[2], int(sys.argv[5])
recs = []
for line in open(sys.argv[3]):
    try:
        rec = json.loads(line)
    except ValueError:
        sys.exit("FAIL: a loader printed something (did a payload run?): %r" % line[:200])
    rec["path"] = root + rec["path"][len("/corpus"):]
    recs.append(rec)
loaders = {r["loader"] for r in recs}
want = {"pickle", "pickle-bytesio", "pickle-python", "numpy", "joblib", "torch"}
assert len(recs) == nfiles * len(loaders), (len(recs), nfiles, loaders)
assert loaders >= want - {"torch"}, loaders  # torch only where installed
scan = json.load(open(sys.argv[4]))
bad = compare_scan(recs, scan)
for b in bad[:20]:
    print("DISAGREE %s: %s imported %s.%s, airlock scan did not report it" % b)
if bad:
    sys.exit("FAIL: %d disagreements" % len(bad))
# negative control: a scan that misses posix.system is caught
victim = next(r for r in recs if ["posix", "system"] in r["globals"])
for f in scan["files"]:
    if f["path"] == victim["path"]:
        f["globals"] = [g for g in f["globals"] if (g["module"], g["name"]) != ("posix", "system")]
assert compare_scan(recs, scan), "control: a missing global went unnoticed"
imports = sum(len(r["globals"]) for r in recs)
print("%d files x %d loaders, %d imports recorded, all reported by airlock scan" % (nfiles, len(loaders), imports))
PY
