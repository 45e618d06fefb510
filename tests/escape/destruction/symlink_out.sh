# defence: mount,landlock
# Symlinks made in a writable workspace are resolved in the sandbox's view,
# never the host's: writes through links to an unbound host file (absolute,
# relative, via a directory link) and to a file of a read-only bind leave
# the host files (world-writable there) untouched.
. "$REPO/tests/escape/lib.sh"
ws=$WORK/ws ro=$WORK/ro
mkdir "$ws" "$ro" && chmod 777 "$ws" "$ro"
echo original >"$WORK/victim" && echo original >"$ro/file"
chmod 666 "$WORK/victim" "$ro/file"
out=$(al --rw "$ws:$ws" --ro "$ro:$ro" -- sh -c '
	ws=$1; cd "$ws" || exit 9
	ln -s "${ws%/ws}/victim" abs && echo pwned-abs >abs
	ln -s ../victim rel && echo pwned-rel >>rel
	ln -s .. up && echo pwned-up >>up/victim
	ln -s "${ws%/ws}/ro/file" ro && echo pwned-ro >ro
	ls -l' sh "$ws" 2>&1)
echo "$out"
[ "$(cat "$WORK/victim")" = original ] || escaped "wrote the host file through a symlink: $(tr '\n' ' ' <"$WORK/victim")"
[ "$(cat "$ro/file")" = original ] || escaped "wrote the read-only bind's host file through a symlink"
[ -L "$ws/abs" ] && [ -L "$ws/ro" ] || broken "the symlinks were not made (the attack did not run)"
grep -q "Read-only file system" <<<"$out" || broken "the write through the link into the read-only bind did not fail with EROFS"
contained "writes through symlinks stayed inside the sandbox"
