# contrib/airlock.service, checked with systemd-analyze verify (systemd's
# own parser; no systemd need run): the unit as shipped, its ExecStart
# pointed at the binary under test (verify wants it executable). A broken
# copy must fail, so that a pass means the unit was read.
. "$REPO/tests/escape/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
unit=$REPO/contrib/airlock.service
[ -f "$unit" ] || fail "no contrib/airlock.service"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian: systemd)"
grep -qx 'Delegate=yes' "$unit" || fail "the unit does not delegate its cgroup"
grep -q '^ExecStart=/usr/local/bin/airlock serve ' "$unit" || fail "ExecStart is not airlock serve"
grep -q '^ExecReload=.*kill -HUP' "$unit" || fail "no ExecReload with SIGHUP"
mkdir -p "$WORK/units"
sed "s|/usr/local/bin/airlock|$AIRLOCK|" "$unit" >"$WORK/units/airlock.service"
out=$(systemd-analyze verify "$WORK/units/airlock.service" 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "verify warned: $out"
# The binary it starts understands the command line.
args=$(sed -n 's|^ExecStart=/usr/local/bin/airlock serve ||p' "$unit")
"$AIRLOCK" serve --help 2>&1 | grep -q -- '--drain-timeout' || fail "airlock serve has no --drain-timeout"
for a in $args; do
	case $a in --*) "$AIRLOCK" serve --help 2>&1 | grep -q -- "$a" || fail "airlock serve has no $a" ;; esac
done
# Negative controls: an unknown setting's value and a relative ExecStart.
sed 's|^Delegate=yes|Delegate=perhaps|; s|^Type=exec|Type=sometimes|' "$WORK/units/airlock.service" >"$WORK/units/bad1.service"
sed 's|^ExecStart=/[^ ]*|ExecStart=no/such/airlock|' "$WORK/units/airlock.service" >"$WORK/units/bad2.service"
for b in bad1 bad2; do
	out=$(systemd-analyze verify "$WORK/units/$b.service" 2>&1)
	[ -n "$out" ] || fail "a broken unit ($b) passed verify silently: the check proves nothing"
done
echo "serve systemd unit ok"
