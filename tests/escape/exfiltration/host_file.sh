# defence: mount,landlock
# A file on the host that the profile does not bind must be invisible.
. "$REPO/tests/escape/lib.sh"
secret=$WORK/secret.txt
echo "s3cr3t-$RANDOM" >"$secret"
chmod 644 "$secret"
out=$(al -- cat "$secret" 2>&1)
[[ "$out" == *s3cr3t* ]] && escaped "read $secret from inside"
contained "$out"
