# defence: mount,landlock
# Landlock as the second wall: with the mount defence switched off (the
# command sees the host's file system), Landlock alone must stop a write
# outside the writable paths. The control switches Landlock off too.
. "$REPO/tests/escape/lib.sh"
export AIRLOCK_TEST_DISABLE=${AIRLOCK_TEST_DISABLE:-mount}
mkdir -m 777 "$WORK/ok" "$WORK/elsewhere"
out=$(al --rw "$WORK/ok:$WORK/ok" --report "$WORK/r.json" -- sh -c "
	echo fine > $WORK/ok/f && echo wrote-ok
	echo gotcha > $WORK/elsewhere/f && echo wrote-elsewhere" 2>&1)
[ -f "$WORK/elsewhere/f" ] && escaped "wrote outside the writable paths: $out"
[[ "$out" == *wrote-ok* ]] || broken "the writable bind was not writable: $out"
[ "$(report_field "$WORK/r.json" landlock)" -ge 1 ] 2>/dev/null || broken "no Landlock ABI in the report"
contained "$(tr '\n' ' ' <<<"$out")"
