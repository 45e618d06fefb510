# defence: agent-cwd
# The agent profile binds the current directory writable. Started from
# $HOME (or above it), that would hand the agent ~/.ssh and the rest:
# airlock refuses, and asks for a project directory.
. "$REPO/tests/escape/lib.sh"
key="private-key-$RANDOM$RANDOM"
mkdir -p "$WORK/home/.ssh"
echo "$key" >"$WORK/home/.ssh/id_ed25519"
chmod 755 "$WORK/home" "$WORK/home/.ssh"
chmod 644 "$WORK/home/.ssh/id_ed25519"
cd "$WORK/home" || broken "cd"
out=$(HOME=$WORK/home al --profile agent -- sh -c 'cat .ssh/id_ed25519' 2>&1)
rc=$?
[[ "$out" == *"$key"* ]] && escaped "read ~/.ssh from inside: $out"
[ $rc = 125 ] && [[ "$out" == *"holds \$HOME"* ]] || broken "exit $rc: $out"
contained "$out"
