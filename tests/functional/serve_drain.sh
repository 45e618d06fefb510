# airlock serve, SIGTERM drains: a run in flight finishes and is answered,
# the listeners close at once (a new connection is refused, the socket file
# is gone), and the service exits 0 once the run is answered. With a run
# longer than --drain-timeout, the service stops at its deadline anyway:
# the run's client gets an answer (503) and nothing of the sandbox stays.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
C=(curl -sS --unix-socket "$SOCK")
mark=$((RANDOM % 1000 + 1000)).$$

serve_start "$WORK/serve.log" --listen "unix:$SOCK"
# A run that holds until the test ends its sleep (no timing involved).
"${C[@]}" -o "$WORK/r1" -w '%{http_code}' -d "{\"argv\":[\"sh\",\"-c\",\"sleep $mark; echo finished\"]}" \
	http://x/v1/execute >"$WORK/c1" 2>&1 &
c1=$!
for i in $(seq 400); do pgrep -f "^sleep $mark\$" >/dev/null && break; sleep 0.05; done
pgrep -f "^sleep $mark\$" >/dev/null || fail "the run did not start"
kill -TERM "$SERVE_PID"
for i in $(seq 400); do grep -q 'event=draining' "$SERVE_LOG" && break; sleep 0.05; done
grep -q 'event=draining running=1' "$SERVE_LOG" || fail "no draining line with the run"
[ -e "$SOCK" ] && fail "the socket file is still there while draining"
"${C[@]}" http://x/healthz >/dev/null 2>&1 && fail "a new connection was accepted while draining"
kill -0 "$SERVE_PID" || fail "the service exited before its run was answered"
# Let the run finish: its sleep ends, the shell goes on and exits 0.
pkill -f "^sleep $mark\$"
wait $c1
[ "$(cat "$WORK/c1")" = 200 ] || fail "the run in flight was not answered 200: $(cat "$WORK/c1") $(cat "$WORK/r1")"
grep -q '"stdout":"finished\\n"' "$WORK/r1" || fail "the run was cut: $(cat "$WORK/r1")"
wait "$SERVE_PID"
rc=$?
SERVE_PID=
[ $rc = 0 ] || fail "exit $rc after the drain"
grep -q 'event=stopped' "$SERVE_LOG" || fail "no stopped line"
grep -q 'event=drain_timeout' "$SERVE_LOG" && fail "the drain hit its deadline"

# A run longer than the deadline: the service does not wait for it.
serve_start "$WORK/serve2.log" --listen "unix:$SOCK" --drain-timeout 1
"${C[@]}" -o "$WORK/r2" -w '%{http_code}' -d "{\"argv\":[\"sleep\",\"$mark\"]}" http://x/v1/execute >"$WORK/c2" 2>&1 &
c2=$!
for i in $(seq 400); do pgrep -f "^sleep $mark\$" >/dev/null && break; sleep 0.05; done
pgrep -f "^sleep $mark\$" >/dev/null || fail "the long run did not start"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
rc=$?
SERVE_PID=
[ $rc = 0 ] || fail "exit $rc after the drain deadline"
grep -q 'event=drain_timeout running=1' "$SERVE_LOG" || fail "no drain_timeout line"
wait $c2
[ "$(cat "$WORK/c2")" = 503 ] || fail "the cut run was not answered 503: $(cat "$WORK/c2") $(cat "$WORK/r2")"
for i in $(seq 100); do pgrep -f "^sleep $mark\$" >/dev/null || break; sleep 0.05; done
pgrep -f "^sleep $mark\$" >/dev/null && fail "the cut run's process outlived the service"
[ -e "$SOCK" ] && fail "socket file left"
echo "serve drain ok"
