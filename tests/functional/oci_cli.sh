# airlock-oci's command line against runc's: the lifecycle (create, state,
# start, kill by number and by name with and without SIG, ps, pause,
# resume, exec, delete), the pid file with a subreaper as the caller, the
# console socket, --flag=value forms, --log as JSON lines. Every check
# runs with airlock-oci and again with Debian's runc as a control (the
# checks are runc's behaviour); airlock's own (errors naming a field, any
# ociVersion 1.x) only with airlock-oci.
. "$CASE_DIR/oci.lib"

lifecycle() { # lifecycle RUNTIME
	local rt=$1 R=$WORK/root-$(basename "$1") id=cli-$$ st pid b=$WORK/b-cli
	make_bundle "$b" 'c["process"]["args"] = ["sh", "-c", "echo started > /tmp/started; while :; do sleep 0.05; done"]
c["linux"]["cgroupsPath"] = "airlock-oci-test-cli"'
	# create from a subreaper: the init must be its child once create exits.
	python3 "$CASE_DIR/oci_subreaper.py" "$WORK/pid" \
		"set -e; R=$R; rt=$rt; id=$id; . '$CASE_DIR/oci_cli.steps'" \
		"$rt" --root="$R" --log "$WORK/log-$(basename "$rt")" --log-format=json create --bundle="$b" \
		--pid-file "$WORK/pid" "$id" >"$WORK/out" 2>&1 || fail "$rt: $(cat "$WORK/out")"
	grep -q '^exit -9$' "$WORK/out" || fail "$rt: the init's status as the subreaper reaped it: $(cat "$WORK/out")"
	grep -q 'steps done' "$WORK/out" || fail "$rt: $(cat "$WORK/out")"
	"$rt" --root "$R" state "$id" >/dev/null 2>&1 && fail "$rt: state after delete"
	[ -z "$(cgroups_named airlock-oci-test-cli)" ] || fail "$rt: cgroups left: $(cgroups_named airlock-oci-test-cli)"
	[ -z "$(ls -A "$R" 2>/dev/null)" ] || fail "$rt: state left in $R: $(ls -A "$R")"
}

console() { # console RUNTIME
	local rt=$1 R=$WORK/root-$(basename "$1") b=$WORK/b-tty sock=$WORK/tty.sock
	make_bundle "$b" 'c["process"]["terminal"] = True
c["process"]["args"] = ["sh", "-c", "read x; echo tty-$x; tty; stty size"]
c["process"]["consoleSize"] = {"height": 30, "width": 100}'
	python3 "$CASE_DIR/oci_console.py" "$sock" hello 10 >"$WORK/tty.out" 2>&1 &
	local rp=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	"$rt" --root "$R" create --bundle "$b" --console-socket "$sock" tty-$$ || fail "$rt: create with a console"
	"$rt" --root "$R" start tty-$$ || fail "$rt: start with a console"
	wait $rp
	grep -q 'tty-hello' "$WORK/tty.out" || fail "$rt: console: $(cat "$WORK/tty.out")"
	grep -q '^/dev/pts/0' "$WORK/tty.out" || fail "$rt: not on the container's own pty: $(cat "$WORK/tty.out")"
	grep -q '^30 100' "$WORK/tty.out" || fail "$rt: consoleSize: $(cat "$WORK/tty.out")"
	for _ in $(seq 100); do
		[ "$("$rt" --root "$R" state tty-$$ | jget status)" = stopped ] && break
		sleep 0.05
	done
	"$rt" --root "$R" delete tty-$$ || fail "$rt: delete after the console run"
}

for rt in "$OCI" "$(command -v runc)"; do
	lifecycle "$rt"
	console "$rt"
	echo "ok: $rt"
done

# airlock-oci's own: its --log lines are JSON, and name what was refused.
R=$WORK/root-airlock-oci
L=$WORK/errors.log
make_bundle "$WORK/b-bad" 'c["linux"]["intelRdt"] = {"closID": "x"}'
"$OCI" --root "$R" --log "$L" --log-format json create --bundle "$WORK/b-bad" bad 2>/dev/null && fail "intelRdt accepted"
python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert l[-1]["level"] == "error" and "linux.intelRdt" in l[-1]["msg"], l' "$L" ||
	fail "the refusal as a JSON line naming the field: $(cat "$L")"
[ -e "$R/bad" ] && fail "a refused create left $R/bad"
make_bundle "$WORK/b-bad" 'c["process"]["frobnicate"] = 1'
"$OCI" --root "$R" --log "$L" create --bundle "$WORK/b-bad" bad 2>/dev/null && fail "an unknown field accepted"
tail -1 "$L" | grep -q 'process.frobnicate' || fail "unknown field: $(tail -1 "$L")"
# An AppArmor profile on a host without AppArmor (this one): refused, as runc refuses it.
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	make_bundle "$WORK/b-aa" 'c["process"]["apparmorProfile"] = "airlock-test"'
	"$OCI" --root "$R" create --bundle "$WORK/b-aa" aa 2>"$WORK/e" && fail "an AppArmor profile accepted without AppArmor"
	grep -q 'process.apparmorProfile: AppArmor is not enabled' "$WORK/e" || fail "apparmor: $(cat "$WORK/e")"
	[ -e "$R/aa" ] && fail "a refused create left $R/aa"
fi
for v in 1.0.0 1.1.0 1.2.1-dev; do
	make_bundle "$WORK/b-v" "c['ociVersion'] = '$v'; c['process']['args'] = ['true']"
	"$OCI" --root "$R" create --bundle "$WORK/b-v" v || fail "ociVersion $v refused"
	"$OCI" --root "$R" delete --force v || fail "delete --force of a created container"
done
make_bundle "$WORK/b-v" "c['ociVersion'] = '2.0.0'"
"$OCI" --root "$R" create --bundle "$WORK/b-v" v 2>"$WORK/e" && fail "ociVersion 2.0.0 accepted"
grep -q ociVersion "$WORK/e" || fail "ociVersion 2: $(cat "$WORK/e")"
"$OCI" features | python3 -c 'import json,sys; f=json.load(sys.stdin); assert f["ociVersionMax"].startswith("1.") and "seccomp" in f["linux"]' ||
	fail "features"
"$OCI" --version | grep -q '^airlock-oci version' || fail "--version"
echo "ok: airlock-oci's own checks"
