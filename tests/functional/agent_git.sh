# The agent profile protects what git runs (.git/config, hooks, info) but
# commits still work; --git-writable lifts the protection; a protected path
# that is a symlink is refused rather than left writable.
. "$REPO/tests/escape/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
proj=$WORK/home/proj
mkdir -p "$proj" && cd "$proj" || fail cd
git init -q . && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init || fail "git init"
chmod -R a+rwX "$WORK/home"
g='git -c safe.directory=* -c user.name=agent -c user.email=agent@example.com'
out=$(HOME=$WORK/home al --profile agent -- sh -c "echo change > file.txt && $g add file.txt && $g commit -q -m 'from the sandbox' && echo committed" 2>&1)
[[ "$out" == *committed* ]] || fail "commit inside: $out"
[ "$(git -c safe.directory='*' log -1 --format=%s)" = "from the sandbox" ] || fail "the commit is not on the host: $(git log --oneline)"
out=$(HOME=$WORK/home al --profile agent -- sh -c 'echo "# note" >> .git/config' 2>&1)
[[ "$out" == *"Read-only file system"* ]] || fail ".git/config writable: $out"
out=$(HOME=$WORK/home al --profile agent --git-writable -- sh -c 'echo "# note" >> .git/config && echo appended' 2>&1)
[[ "$out" == *appended* ]] && grep -q "# note" .git/config || fail "--git-writable: $out"
mv .git/hooks .git/hooks.real && ln -s hooks.real .git/hooks
out=$(HOME=$WORK/home al --profile agent -- true 2>&1)
rc=$?
[ $rc = 125 ] && [[ "$out" == *"is a symlink"* ]] || fail "symlinked hooks: exit $rc: $out"
echo "agent git ok"
