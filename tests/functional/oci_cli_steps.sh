# Sourced by oci_cli.sh through oci_subreaper.py, after create: the rest
# of the lifecycle, with $rt, $R and $id set. set -e: any failure stops it.
jget() { python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }
state() { "$rt" --root "$R" state "$id" | jget "$1"; }
pid=$(cat "$WORK/pid")
[ "$(state status)" = created ] || { echo "not created: $(state status)"; exit 1; }
[ "$(state pid)" = "$pid" ] || { echo "state pid $(state pid) != pid file $pid"; exit 1; }
"$rt" --root "$R" start "$id"
[ "$(state status)" = running ] || { echo "not running"; exit 1; }
# exec: its exit status, its pid file, --flag=value.
printf '{"args": ["sh", "-c", "cat /tmp/started; exit 4"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"]}' >"$WORK/p.json"
# (the init writes /tmp/started once it runs: wait for it)
for _ in $(seq 100); do
	rc=0
	"$rt" --root "$R" exec --process "$WORK/p.json" "$id" >/dev/null 2>&1 || rc=$?
	[ $rc = 4 ] && break
	sleep 0.05
done
rc=0
out=$("$rt" --root "$R" exec --process="$WORK/p.json" --pid-file "$WORK/epid" "$id") || rc=$?
[ "$rc" = 4 ] && [ "$out" = started ] || { echo "exec: rc $rc out $out"; exit 1; }
[ -s "$WORK/epid" ] || { echo "exec --pid-file empty"; exit 1; }
# ps: the init and nothing else now.
"$rt" --root "$R" ps --format json "$id" | python3 -c "import json,sys; p=json.load(sys.stdin); assert $pid in p, p"
# kill by name with SIG, by name without, by number.
"$rt" --root "$R" kill "$id" SIGSTOP
for _ in $(seq 100); do grep -q '^State:.*T' /proc/$pid/status && break; sleep 0.02; done
grep -q '^State:.*T' /proc/$pid/status || { echo "SIGSTOP not delivered"; exit 1; }
"$rt" --root "$R" kill "$id" CONT
for _ in $(seq 100); do grep -q '^State:.*T' /proc/$pid/status || break; sleep 0.02; done
grep -q '^State:.*T' /proc/$pid/status && { echo "CONT not delivered"; exit 1; }
"$rt" --root "$R" pause "$id"
[ "$(state status)" = paused ] || { echo "not paused: $(state status)"; exit 1; }
"$rt" --root "$R" resume "$id"
[ "$(state status)" = running ] || { echo "not resumed"; exit 1; }
"$rt" --root "$R" delete "$id" 2>/dev/null && { echo "deleted while running"; exit 1; }
"$rt" --root "$R" kill --all "$id" 9
for _ in $(seq 200); do [ "$(state status)" = stopped ] && break; sleep 0.02; done
[ "$(state status)" = stopped ] || { echo "not stopped after kill 9"; exit 1; }
"$rt" --root "$R" delete "$id"
echo "steps done"
