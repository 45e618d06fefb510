# What airlock-oci adds to a bundle, each attacked twice: as airlock-oci
# runs it (the attack fails) and with that one layer switched off in the
# test build (AIRLOCK_TEST_DISABLE=NAME: the attack succeeds), so that no
# check passes by accident.
#   seccomp: the bundle's own profile allows everything; airlock's
#            deny-list still refuses unshare, and the monitor records it.
#   landlock: the bundle leaves /proc/sys writable; Landlock does not;
#             and it keeps the container off the host's abstract sockets.
#   nnp: a set-uid-root program run by uid 1000 stays uid 1000.
# Then the layers as seen from inside (seccomp mode, no_new_privs, the
# capabilities the config gave), in exec'd processes too, and the
# annotation run.airlock.profile=strict (the first refused call ends the
# container).
. "$CASE_DIR/oci.lib"
R=$WORK/root

# --- seccomp
make_bundle "$WORK/b-sc" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}
c["process"]["args"] = ["sh", "-c", "unshare -U true 2>/dev/null; echo unshare=$?"]'
run sc "$WORK/b-sc"
grep -q 'unshare=1' "$WORK/sc.out" || fail "seccomp: unshare was not refused: $(cat "$WORK/sc.out")"
grep -q '"syscall":"unshare","action":"errno"' "$WORK/sc.violations" || fail "no violation report: $(cat "$WORK/sc.violations")"
AIRLOCK_TEST_DISABLE=seccomp run sc-off "$WORK/b-sc"
grep -q 'unshare=0' "$WORK/sc-off.out" || fail "control: unshare failed with the deny-list off: $(cat "$WORK/sc-off.out")"
echo "ok: seccomp"

# --- landlock: /proc/sys/kernel/hostname is the container's own (a UTS
# namespace): harmless to write when the defence is off.
make_bundle "$WORK/b-ll" 'c["linux"]["readonlyPaths"] = []
c["linux"]["maskedPaths"] = []
c["process"]["args"] = ["sh", "-c", "echo pwned > /proc/sys/kernel/hostname 2>/dev/null; echo write=$?; hostname"]'
run ll "$WORK/b-ll"
grep -q 'write=1' "$WORK/ll.out" || fail "landlock: /proc/sys was writable: $(cat "$WORK/ll.out")"
AIRLOCK_TEST_DISABLE=landlock run ll-off "$WORK/b-ll"
grep -q 'write=0' "$WORK/ll-off.out" && grep -q '^pwned' "$WORK/ll-off.out" ||
	fail "control: /proc/sys not writable with Landlock off: $(cat "$WORK/ll-off.out")"
echo "ok: landlock"

# --- landlock, scoped: a container on the host's network namespace (no
# namespace of its own) reaches the host's abstract unix sockets, as
# containerd-shim's API socket was reached (CVE-2020-15257). Landlock ABI 6
# scopes them to the container.
cat >"$WORK/abstract.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(argv[1]);
	memcpy(a.sun_path + 1, argv[1], n); /* sun_path[0] = 0: abstract */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int r = connect(s, (struct sockaddr *)&a, (socklen_t)(sizeof(a.sun_family) + 1 + n));
	printf("connect=%d\n", r);
	return argc < 2;
}
C
gcc -static -O1 -o "$WORK/abstract" "$WORK/abstract.c" || fail "gcc -static abstract"
SOCKNAME=airlock-oci-test-$$
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1]); s.listen(8)
end = time.time() + 30
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept(); c.close()
    except socket.timeout:
        pass
' "$SOCKNAME" &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; oci_cleanup' EXIT
make_bundle "$WORK/b-abs" "c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']
c['process']['args'] = ['/bin/abstract', '$SOCKNAME']"
cp "$WORK/abstract" "$WORK/b-abs/rootfs/bin/abstract"
for _ in $(seq 100); do grep -q "@$SOCKNAME" /proc/net/unix && break; sleep 0.05; done
run abs "$WORK/b-abs"
grep -q 'connect=-1' "$WORK/abs.out" || fail "landlock scope: the host's abstract socket was reached: $(cat "$WORK/abs.out")"
AIRLOCK_TEST_DISABLE=landlock run abs-off "$WORK/b-abs"
grep -q 'connect=0' "$WORK/abs-off.out" || fail "control: the abstract socket not reached with Landlock off: $(cat "$WORK/abs-off.out")"
kill $LISTENER 2>/dev/null
echo "ok: landlock scope"

