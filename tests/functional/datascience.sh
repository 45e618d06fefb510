# The Python profiles run what Debian ships for data science, for real:
# NumPy, pandas (a CSV), scikit-learn with joblib (fit, dump, load), SciPy,
# matplotlib (Agg, a PNG) and torch (save and load a state dict with
# weights_only), in model-eval and python; NumPy and pandas in agent. The
# files come back through --rw and are checked on the host; stderr must be
# empty (no library complaining about a missing file) and /etc inside holds
# only the few entries the libraries need.
. "$REPO/tests/escape/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
# Debian's python3, whatever else is first on $PATH.
/usr/bin/python3 -c 'import numpy, pandas, sklearn, scipy, matplotlib, torch' 2>/dev/null ||
	fail "the Debian packages are missing on the host (make deps installs them)"

cat >"$WORK/ds.py" <<'EOF'
import os, sys
import numpy as np
import pandas as pd
import scipy.linalg, scipy.special
import joblib
from sklearn.linear_model import LogisticRegression
import matplotlib
import matplotlib.pyplot as plt
import torch

out = sys.argv[1]
a = np.arange(12, dtype=np.float64).reshape(3, 4)
print("numpy", int((a @ a.T).trace()))                       # 0..11: 506
print("blas", round(float(np.linalg.det(np.diag([2.0, 3.0, 4.0]))), 6))  # through libblas/liblapack

df = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]})
df["z"] = df.x * df.y
df.to_csv(os.path.join(out, "frame.csv"), index=False)
print("pandas", df.z.sum(), pd.Timestamp("2024-03-01", tz="Europe/Paris").utcoffset())

print("scipy", round(float(scipy.special.gamma(5)), 6), float(scipy.linalg.inv(np.eye(2) * 4).sum()))

rng = np.random.default_rng(0)
X = rng.random((60, 2))
y = (X[:, 0] > 0.5).astype(int)
joblib.dump(LogisticRegression().fit(X, y), os.path.join(out, "model.joblib"))
m = joblib.load(os.path.join(out, "model.joblib"))
print("sklearn", list(m.predict([[0.05, 0.5], [0.95, 0.5]])))
# No /dev/shm inside: joblib runs "parallel" work serially, silently.
print("joblib", joblib.Parallel(n_jobs=2)(joblib.delayed(pow)(i, 2) for i in range(3)))

fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
ax.plot([0, 1, 2], [0, 1, 4])
ax.set_title("airlock")
fig.savefig(os.path.join(out, "plot.png"))
print("matplotlib", matplotlib.get_backend())

torch.manual_seed(0)
net = torch.nn.Linear(3, 2)
torch.save(net.state_dict(), os.path.join(out, "net.pt"))
sd = torch.load(os.path.join(out, "net.pt"), weights_only=True)
print("torch", sorted(sd), all(torch.equal(sd[k], v) for k, v in net.state_dict().items()))
print("etc", sorted(os.listdir("/etc")), sorted(os.listdir("/etc/alternatives")))
EOF
chmod 644 "$WORK/ds.py"

want="numpy 506
blas 24.0
pandas 11.0 1:00:00
scipy 24.0 0.5
sklearn [0, 1]
joblib [0, 1, 4]
matplotlib agg
torch ['bias', 'weight'] True
etc ['alternatives', 'fonts', 'matplotlibrc'] ['libblas.so.3-x86_64-linux-gnu', 'liblapack.so.3-x86_64-linux-gnu']"

for p in model-eval python model-eval; do
	out=$WORK/out-$p
	# The caller's own 0700 directory: the sandbox writes it as the caller
	# (as root through an id-mapped bind). The third run goes over the
	# first one's files.
	mkdir -p "$out" && chmod 700 "$out"
	got=$(al --profile $p --ro "$WORK/ds.py:/opt/ds.py" --rw "$out:/out" -- python3 /opt/ds.py /out 2>"$WORK/err-$p") ||
		fail "$p: $got $(cat "$WORK/err-$p")"
	[ "$(stat -c %u "$out/plot.png")" = "$(id -u)" ] || fail "$p: plot.png belongs to uid $(stat -c %u "$out/plot.png")"
	[ "$got" = "$want" ] || fail "$p: got
$got"
	# Unprivileged, airlock says once that it runs degraded (no cgroup).
	grep -v '^airlock: degraded:' "$WORK/err-$p" >"$WORK/err-$p.lib"
	[ ! -s "$WORK/err-$p.lib" ] || fail "$p: stderr: $(cat "$WORK/err-$p.lib")"
	# On the host: the CSV as written, a PNG of 4x3 inches at 50 dpi, and
	# the state dict and model files present.
	[ "$(cat "$out/frame.csv")" = "x,y,z
1,0.5,0.5
2,1.5,3.0
3,2.5,7.5" ] || fail "$p: frame.csv: $(cat "$out/frame.csv")"
	/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR", d
assert struct.unpack(">II", d[16:24]) == (200, 150), struct.unpack(">II", d[16:24])' "$out/plot.png" ||
		fail "$p: plot.png is not the 200x150 PNG"
	[ -s "$out/net.pt" ] && [ -s "$out/model.joblib" ] || fail "$p: net.pt or model.joblib missing"
done

# agent: the project directory is the cwd, writable; NumPy and pandas.
mkdir -p "$WORK/home/proj"
chmod 777 "$WORK/home/proj"
cd "$WORK/home/proj" || fail cd
got=$(HOME=$WORK/home al --profile agent -- python3 -c '
import numpy as np, pandas as pd
pd.DataFrame({"a": np.arange(3) ** 2}).to_csv("squares.csv", index=False)
print("agent", int(np.linalg.matrix_rank(np.eye(3))))' 2>"$WORK/err-agent") || fail "agent: $got $(cat "$WORK/err-agent")"
[ "$got" = "agent 3" ] || fail "agent: $got"
grep -v '^airlock: degraded:' "$WORK/err-agent" >"$WORK/err-agent.lib"
[ ! -s "$WORK/err-agent.lib" ] || fail "agent: stderr: $(cat "$WORK/err-agent.lib")"
[ "$(cat squares.csv)" = "a
0
1
4" ] || fail "agent: squares.csv: $(cat squares.csv)"
echo "datascience ok"
