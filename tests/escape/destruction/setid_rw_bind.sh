# defence: setid
# A writable bind is nosuid inside, but on the host a file keeps its mode:
# a set-uid or set-gid file made through --rw would run as the sandbox's
# owner for anyone who reaches the directory later. chmod, a creation mode
# and mknod each try to leave one; none may reach the host, and the report
# must list the refused calls.
. "$REPO/tests/escape/lib.sh"
out=$WORK/out
mkdir -p "$out" && chmod 777 "$out"
rep=$WORK/report.json
al --profile python --rw "$out:/out" --report "$rep" -- python3 -c '
import os, stat
def attempt(what, f):
    try:
        f()
        print(what, "ok")
    except OSError as e:
        print(what, e)
open("/out/a", "w").close()
attempt("chmod 4755", lambda: os.chmod("/out/a", 0o4755))
attempt("chmod 2755", lambda: os.chmod("/out/a", 0o2755))
attempt("open 04755", lambda: os.close(os.open("/out/b", os.O_CREAT | os.O_WRONLY, 0o4755)))
attempt("mknod 04755", lambda: os.mknod("/out/c", stat.S_IFREG | 0o4755))
attempt("mkdir 02755", lambda: os.mkdir("/out/d", 0o2755))
' >"$WORK/log" 2>&1
[ -f "$rep" ] || broken "no report: $(cat "$WORK/log")"
found=$(find "$out" -perm /6000 2>/dev/null)
[ -n "$found" ] && escaped "set-id files on the host: $(ls -ld $found | tr '\n' ' ')"
grep -q "chmod 4755 ok\|open 04755 ok\|mknod 04755 ok" "$WORK/log" && broken "a call succeeded but left no set-id file: $(cat "$WORK/log")"
viol=$(python3 -c 'import json,sys; print(" ".join(v["syscall"] for v in json.load(open(sys.argv[1]))["violations"]))' "$rep")
for s in chmod openat mknod; do
	[[ " $viol " == *"$s"* ]] || escaped "refused but not reported: $s (violations: $viol)"
done
contained "no set-id file on the host; reported: $viol"
