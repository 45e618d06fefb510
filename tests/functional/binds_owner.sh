# What is bound is the caller's: inside, the sandbox writes the caller's
# writable binds as the caller does (a 0700 directory, a file an earlier run
# wrote), reads a private read-only one with --ro-as-caller, and what it
# creates there belongs to the caller on the host; as root this is an
# id-mapped mount, and the sandbox still runs as a host uid of its own for
# everything else. A world-writable directory is not id-mapped.
. "$REPO/tests/escape/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
d=$WORK/job
mkdir -p "$d/data" "$d/out" "$d/model"
printf 'a\nb\nc\n' >"$d/data/rows.csv"
echo weights >"$d/model/w.bin"
chmod 700 "$d/model" "$d/out"
me=$(id -u)
# A private read-only directory is read as the caller only when asked (--ro-as-caller).
if [ "$me" = 0 ]; then
	al --ro "$d/model:/model" -- cat /model/w.bin >/dev/null 2>&1 && fail "a private directory read without --ro-as-caller"
fi
out=$(al --ro-as-caller --ro "$d/data:/data" --rw "$d/out:/out" --ro "$d/model:/model" --report "$WORK/r.json" -- sh -c '
	wc -l /data/rows.csv > /out/n && cat /model/w.bin && cat /proc/self/uid_map' 2>&1) || fail "first run: $out"
[ "$(cat "$d/out/n")" = "3 /data/rows.csv" ] || fail "output: $(cat "$d/out/n")"
[ "$(stat -c %u "$d/out/n")" = "$me" ] || fail "the file belongs to uid $(stat -c %u "$d/out/n"), not the caller ($me)"
[[ "$out" == *weights* ]] || fail "0700 directory not readable: $out"
host_uid=$(report_field "$WORK/r.json" host_uid)
if [ "$me" = 0 ]; then
	[ "$host_uid" -ge 1000000000 ] || fail "as root, the sandbox runs as host uid $host_uid"
	grep -Eq "^ *0 +$host_uid +1$" <<<"$out" || fail "uid map: $out"
fi
out=$(al --rw "$d/out:/out" -- sh -c 'echo again > /out/n && echo new > /out/m' 2>&1) || fail "second run: $out"
[ "$(cat "$d/out/n")" = again ] || fail "a second run could not overwrite the first one's file"
[ "$(stat -c %u:%g "$d/out/m")" = "$(id -u):$(id -g)" ] || fail "new file owner $(stat -c %u:%g "$d/out/m")"
if [ "$me" = 0 ]; then
	mkdir -m 1777 "$d/shared"
	al --rw "$d/shared:/s" -- sh -c 'echo x > /s/f' || fail "world-writable bind"
	[ "$(stat -c %u "$d/shared/f")" = "$host_uid" ] || [ "$(stat -c %u "$d/shared/f")" -ge 1000000000 ] ||
		fail "a file in a world-writable bind belongs to $(stat -c %u "$d/shared/f"): it was id-mapped"
fi
echo "binds owner ok (host uid $host_uid)"
