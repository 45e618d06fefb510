# defence: nofollow
# A first run, with a project directory writable, plants a symlink in it
# that points at the user's secrets. A second run binds a subdirectory of the
# project: airlock must not follow the planted link to the secrets.
. "$REPO/tests/escape/lib.sh"
mkdir -m 777 "$WORK/proj" "$WORK/ssh"
echo "PRIVATE KEY $RANDOM" >"$WORK/ssh/id_rsa"
chmod 644 "$WORK/ssh/id_rsa"
al --rw "$WORK/proj:/work" -- ln -s "$WORK/ssh" /work/data || broken "first run failed"
[ -L "$WORK/proj/data" ] || broken "no link planted"
out=$(al --ro "$WORK/proj/data:/data" -- cat /data/id_rsa 2>&1)
[[ "$out" == *"PRIVATE KEY"* ]] && escaped "followed the planted link: $out"
[[ "$out" == *symlink* ]] || broken "expected a refusal naming the symlink: $out"
contained "$out"
