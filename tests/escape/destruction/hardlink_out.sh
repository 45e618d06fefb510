# defence: mount,landlock
# A hard link carries a file's write permission to a new name: a host file
# that is writable by everyone but bound read-only, linked into a writable
# bind, could be changed through the new name. The binds are separate mounts
# (link(2) refuses EXDEV across them) and Landlock refuses a link that would
# give a file more rights than it had (EXDEV too). No link and no change may
# reach the host. (Only the writable bind is a target: in the control, /tmp
# and the workdir would be the host's own.)
. "$REPO/tests/escape/lib.sh"
src=$WORK/data dst=$WORK/out
mkdir -m 755 "$src" && mkdir -m 777 "$dst"
echo original >"$src/file"
chmod 666 "$src/file"
before=$(stat -c '%h %s %Y' "$src/file")
out=$(al --ro "$src:$src" --rw "$dst:$dst" -- sh -c '
	ln "$1/file" "$2/link" && echo "linked into $2" && echo pwned >>"$2/link" && echo "wrote through $2/link"
	true' sh "$src" "$dst" 2>&1)
echo "$out"
after=$(stat -c '%h %s %Y' "$src/file")
[ "$(cat "$src/file")" = original ] || escaped "the read-only host file changed through a hard link: $(tr '\n' ' ' <<<"$out")"
[ "$before" = "$after" ] || escaped "the host file gained a link (links size mtime: $before -> $after): $(tr '\n' ' ' <<<"$out")"
[[ "$out" == *linked* ]] && escaped "a hard link to the read-only file was made inside: $(tr '\n' ' ' <<<"$out")"
[[ "$out" == *"Invalid cross-device link"* ]] || broken "the link did not fail with EXDEV: $out"
contained "$(grep -v degraded <<<"$out" | tr '\n' ' ')"
