#!/bin/bash
# The fuzz bridge: inputs the scanner's fuzzers saved (new coverage) go to
# the real loaders through tests/scan/loader_probe.py inside airlock run
# --profile model-eval, and every global a loader imported must be among
# airlock scan's globals for that input, as in tests/functional/
# scan_differential.sh. Disagreeing inputs are copied to OUT; a disagreement
# where the scan passed the file (safe or skipped) fails the run, one where
# the scan already failed it (error, unknown, dangerous) is counted.
#   tests/scan/fuzz_differential.sh AIRLOCK OUT DIR... (MAX inputs, newest first)
set -u
AIRLOCK=$1 OUT=$2
shift 2
MAX=${FUZZ_DIFF_MAX:-3000}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/airlock-fuzzdiff.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$OUT"
# newest first, bounded (MAX shared evenly by the directories): the probe
# forks one child per input and loader
n=0
per=$((MAX / $#))
for d in "$@"; do
	[ -d "$d" ] || continue
	for f in $(ls -t "$d" | head -n "$per"); do
		cp "$d/$f" "$work/in/$(basename "$d")-$f" && n=$((n + 1))
	done
done
cp "$REPO/tests/scan/loader_probe.py" "$work/probe.py"
chmod -R a+rX "$work"
extra=()
[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
ls "$work/in" | sed 's|^|/in/|' >"$work/files"
xargs -a "$work/files" -d '\n' "$AIRLOCK" run "${extra[@]}" --profile model-eval --time 3600 --output 256M \
	--ro "$work/in:/in" --ro "$work/probe.py:/probe.py" -- python3 /probe.py >"$work/probe.jsonl" 2>"$work/probe.err"
ls "$work/in" | sed "s|^|$work/in/|" | tr '\n' '\0' | xargs -0 "$AIRLOCK" scan --json >"$work/scan.json"
/usr/bin/python3 - "$REPO/tests/scan" "$work" "$OUT" "$n" <<'PY'
import json, shutil, sys
sys.path.insert(0, sys.argv[1])
from loader_probe import compare_scan
work, out, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
recs, printed = [], 0
for line in open(work + "/probe.jsonl"):
    try:
        rec = json.loads(line)
    except ValueError:
        printed += 1
        continue
    rec["path"] = work + rec["path"]
    recs.append(rec)
# xargs may have run airlock scan more than once: one document each
text, at, files = open(work + "/scan.json").read(), 0, []
dec = json.JSONDecoder()
while at < len(text.rstrip()):
    doc, at = dec.raw_decode(text, at)
    files += doc["files"]
    while at < len(text) and text[at].isspace():
        at += 1
scan = {"files": files}
verdict = {f["path"]: f["verdict"] for f in scan["files"]}
bad = compare_scan(recs, scan)
passed = [b for b in bad if verdict.get(b[0]) in ("safe", "skipped")]
for b in bad:
    shutil.copy(b[0], out)
    print("DISAGREE (%s) %s: %s imported %s.%s" % ((verdict.get(b[0]),) + b))
imports = sum(len(r["globals"]) for r in recs)
print("fuzz bridge: %d inputs, %d loads, %d imports; %d disagreements (%d on files the scan passed); "
      "%d stray output lines" % (n, len(recs), imports, len(bad), len(passed), printed))
sys.exit(1 if passed or printed else 0)
PY
