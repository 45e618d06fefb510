# defence: output
# Flooding stdout, then stderr, with 1M each under --output 1K: at most 1K of
# each must reach the caller, the report must say truncated, and the run must
# end with status "output_limit".
. "$REPO/tests/escape/lib.sh"
for stream in stdout stderr; do
	rep=$WORK/report-$stream.json
	if [ $stream = stdout ]; then
		al --output 1K --report "$rep" -- head -c 1M /dev/zero >"$WORK/out" 2>"$WORK/err"
		got=$(stat -c %s "$WORK/out")
	else
		al --output 1K --report "$rep" -- sh -c 'head -c 1M /dev/zero >&2' >"$WORK/out" 2>"$WORK/err"
		# stderr also carries airlock's own lines: count only the NULs.
		got=$(tr -cd '\0' <"$WORK/err" | wc -c)
	fi
	[ -f "$rep" ] || broken "no report: $(cat "$WORK/err")"
	status=$(report_field "$rep" status) trunc=$(report_field "$rep" truncated.$stream)
	[ "$got" -gt 1024 ] && escaped "$got bytes of $stream relayed under --output 1K (status $status)"
	[ "$status" = output_limit ] || escaped "$stream: status is '$status', not output_limit"
	[ "$trunc" = True ] || escaped "$stream: report says truncated.$stream=$trunc"
	echo "$stream: $got bytes relayed, status $status, truncated"
done
contained "both streams capped at 1K"
