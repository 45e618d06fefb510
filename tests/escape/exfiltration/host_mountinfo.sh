# defence: mount
# The sandbox's mount table must be its own: a fresh root with the binds,
# /proc, /dev and tmpfs. The host's mounts (its real root file system,
# /sys, the cgroup hierarchies, whatever else is mounted) must not be listed.
. "$REPO/tests/escape/lib.sh"
host_mounts=$(awk '{print $5}' /proc/self/mountinfo | sort -u)
echo "$host_mounts" | grep -qx /sys || broken "the host has no /sys mount to look for"
out=$(al -- cat /proc/self/mountinfo 2>"$WORK/err") || broken "cannot read mountinfo: $(cat "$WORK/err")"
inside=$(echo "$out" | awk '{print $5}' | sort -u)
# Host mount points the sandbox never mounts itself.
leaked=$(comm -12 <(echo "$host_mounts") <(echo "$inside") |
	grep -vxE '/|/proc|/dev|/dev/(null|zero|full|random|urandom)|/tmp|/work|/usr/bin|/usr/lib/x86_64-linux-gnu|/usr/lib64|/bin|/lib|/lib64' |
	grep -vxF "$REPO")
[ -n "$leaked" ] && escaped "host mounts listed inside: $(echo "$leaked" | head -6 | tr '\n' ' ')"
root=$(echo "$out" | awk '$5 == "/"')
[[ "$root" == *"tmpfs airlock"* ]] || escaped "the root inside is not airlock's: $root"
contained "$(echo "$inside" | wc -l) mounts, all airlock's"
