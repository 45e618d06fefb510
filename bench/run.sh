#!/usr/bin/env bash
# make bench: airlock side by side with plain exec, unshare, bubblewrap and
# firejail (issue 5). Installs what is missing, then bench/bench.py runs the
# scenarios interleaved, prints the table and writes build/bench/samples.json
# and build/bench/latency.png.
#
# BENCH_RUNS (default 200) runs per tool and latency scenario; BENCH_SECONDS
# (default 10) of throughput per tool; BENCH_MEM_RUNS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: run as root (peers and airlock's cgroups need it)" >&2
	exit 1
fi

# Debian packages, installed only when missing. `dpkg -s` alone also succeeds
# for a removed package whose config files remain, so look at its status.
installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }
missing=""
for p in bubblewrap firejail python3 util-linux; do
	installed "$p" || missing="$missing $p"
done
# gnuplot: any of its flavours will do.
installed gnuplot-nox || installed gnuplot-qt || installed gnuplot-x11 || missing="$missing gnuplot-nox"
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ ! -x build/airlock ]; then
	echo "bench/run.sh: build/airlock is missing; run 'make build/airlock' (or 'make bench')" >&2
	exit 1
fi

mkdir -p build/bench
/usr/bin/python3 bench/bench.py "$@"
# The service (issue 16), in a file of its own: bench/serve_bench.py.
/usr/bin/python3 bench/serve_bench.py
# The OCI runtime (issue 20) through containerd's ctr, against runc.
exec /usr/bin/python3 bench/oci_bench.py
