# defence: secret-env
# The agent profile never passes a secret, even one named with --env: a
# hijacked agent could print it or send it out. airlock refuses to start.
. "$REPO/tests/escape/lib.sh"
secret="ghp_secret$RANDOM$RANDOM"
mkdir -p "$WORK/home/proj"
cd "$WORK/home/proj" || broken "cd"
out=$(HOME=$WORK/home GITHUB_TOKEN=$secret al --profile agent --env GITHUB_TOKEN -- sh -c 'echo "token=${GITHUB_TOKEN-unset}"' 2>&1)
rc=$?
[[ "$out" == *"$secret"* ]] && escaped "the secret reached the command: $out"
[ $rc = 125 ] && [[ "$out" == *"never passes secrets"* ]] || broken "exit $rc: $out"
contained "$out"
