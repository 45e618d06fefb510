# airlock serve --audit-log (issue 17): a record for each action, written
# before the answer (each is in the log when curl returns), no output or
# secret value in it, a checkpoint at shutdown; the whole log verifies; a
# key others may read stops the service from starting.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
cd "$WORK" || exit 1
SOCK=$WORK/a.sock
C=(curl -sS --unix-socket "$SOCK")
"$AIRLOCK" audit keygen key >/dev/null || fail keygen
cp key bad && chmod 644 bad
"$AIRLOCK" serve --listen "unix:$SOCK" --audit-log log --audit-key bad 2>err && fail "served with a 0644 key"
grep -q "chmod 600" err || fail "key message: $(cat err)"
[ -s log ] && fail "the refused service wrote to the log"

serve_start "$WORK/serve.log" --listen "unix:$SOCK" --audit-log log --audit-key key
has() { grep -q "\"action\":\"$1\"" log || fail "no $1 record: $(cut -c1-160 log)"; }
has service_started
# A run: the record is there as soon as the answer is.
"${C[@]}" -d '{"language":"sh","code":"echo OUTPUT-MARK-$((6*7)); unshare -U true","files":[{"path":"in.txt","content":"hello"}]}' \
	http://x/v1/execute >out || fail execute
grep -q OUTPUT-MARK-42 out || fail "the run: $(cat out)"
has execution
has violation
grep -q OUTPUT-MARK-42 log && fail "the program's output is in the log"
sha=$(printf hello | sha256sum | cut -d' ' -f1)
grep '"action":"execution"' log | grep -q "\"path\":\"in.txt\",\"sha256\":\"$sha\",\"size\":5" || fail "the input file's hash"
grep '"action":"violation"' log | grep -q '"syscall":"unshare","count":1' || fail "violation record"
# A session: created, a file written and read, a command, a snapshot, a
# restore, a reset, deleted.
id=$("${C[@]}" -d '{}' http://x/v1/sandboxes | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail session
has session_created
"${C[@]}" -X PUT --data-binary 'FILE-MARK' "http://x/v1/sandboxes/$id/files/f.txt" >/dev/null || fail PUT
has file_written
"${C[@]}" "http://x/v1/sandboxes/$id/files/f.txt" >/dev/null || fail GET
has file_read
grep -q FILE-MARK log && fail "a file's content is in the log"
"${C[@]}" -d '{"argv":["cat","f.txt"]}' "http://x/v1/sandboxes/$id/commands" >/dev/null || fail command
has command
snap=$("${C[@]}" -X POST "http://x/v1/sandboxes/$id/snapshots" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail snapshot
has snapshot
"${C[@]}" -d "{\"snapshot\":\"$snap\"}" "http://x/v1/sandboxes/$id/restore" >/dev/null || fail restore
has session_restored
"${C[@]}" -d '{}' "http://x/v1/sandboxes/$id/reset" >/dev/null || fail reset
has session_reset
"${C[@]}" -X DELETE "http://x/v1/sandboxes/$id" >/dev/null || fail delete
has session_destroyed
# A session that outlives its idle timeout.
"${C[@]}" -d '{"idle_timeout":1}' http://x/v1/sandboxes >/dev/null || fail "short session"
for i in $(seq 200); do grep -q '"action":"session_expired"' log && break; sleep 0.05; done
has session_expired
kill -HUP "$SERVE_PID"
for i in $(seq 100); do grep -q '"action":"config_reloaded"' log && break; sleep 0.05; done
has config_reloaded
serve_stop
has service_stopped
tail -1 log | grep -q '"action":"checkpoint","reason":"shutdown"' || fail "no shutdown checkpoint: $(tail -1 log)"
"$AIRLOCK" audit verify --key key.pub log >out || fail "verify: $(cat out)"
grep -q '^OK:' out || fail "verify: $(cat out)"
"$AIRLOCK" audit show --action session_created log | grep -q "sandbox=$id" || fail "show"
# A second start continues the same chain.
serve_start "$WORK/serve2.log" --listen "unix:$SOCK" --audit-log log --audit-key key --audit-checkpoint-records 2
"${C[@]}" -d '{"argv":["true"]}' http://x/v1/execute >/dev/null || fail execute2
serve_stop
"$AIRLOCK" audit verify --key key.pub log >out || fail "verify after a restart: $(cat out)"
[ "$(grep -c '"reason":"records"' log)" -ge 1 ] || fail "no checkpoint every 2 records"

# Tenants, every violation counted, a checkpoint on the timer, rotation by size.
cat >config.json <<JSON
{"admin": {"token_sha256": "$(h admin-secret)"},
 "tenants": [{"name": "team-a", "token_sha256": "$(h token-a)",
              "on_violations": {"throttle_after": 1, "quarantine_after": 2, "window": 600, "quarantine_for": 900}}]}
JSON
serve_start "$WORK/serve3.log" --listen "unix:$SOCK" --config config.json --audit-log rot --audit-key key \
	--audit-checkpoint-seconds 1 --audit-max-size 8K
T=(-H "Authorization: Bearer token-a")
"${C[@]}" "${T[@]}" -d '{"language":"sh","code":"for i in $(seq 40); do unshare -U true 2>/dev/null; done"}' \
	http://x/v1/execute >/dev/null || fail "the storm"
grep '"action":"violation"' rot | grep -q '"tenant":"team-a".*"syscall":"unshare","count":40' ||
	fail "violations not all counted: $(grep '"action":"violation"' rot)"
grep -q '"action":"tenant_quarantined","tenant":"team-a"' rot || fail "no tenant_quarantined: $(cut -c1-120 rot)"
"${C[@]}" -H "Authorization: Bearer admin-secret" -X POST http://x/v1/admin/tenants/team-a/lift >/dev/null || fail lift
grep -q '"action":"tenant_lifted","tenant":"team-a","by":"admin"' rot || fail "no tenant_lifted"
for i in $(seq 200); do grep -q '"reason":"time"' rot && break; sleep 0.05; done
grep -q '"reason":"time"' rot || fail "no checkpoint on the timer"
for i in $(seq 12); do
	"${C[@]}" "${T[@]}" -d "{\"argv\":[\"true\"],\"files\":[{\"path\":\"f$i\",\"content\":\"$i\"}]}" \
		http://x/v1/execute >/dev/null || fail "execute $i"
done
serve_stop
ls rot.0* >/dev/null 2>&1 || fail "no rotation past 8K"
for f in rot.0* rot; do [ "$(stat -c %s "$f")" -le 12288 ] || fail "$f: larger than the rotation size allows"; done
"$AIRLOCK" audit verify --key key.pub rot.0* rot >out || fail "verify the rotated files: $(cat out)"
"$AIRLOCK" audit verify --key key.pub rot >out && fail "the last file alone verified without --partial"
"$AIRLOCK" audit verify --partial --key key.pub rot >out || fail "--partial: $(cat out)"
exit 0
