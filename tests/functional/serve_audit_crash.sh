# The audit log after kill -9 (issue 17): executions in a loop, the
# service killed under them; the log verifies up to its last record and
# verify names the line where the unsealed tail begins; the restarted
# service seals that tail with a checkpoint (reason "crash") that names the
# same line, and the log then verifies whole.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
cd "$WORK" || exit 1
SOCK=$WORK/c.sock
C=(curl -sS --unix-socket "$SOCK")
"$AIRLOCK" audit keygen key >/dev/null || fail keygen
# Checkpoints far apart: the kill comes between two.
serve_start "$WORK/serve1.log" --listen "unix:$SOCK" --audit-log log --audit-key key \
	--audit-checkpoint-records 100000 --audit-checkpoint-seconds 3600
for k in 1 2 3; do
	(while :; do "${C[@]}" -d '{"argv":["true"]}' http://x/v1/execute >/dev/null 2>&1 || exit 0; done) &
done
for i in $(seq 600); do [ "$(grep -c '"action":"execution"' log)" -ge 6 ] && break; sleep 0.05; done
[ "$(grep -c '"action":"execution"' log)" -ge 6 ] || fail "the executions did not run"
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
wait
# Before the restart: every line good, and the tail unsealed from line 1
# (this log has had no checkpoint yet).
"$AIRLOCK" audit verify --key key.pub log >out
[ $? = 1 ] || fail "verify after kill -9 did not fail: $(cat out)"
tail_line=$(sed -n 's/^FAILED: unsealed from line \([0-9]*\) (seq \([0-9]*\)).*/\1/p' out)
[ -n "$tail_line" ] || fail "verify did not name the unsealed tail: $(cat out)"
[ "$tail_line" = 1 ] || fail "the tail should begin at line 1 (no checkpoint yet): $(cat out)"
n=$(wc -l <log)
rm -f "$SOCK"
serve_start "$WORK/serve2.log" --listen "unix:$SOCK" --audit-log log --audit-key key
sed -n "$((n + 1))p" log | grep -q "\"action\":\"checkpoint\",\"reason\":\"crash\",\"count\":$n,.*\"unsealed_from_line\":$tail_line" ||
	fail "no crash checkpoint after line $n: $(sed -n "$((n + 1))p" log)"
"$AIRLOCK" audit verify --key key.pub log >out
grep -q '^FAILED: unsealed from line' out || true # the restarted service's records are unsealed until it stops
"${C[@]}" -d '{"argv":["true"]}' http://x/v1/execute >/dev/null || fail "an execution after the restart"
serve_stop
"$AIRLOCK" audit verify --key key.pub log >out || fail "verify after the restart: $(cat out)"
# A second crash, now after checkpoints: the tail begins after the last one.
serve_start "$WORK/serve3.log" --listen "unix:$SOCK" --audit-log log --audit-key key
"${C[@]}" -d '{"argv":["true"]}' http://x/v1/execute >/dev/null || fail "execute 3"
last_cp=$(grep -n '"action":"checkpoint"' log | tail -1 | cut -d: -f1)
kill -9 "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
"$AIRLOCK" audit verify --key key.pub log >out
grep -q "^FAILED: unsealed from line $((last_cp + 1)) " out || fail "tail after line $last_cp: $(cat out)"
rm -f "$SOCK"
serve_start "$WORK/serve4.log" --listen "unix:$SOCK" --audit-log log --audit-key key
serve_stop
"$AIRLOCK" audit verify --key key.pub log >out || fail "verify after the second crash: $(cat out)"
[ "$(grep -c '"reason":"crash"' log)" = 2 ] || fail "two crash checkpoints expected"
exit 0
