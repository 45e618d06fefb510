# defence: mount,landlock
# A bound directory holds symlinks (absolute and relative) to a secret next
# to it on the host. Inside, symlinks resolve in the sandbox's own root, so
# the secret, which is not bound, must stay out of reach.
. "$REPO/tests/escape/lib.sh"
mkdir -p "$WORK/pub" "$WORK/private"
chmod 755 "$WORK/pub" "$WORK/private"
token="link-s3cr3t-$RANDOM$RANDOM"
echo "$token" >"$WORK/private/id_ed25519"
chmod 644 "$WORK/private/id_ed25519"
ln -s "$WORK/private/id_ed25519" "$WORK/pub/abs-link"
ln -s ../private/id_ed25519 "$WORK/pub/rel-link"
echo public >"$WORK/pub/readme"
out=$(al --ro "$WORK/pub:$WORK/pub" -- sh -c '
	cat "$1/readme"
	for l in abs-link rel-link; do cat "$1/$l"; done
	cat "$1/../private/id_ed25519"' sh "$WORK/pub" 2>&1)
[[ "$out" == *"$token"* ]] && escaped "read the unbound secret through a symlink in a bound directory"
[[ "$out" == *public* ]] || broken "the bound directory itself is unreadable: $out"
contained "$(echo "$out" | tr '\n' ' ')"
