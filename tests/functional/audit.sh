# The audit log's tamper matrix (issue 17): a log written by airlock run
# --audit-log, then each kind of tampering, each found by airlock audit
# verify with the line it names; the key's mode; a crash's tail sealed.
. "$REPO/tests/escape/lib.sh"
cd "$WORK" || exit 1
A=$AIRLOCK
D=()
[ "$(id -u)" = 0 ] || D=(--allow-degraded)
fail() { echo "FAIL: $*"; exit 1; }

$A audit keygen k >/dev/null || fail keygen
[ "$(stat -c %a k)" = 600 ] || fail "the secret key is not 0600"
$A audit keygen other >/dev/null || fail keygen other
$A audit keygen k 2>/dev/null && fail "keygen overwrote a key"

# Three runs, each an execution, a violation (unshare) and a shutdown
# checkpoint: lines 1-9, seq 1-9.
for i in 1 2 3; do
	$A run "${D[@]}" --audit-log log --audit-key k -- /bin/sh -c 'echo secret-output; unshare -U true' \
		>/dev/null 2>&1
done
[ "$(wc -l <log)" = 9 ] || fail "expected 9 lines: $(cat log)"
grep -q secret-output log && fail "the program's output is in the log"
grep '"action":"violation"' log | grep -q '"syscall":"unshare","response":"errno","count":1' || fail "violation record: $(sed -n 2p log)"
$A audit verify --key k.pub log >out || fail "an intact log: $(cat out)"
grep -q '^OK: seq 1..9, 6 record(s), 3 checkpoint(s)' out || fail "$(cat out)"
[ "$($A audit show --action violation log | wc -l)" = 3 ] || fail "show --action"
$A audit show --action execution log | grep -q 'status=exited' || fail "show"
[ "$($A audit show --since 2000-01-01T00:00 log | wc -l)" = 9 ] || fail "show --since the past"
[ -z "$($A audit show --since 2999-01-01 log)" ] || fail "show --since the future"
[ -z "$($A audit show --tenant nobody log)" ] || fail "show --tenant"
$A audit show log | grep -q 'prev=' && fail "show prints the hashes"

# expect CASE LINE FILE: verify fails and names LINE.
expect() {
	$A audit verify --key "${4:-k.pub}" "$3" >out 2>&1
	local rc=$?
	[ $rc = 1 ] || fail "$1: verify exit $rc: $(cat out)"
	grep -Eq "^(FAILED: line|FAILED: unsealed from line) $2 " out || fail "$1: not line $2: $(cat out)"
	echo "ok: $1: $(head -1 out)"
}
line() { sed -n "${1}p" log | tr -d '\n'; }
hash_of() { line "$1" | sha256sum | cut -d' ' -f1; }

# 1. A byte flipped in line 4 (the second execution's status): line 5's
#    prev no longer matches.
sed '4s/"status":"exited"/"status":"exiteD"/' log >t1
expect "flip a byte" 5 t1
# 2. Line 5 deleted: line 5 now holds seq 6.
sed 5d log >t2
expect "delete a line" 5 t2
# 3. Lines 4 and 5 swapped.
{ sed -n 1,3p log; line 5; echo; line 4; echo; sed -n '6,$p' log; } >t3
expect "swap two lines" 4 t3
# 4. A forged record after line 3 with the right seq and prev: the next
#    line's seq is then a repeat.
{ sed -n 1,3p log
  printf '{"seq":4,"time":"2026-01-01T00:00:00.000Z","action":"execution","caller_uid":0,"prev":"%s"}\n' "$(hash_of 3)"
  sed -n '4,$p' log; } >t4
expect "insert a forged line" 5 t4
# 5. The tail dropped (the last checkpoint and the record before it): the
#    unsealed tail begins at line 7.
head -n 7 log >t5
expect "drop the tail" 7 t5
# 6. A checkpoint replaced: line 6 edited (its reason), its signature kept.
sed '6s/"reason":"shutdown"/"reason":"time"/' log >t6
expect "replace a checkpoint" 6 t6
# 6b. A checkpoint signed with another key, claiming the right key id.
other_id=$($A audit keygen o2 | sed 's/.*key id //')
right_id=$(sed -n 's/.*"key_id":"\([0-9a-f]*\)".*/\1/p' log | head -1)
$A run "${D[@]}" --audit-log o2log --audit-key o2 -- true >/dev/null 2>&1
sig=$(sed -n 's/.*"sig":"\([0-9a-f]*\)".*/\1/p' o2log | tail -1)
sed "6s/\"sig\":\"[0-9a-f]*\"/\"sig\":\"$sig\"/" log >t6b
expect "a checkpoint signed with another key" 6 t6b
[ -n "$other_id" ] && [ "$other_id" != "$right_id" ] || fail "key ids"
# 7. The right log, the wrong key: the first checkpoint.
expect "verify with another key" 3 log other.pub
# 8. A partial last line (the writer stopped mid-record).
{ cat log; printf '{"seq":10,"time":"2026'; } >t8
expect "a partial last line" 10 t8
# 9. Not JSON at all, and a line far too long.
{ sed -n 1,2p log; echo 'garbage'; } >t9
expect "garbage" 3 t9
{ sed -n 1,2p log; head -c 1100000 /dev/zero | tr '\0' a; echo; } >t10
expect "a line over 1 MiB" 3 t10
# 10. The head removed: the chain does not begin at seq 1.
sed 1d log >t11
expect "the first line removed" 1 t11

# The key: refused if group or others may read it.
cp k kk && chmod 640 kk
$A run "${D[@]}" --audit-log log --audit-key kk -- true 2>out && fail "ran with a group-readable key"
grep -q "chmod 600" out || fail "key message: $(cat out)"
$A audit verify --key k.pub log >/dev/null || fail "the refused run touched the log"

# A crash: records after the last checkpoint (as kill -9 leaves them). The
# next writer seals them with a checkpoint whose reason is "crash".
head -n 8 log >crash
$A audit verify --key k.pub crash >out
grep -q "^FAILED: unsealed from line 7 (seq 7)" out || fail "crash tail: $(cat out)"
$A run "${D[@]}" --audit-log crash --audit-key k -- true >/dev/null 2>&1
sed -n 9p crash | grep -q '"action":"checkpoint","reason":"crash","count":2,.*"unsealed_from_line":7,"unsealed_records":2' ||
	fail "crash checkpoint: $(sed -n 9p crash)"
$A audit verify --key k.pub crash >out || fail "after the crash seal: $(cat out)"
# A partial last line is cut off by the next writer, and noted.
{ cat log; printf '{"seq":10,"ti'; } >partial
$A run "${D[@]}" --audit-log partial --audit-key k -- true >/dev/null 2>&1
grep -q '"reason":"crash".*"discarded_bytes":13' partial || fail "partial: $(tail -3 partial)"
$A audit verify --key k.pub partial >out || fail "after the partial line: $(cat out)"

# airlock scan --audit-log: one record per file's verdict, with its SHA-256.
printf 'not a model' >plain.txt
$A scan --audit-log scan.log --audit-key k "$REPO/tests/fuzz/corpus/pickle/attrgetter_p0.pkl" plain.txt >/dev/null
[ $? = 1 ] || fail "scan exit status"
grep '"action":"scan_verdict"' scan.log | grep -q '"verdict":"dangerous".*"module":"operator"' || fail "scan: $(cat scan.log)"
grep -q "\"path\":\"plain.txt\",\"sha256\":\"$(sha256sum <plain.txt | cut -d' ' -f1)\"" scan.log || fail "scan hash"
$A audit verify --key k.pub scan.log >/dev/null || fail "scan log verify"
exit 0
