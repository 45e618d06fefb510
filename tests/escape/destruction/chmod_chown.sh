# defence: mount
# Files of a read-only bind keep their metadata, even files the sandbox's
# uid owns on the host: chmod (set-uid, world-writable, mode 000), chown and
# touch all fail with EROFS. As root the case picks the sandbox's host uid
# with --uid-range and gives it the files, bound by a profile (the caller's
# own binds would be id-mapped to the caller); as an unprivileged caller the
# sandbox runs as the caller, who owns them already.
. "$REPO/tests/escape/lib.sh"
d=$WORK/data
mkdir "$d" && echo data >"$d/prog" && echo data >"$d/notes"
chmod 755 "$d" "$d/prog" && chmod 644 "$d/notes"
uid=$((1999000000 + $$ % 50000))
[ "$(id -u)" = 0 ] && chown -R "$uid:$uid" "$d"
state() { stat -c '%n %a %u:%g %Y' "$d" "$d/prog" "$d/notes"; }
before=$(state)
prof=$(profile_with_bind data ro "$d:$d")
out=$(al --uid-range "$uid:1" --profile "$prof" -- sh -c '
	cd "$1" || exit 9
	ls -ln
	chmod 4777 prog && echo "prog is set-uid, world-writable"
	chmod 000 notes && echo "notes mode 000"
	chmod 777 . && echo "directory world-writable"
	chown 0:0 prog notes && echo "chowned"
	touch -d 2000-01-01 notes && echo "touched"
	true' sh "$d" 2>&1)
echo "$out"
after=$(state)
[ "$before" = "$after" ] || escaped "metadata changed on the host: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
grep -q "Read-only file system" <<<"$out" || broken "no EROFS"
grep -q ' 0 *0 .* prog' <<<"$out" || broken "the sandbox does not own the files (uid map)"
contained "chmod, chown, touch on the read-only bind: EROFS"
