# defence: mount,landlock
# A directory bound read-only cannot be changed from inside, even though the
# host directory and its file are world-writable: no overwrite, append,
# truncate, new file, new directory, rename or removal reaches the host.
. "$REPO/tests/escape/lib.sh"
d=$WORK/data
mkdir "$d" && echo original >"$d/file" && mkdir "$d/sub" && echo keep >"$d/sub/f"
chmod -R a+rwX "$d"
state() { (cd "$d" && find . -printf '%p %y %s %m\n' | sort && cat file sub/f); }
before=$(state)
out=$(al --ro "$d:$d" -- sh -c '
	cd "$1" || exit 9
	echo pwned >file && echo "overwrote file"
	echo more >>file && echo "appended to file"
	truncate -s 0 sub/f && echo "truncated sub/f"
	echo new >new && echo "created new"
	mkdir newdir && echo "created newdir"
	mv sub/f sub/g && echo "renamed sub/f"
	rm -f file && echo "removed file"
	true' sh "$d" 2>&1)
echo "$out"
after=$(state)
[ "$before" = "$after" ] || escaped "the host directory changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
grep -q "Read-only file system" <<<"$out" || broken "writes did not fail with EROFS"
contained "every write to the read-only bind failed with EROFS"
