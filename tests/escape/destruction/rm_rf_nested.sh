# defence: mount
# `rm -rf` over a writable workspace that has a read-only bind nested in it:
# the workspace empties, the nested bind's files survive on the host (the
# read-only flag holds on a bind mounted below a writable one).
. "$REPO/tests/escape/lib.sh"
ws=$WORK/ws
mkdir -p "$ws/scratch" "$ws/keep/deep"
echo a >"$ws/scratch/a"
echo precious >"$ws/keep/precious" && echo deeper >"$ws/keep/deep/f"
chmod -R a+rwX "$ws"
keep_state() { (cd "$ws/keep" && find . -printf '%p %y %s\n' | sort && cat precious deep/f); }
before=$(keep_state)
out=$(al --rw "$ws:$ws" --ro "$ws/keep:$ws/keep" -- sh -c '
	rm -rf "$1"/* "$1"/keep/* "$1"/keep/deep "$1"/keep
	ls -A "$1" "$1/keep"' sh "$ws" 2>&1)
echo "$out"
after=$(keep_state 2>/dev/null)
[ "$before" = "$after" ] || escaped "rm -rf reached the read-only bind's host files; left: $(ls -A "$ws" | tr '\n' ' ')"
[ -e "$ws/scratch" ] && broken "the writable workspace was not emptied (the attack did not run)"
grep -q "Read-only file system" <<<"$out" || broken "no EROFS from rm"
contained "workspace emptied, the nested read-only bind intact"
