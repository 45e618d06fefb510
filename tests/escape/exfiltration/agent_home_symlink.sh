# defence: home-resolve
# $HOME reached through a symlink (/home -> var/home on Fedora Atomic and
# HPC sites): started from the real home, the agent profile must still see
# that the current directory holds $HOME, and refuse.
. "$REPO/tests/escape/lib.sh"
key="private-key-$RANDOM$RANDOM"
mkdir -p "$WORK/var/home/u/.ssh"
ln -s var/home "$WORK/home"
echo "$key" >"$WORK/var/home/u/.ssh/id_ed25519"
chmod -R a+rX "$WORK/var"
cd "$WORK/var/home/u" || broken "cd"
out=$(HOME=$WORK/home/u al --profile agent -- sh -c 'cat .ssh/id_ed25519' 2>&1)
rc=$?
[[ "$out" == *"$key"* ]] && escaped "read ~/.ssh through the symlinked home: $out"
[ $rc = 125 ] && [[ "$out" == *"holds \$HOME"* ]] || broken "exit $rc: $out"
contained "$out"
