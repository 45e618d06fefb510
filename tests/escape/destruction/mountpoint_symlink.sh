# defence: nofollow
# A writable bind holds a symlink that an earlier (hostile) run planted where
# a nested bind's mount point will be made. airlock must not follow it: else
# it creates the mount point, and mounts, wherever the link points on the host.
. "$REPO/tests/escape/lib.sh"
# The link's target lies outside /tmp, which airlock covers while it builds
# the root; /var/tmp is world-writable like the places an attacker would pick.
target=$(mktemp -d /var/tmp/airlock-mp.XXXXXX)
trap 'rm -rf "$target"' EXIT
chmod 777 "$target"
mkdir -m 777 "$WORK/ws" "$WORK/data"
ln -s "$target" "$WORK/ws/sub"
out=$(al --rw "$WORK/ws:/ws" --ro "$WORK/data:/ws/sub/x" -- ls /ws 2>&1)
[ -e "$target/x" ] && escaped "mount point created through the planted link: $target/x"
[[ "$out" == *"not followed"* ]] || broken "expected a refusal naming the link: $out"
contained "$out"
