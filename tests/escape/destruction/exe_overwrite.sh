# defence: mount,landlock
# A program cannot replace its own binary (a host file, world-writable on
# the host) through a /proc/self/exe handle kept across execve: the handle
# refers to the file through the read-only bind.
. "$REPO/tests/escape/lib.sh"
build_c exe_overwrite
mkdir "$WORK/bin"
cp "$WORK/exe_overwrite" "$WORK/bin/victim"
chmod 777 "$WORK/bin" && chmod 777 "$WORK/bin/victim"
sum=$(md5sum <"$WORK/bin/victim")
out=$(al --ro "$WORK/bin:$WORK/bin" -- "$WORK/bin/victim" 2>&1)
echo "$out"
[ "$(md5sum <"$WORK/bin/victim")" = "$sum" ] || escaped "the host binary was replaced: $(head -c 40 "$WORK/bin/victim" | tr -c '[:print:]' ' ')"
[[ "$out" == *"holding"* && "$out" == *"Read-only file system"* ]] || broken "the reopen did not fail with EROFS"
contained "reopening /proc/self/exe for writing: EROFS"
