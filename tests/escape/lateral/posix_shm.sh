# defence: dev,landlock
# POSIX shared memory is a file system: shm_open("/NAME") is /dev/shm/NAME.
# A host program's segment (a cache, a queue between processes, holding a
# secret) must be out of reach: the sandbox's /dev holds only a few device
# nodes, no shm. Nor may the sandbox plant a segment for a host program to
# pick up. Both files the case may leave in the host's /dev/shm are removed.
. "$REPO/tests/escape/lib.sh"
[ -d /dev/shm ] && [ -w /dev/shm ] || broken "no writable /dev/shm on this host"
name=airlock-test-$RANDOM$RANDOM
token="shm-secret-$RANDOM$RANDOM"
trap 'rm -f "/dev/shm/$name" "/dev/shm/$name-planted"' EXIT
(umask 022 && echo "$token" >"/dev/shm/$name") || broken "cannot create /dev/shm/$name"
out=$(al --profile python -- python3 -c '
import mmap, os, sys, _posixshmem
name = sys.argv[1]
try:
    fd = _posixshmem.shm_open("/" + name, os.O_RDONLY)
    size = os.fstat(fd).st_size
    print("shm_open read:", mmap.mmap(fd, size, prot=mmap.PROT_READ)[:size].decode().strip())
except OSError as e:
    print("shm_open /%s: %s" % (name, e))
try:
    print("listed /dev/shm:", " ".join(n for n in os.listdir("/dev/shm") if n.startswith("airlock-test-")))
except OSError as e:
    print("listdir /dev/shm:", e)
try:
    fd = _posixshmem.shm_open("/" + name + "-planted", os.O_RDWR | os.O_CREAT, 0o666)
    os.write(fd, b"planted")
    print("planted", name + "-planted")
except OSError as e:
    print("plant: %s" % e)' "$name" 2>&1)
echo "$out"
[[ "$out" == *"$token"* ]] && escaped "read the host's /dev/shm/$name: $(grep -m1 "$token" <<<"$out")"
[ -e "/dev/shm/$name-planted" ] && escaped "planted /dev/shm/$name-planted on the host: $(tr '\n' ' ' <<<"$out")"
[[ "$out" == *"listed /dev/shm:"*"$name"* ]] && escaped "the host's segment is listed inside: $(grep -m1 listed <<<"$out")"
[[ "$out" == *"shm_open /$name: "* ]] || broken "no sign of the attempt: $out"
contained "$(grep -v degraded <<<"$out" | tr '\n' ' ')"