# --- no_new_privs: a set-uid-root program (built here, static) in the
# root; uid 1000 holds CAP_SYS_ADMIN so that Landlock and seccomp load
# without no_new_privs in the control.
cat >"$WORK/euid.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("euid=%d\n", (int)geteuid()); return 0; }
C
gcc -static -O1 -o "$WORK/euid" "$WORK/euid.c" || fail "gcc -static"
make_bundle "$WORK/b-nnp" 'c["process"]["user"] = {"uid": 1000, "gid": 1000}
c["process"]["noNewPrivileges"] = False
for k in ("bounding", "effective", "permitted"):
    c["process"]["capabilities"][k] = ["CAP_SYS_ADMIN"]
c["process"]["capabilities"]["inheritable"] = ["CAP_SYS_ADMIN"]
c["process"]["capabilities"]["ambient"] = ["CAP_SYS_ADMIN"]
c["process"]["args"] = ["/bin/euid"]'
rm -f "$WORK/b-nnp/rootfs/bin/euid"
cp "$WORK/euid" "$WORK/b-nnp/rootfs/bin/euid" && chown 0:0 "$WORK/b-nnp/rootfs/bin/euid" && chmod 4755 "$WORK/b-nnp/rootfs/bin/euid"
run nnp "$WORK/b-nnp"
grep -q 'euid=1000' "$WORK/nnp.out" || fail "nnp: the set-uid program ran as $(cat "$WORK/nnp.out")"
AIRLOCK_TEST_DISABLE=nnp run nnp-off "$WORK/b-nnp"
grep -q 'euid=0' "$WORK/nnp-off.out" || fail "control: set-uid did not work with no_new_privs off: $(cat "$WORK/nnp-off.out")"
echo "ok: no_new_privs"

# --- from inside, the init and an exec'd process: seccomp in filter mode
# (two filters: airlock's and the bundle's), no_new_privs, the effective
# capabilities the config names (runc spec: AUDIT_WRITE, KILL,
# NET_BIND_SERVICE = 0x20000420).
make_bundle "$WORK/b-in" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["reboot"], "action": "SCMP_ACT_ERRNO"}]}
c["process"]["args"] = ["sh", "-c", "grep -E \"^(Seccomp|Seccomp_filters|NoNewPrivs|CapEff):\" /proc/self/status; sleep 5"]'
"$OCI" --root "$R" create --bundle "$WORK/b-in" in >"$WORK/in.out" 2>&1 || fail "create in"
"$OCI" --root "$R" start in || fail "start in"
printf '{"args": ["sh", "-c", "grep -E \\"^(Seccomp|NoNewPrivs|CapEff):\\" /proc/self/status; unshare -U true 2>/dev/null; echo unshare=$?"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"]}' >"$WORK/p.json"
"$OCI" --root "$R" exec --process "$WORK/p.json" in >"$WORK/exec.out" 2>&1 || fail "exec: $(cat "$WORK/exec.out")"
"$OCI" --root "$R" kill in KILL
for _ in $(seq 100); do [ "$("$OCI" --root "$R" state in | jget status)" = stopped ] && break; sleep 0.05; done
"$OCI" --root "$R" delete in || fail "delete in"
# (the exec'd process.json names no capabilities: it has none)
for f in in.out:0000000020000420 exec.out:0000000000000000; do
	grep -q '^Seccomp:.2' "$WORK/${f%:*}" && grep -q '^NoNewPrivs:.1' "$WORK/${f%:*}" &&
		grep -q "^CapEff:.${f#*:}" "$WORK/${f%:*}" || fail "${f%:*}: $(cat "$WORK/${f%:*}")"
done
grep -q '^Seccomp_filters:.2' "$WORK/in.out" || fail "two filters: $(cat "$WORK/in.out")"
grep -q 'unshare=1' "$WORK/exec.out" || fail "exec: unshare allowed: $(cat "$WORK/exec.out")"
echo "ok: inside"

# --- run.airlock.profile=strict: the first refused call ends the container.
make_bundle "$WORK/b-strict" 'c["annotations"] = {"run.airlock.profile": "strict"}
c["process"]["args"] = ["sh", "-c", "echo before; unshare -U true; echo after"]'
run strict "$WORK/b-strict"
grep -q before "$WORK/strict.out" && ! grep -q after "$WORK/strict.out" || fail "strict: $(cat "$WORK/strict.out")"
make_bundle "$WORK/b-nope" 'c["annotations"] = {"run.airlock.profile": "no-such-profile"}'
"$OCI" --root "$R" create --bundle "$WORK/b-nope" nope 2>"$WORK/e" && fail "an unknown profile accepted"
grep -q 'run.airlock.profile' "$WORK/e" || fail "unknown profile: $(cat "$WORK/e")"
echo "ok: strict"
[ -z "$(ls -A "$R")" ] || fail "state left: $(ls -A "$R")"
