# airlock serve under load (root only by design: thousands of sandboxes with
# cgroups, as a service runs in production; as uid 65534 the test says so
# and checks nothing else): wrk (Debian's) POSTs /v1/execute of /bin/true
# from several connections for a while; every request must be answered 200
# with the run's result (no socket error, no other status), the service's
# RSS before and after is printed, and afterwards nothing is left: no
# sandbox process, no cgroup of the service, no socket file.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
if [ "$(id -u)" != 0 ]; then
	echo "serve wrk: root only by design (a load test of cgroup-backed sandboxes); nothing to check as $(id -u)"
	exit 0
fi
command -v wrk >/dev/null || fail "wrk is missing (Debian: wrk; make check installs it)"
cat >"$WORK/config.json" <<JSON
{"tenants": [{"name": "load", "token_sha256": "$(h token-load)"}]}
JSON
# The sanitizers' quarantine would hold freed memory and hide a leak's
# growth behind its own; keep it small for this measure.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
	serve_start "$WORK/serve.log" --listen "unix:$WORK/s.sock" --listen tcp:127.0.0.1:0 --config "$WORK/config.json"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }
export WRK_TOKEN=token-load
# A short warm-up (the allocator's pools), then the measure.
wrk -t 2 -c 4 -d 3s --timeout 30s -s "$CASE_DIR/serve_wrk.lua" "http://127.0.0.1:$PORT" >"$WORK/warm" 2>&1 || fail "wrk: $(cat "$WORK/warm")"
before=$(rss)
wrk -t 2 -c 6 -d ${WRK_SECONDS:-12}s --timeout 30s -s "$CASE_DIR/serve_wrk.lua" "http://127.0.0.1:$PORT" >"$WORK/wrk" 2>&1 || fail "wrk: $(cat "$WORK/wrk")"
after=$(rss)
cat "$WORK/wrk"
line=$(grep '^WRK requests=' "$WORK/wrk") || fail "no totals from the script"
eval "$(sed 's/^WRK //' <<<"$line" | tr ' ' '\n' | sed 's/^/w_/')"
[ "$w_requests" -ge 1000 ] || fail "only $w_requests requests in the run"
[ "$w_bad" = 0 ] && [ "$w_status" = 0 ] || fail "$w_bad answers were not 200 with a result: $(grep last_bad "$WORK/wrk")"
[ "$w_connect$w_read$w_write$w_timeout" = 0000 ] || fail "socket errors: $line"
[ "$w_ok" = "$w_requests" ] || fail "$w_ok results for $w_requests requests"
echo "serve RSS: before ${before} kB, after ${after} kB, $w_requests executions"
# Flat: a generous bound (64 MiB); the figures above are for the note.
[ $((after - before)) -lt 65536 ] || fail "RSS grew by $((after - before)) kB over $w_requests runs"
# wrk stops at its deadline with requests still in flight: the service
# finishes them (their clients are gone). Wait for that, then nothing may
# remain.
for _ in $(seq 100); do
	m=$(curl -sS --unix-socket "$WORK/s.sock" -H 'Authorization: Bearer token-load' http://x/metrics)
	grep -q 'airlock_sandboxes{state="running"} 0' <<<"$m" && [ -z "$(pgrep -P "$SERVE_PID")" ] && break
	sleep 0.1
done
grep -q 'airlock_sandboxes{state="running"} 0' <<<"$m" || fail "sandboxes still running 10 s after the load: $(grep '^airlock_sandboxes' <<<"$m")"
[ -z "$(pgrep -P "$SERVE_PID")" ] || fail "processes left under the service: $(pgrep -a -P "$SERVE_PID")"
pid=$SERVE_PID
serve_stop TERM
left=$(while IFS=: read -r _ ctrl path; do
	case ",$ctrl," in *,memory,* | *,pids,*) ;; *) continue ;; esac
	ls -d "/sys/fs/cgroup/${ctrl%%,*}${path%/}"/airlock-"$pid"-* 2>/dev/null
done </proc/self/cgroup)
[ -z "$left" ] || fail "cgroups left: $left"
echo "serve wrk ok"
