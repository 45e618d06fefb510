# airlock serve when its audit log cannot be written (the disk full): the
# run whose record failed is answered 503 audit_unavailable, not with its
# result; new work is refused 503 until the log is writable again; then a
# checkpoint "recovered" and work again (a small checkpoint may fit where
# a record does not: the gate then lets a run in whose record fails again). No partial line is left. Root only:
# the log lives on a 12K tmpfs in a mount namespace of the service's own.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
[ "$(id -u)" = 0 ] || exit 0
cd "$WORK" || exit 1
SOCK=$WORK/f.sock
C=(curl -sS --unix-socket "$SOCK")
"$AIRLOCK" audit keygen key >/dev/null || fail keygen
mkdir full
cat >ns.sh <<'SH'
#!/bin/sh
# ns.sh DIR AIRLOCK ARGS...: AIRLOCK with a 12K tmpfs on DIR (a filler of 4K in it).
dir=$1
shift
exec unshare -m sh -c 'mount -t tmpfs -o size=12k tmpfs "$0" && head -c 4096 /dev/zero >"$0/filler" && exec "$@"' "$dir" "$@"
SH
chmod +x ns.sh
SERVE_WRAP="$WORK/ns.sh $WORK/full" serve_start "$WORK/serve.log" --listen "unix:$SOCK" --audit-log "$WORK/full/log" --audit-key key
LOG=/proc/$SERVE_PID/root$WORK/full/log
refused=
for i in $(seq 60); do
	code=$("${C[@]}" -o out -w '%{http_code}' -d '{"argv":["true"]}' http://x/v1/execute)
	if [ "$code" = 503 ]; then
		refused=$i
		break
	fi
	[ "$code" = 200 ] || fail "execute $i: $code $(cat out)"
done
[ -n "$refused" ] || fail "the log never filled"
grep -q '"status":"audit_unavailable"' out || fail "the run without a record: $(cat out)"
code=$("${C[@]}" -o out -w '%{http_code}' -d '{"argv":["true"]}' http://x/v1/execute)
[ "$code" = 503 ] && grep -q audit_unavailable out || fail "new work while the log is full: $code $(cat out)"
"$AIRLOCK" audit verify --key key.pub "$LOG" >vout
# Every line good: sealed (by a "recovered" checkpoint that still fitted) or an unsealed tail.
grep -Eq '^(OK:|FAILED: unsealed from line)' vout || fail "a bad line in the full log: $(cat vout)"
[ "$(tail -c 1 "$LOG" | od -An -c | tr -d ' ')" = '\n' ] || fail "a partial line was left"
rm "/proc/$SERVE_PID/root$WORK/full/filler" || fail "cannot free the space"
code=$("${C[@]}" -o out -w '%{http_code}' -d '{"argv":["true"]}' http://x/v1/execute)
[ "$code" = 200 ] || fail "no work after the space came back: $code $(cat out)"
grep -q '"action":"checkpoint","reason":"recovered"' "$LOG" || fail "no recovered checkpoint"
cp "$LOG" copy
after=$(grep -n '"reason":"recovered"' copy | tail -1 | cut -d: -f1)
"$AIRLOCK" audit verify --key key.pub copy >vout
grep -q "^FAILED: unsealed from line $((after + 1)) " vout || fail "after recovery: $(cat vout)"
serve_stop
exit 0
