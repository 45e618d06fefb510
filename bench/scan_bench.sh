#!/bin/bash
# Scan throughput: airlock scan (release build) against picklescan's approach,
# Python's pickletools.genops over the same pickle bytes. Makes a benign
# checkpoint of SIZE_MB (default 300) in build/bench-scan/: a pickle of many
# NumPy arrays (protocol 4, so the array bytes are in the stream) and the
# same state as a PyTorch zip when torch is installed. Median of RUNS runs.
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-300}
RUNS=${RUNS:-5}
D=build/bench-scan
mkdir -p "$D"
[ -x build/airlock ] || make build/airlock >/dev/null
/usr/bin/python3 - "$D" "$SIZE_MB" <<'PY'
import os, pickle, sys
import numpy as np
d, mb = sys.argv[1], int(sys.argv[2])
path = os.path.join(d, "big.pkl")
if not os.path.exists(path) or os.path.getsize(path) < mb * 1000000:
    rng = np.random.default_rng(0)
    # many medium tensors, like a state dict: 1000 arrays of SIZE_MB/1000 MB
    n = 1000
    per = mb * (1 << 20) // n // 4
    state = {f"layer{i}.weight": rng.standard_normal(per, dtype=np.float32) for i in range(n)}
    with open(path, "wb") as f:
        pickle.dump(state, f, protocol=4)
    try:
        import torch
        torch.save({k: torch.from_numpy(v) for k, v in state.items()}, os.path.join(d, "big.pt"))
    except Exception:
        pass
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { # prints seconds
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
bytes=$(stat -c %s "$D/big.pkl")
mb=$(echo "$bytes / 1048576" | bc -l)
# warm the page cache so that both read from memory
cat "$D/big.pkl" >/dev/null
a=$(for i in $(seq "$RUNS"); do time_cmd build/airlock scan "$D/big.pkl"; done | median)
g=$(for i in $(seq "$RUNS"); do time_cmd /usr/bin/python3 -c '
import pickletools, sys
data = open(sys.argv[1], "rb").read()
for op, arg, pos in pickletools.genops(data):
    if op.name in ("GLOBAL", "STACK_GLOBAL", "INST"):
        pass
' "$D/big.pkl"; done | median)
printf 'pickle of %.0f MB (%s arrays), median of %s runs\n' "$mb" 1000 "$RUNS"
printf '  airlock scan            %8.3f s  %8.0f MB/s\n' "$a" "$(echo "$mb / $a" | bc -l)"
printf '  pickletools.genops      %8.3f s  %8.0f MB/s\n' "$g" "$(echo "$mb / $g" | bc -l)"
printf '  ratio (genops / airlock) %7.1fx\n' "$(echo "$g / $a" | bc -l)"
if [ -f "$D/big.pt" ]; then
	cat "$D/big.pt" >/dev/null
	tb=$(stat -c %s "$D/big.pt")
	t=$(for i in $(seq "$RUNS"); do time_cmd build/airlock scan "$D/big.pt"; done | median)
	printf 'PyTorch zip of %.0f MB: airlock scan %.3f s (%.0f MB/s; only data.pkl is parsed)\n' \
		"$(echo "$tb / 1048576" | bc -l)" "$t" "$(echo "$tb / 1048576 / $t" | bc -l)"
fi
