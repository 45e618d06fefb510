# defence: mount,landlock
# Writes beside a writable bind do not reach the host: `..` out of the bind,
# the bind's host parent by its full path, new directories beside it. The
# host parent ($WORK, mode 1777) would accept them all; in the sandbox that
# path is only a mount point on the sandbox's own /tmp, so they land there
# and vanish with it.
. "$REPO/tests/escape/lib.sh"
ws=$WORK/ws
mkdir "$ws" && chmod 777 "$ws"
out=$(al --rw "$ws:$ws" -- sh -c '
	ws=$1; cd "$ws" || exit 9
	echo ok >inside && echo "wrote inside the workspace"
	echo pwned >../outside1
	echo pwned >"$ws/../outside2"
	echo pwned >"${ws%/ws}/outside3"
	mkdir "${ws%/ws}/outside4"
	cd / && mkdir -p "${ws%/ws}/outside5/x"
	ls "${ws%/ws}"' sh "$ws" 2>&1)
echo "$out"
made=$(cd "$WORK" && ls -d outside* 2>/dev/null | tr '\n' ' ')
[ -n "$made" ] && escaped "created on the host: $made"
[ "$(cat "$ws/inside" 2>/dev/null)" = ok ] || broken "the writable workspace was not written (the attack did not run)"
contained "only the writable bind reached the host"
