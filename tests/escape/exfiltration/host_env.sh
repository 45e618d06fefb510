# defence: env
# A secret in the caller's environment (a token exported in the shell that
# starts airlock) must not reach the sandbox: it gets the profile's variables
# and --env ones only.
. "$REPO/tests/escape/lib.sh"
token="env-s3cr3t-$RANDOM$RANDOM"
export AIRLOCK_TEST_API_TOKEN=$token
out=$(al -- sh -c 'env; tr "\0" "\n" </proc/self/environ' 2>&1)
[[ "$out" == *"$token"* ]] && escaped "caller's AIRLOCK_TEST_API_TOKEN visible inside"
[[ "$out" == *PATH=* ]] || broken "no environment listed: $out"
contained "only $(echo "$out" | grep -c '=') profile variables inside"
