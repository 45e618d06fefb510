# Helpers for the proxy's cases: servers on the host's loopback only.
# serve KIND: start tests/escape/net_server.py KIND, set ${KIND}_port and
# ${KIND}_log; every server is killed when the case exits.
server_pids=()
trap 'for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
make_cert() {
	[ -e "$WORK/cert.pem" ] && return
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 || broken "openssl req"
	chmod 644 "$WORK/key.pem" "$WORK/cert.pem"
}
serve() {
	local kind=$1 extra=()
	[ "$kind" = https ] && { make_cert; extra=("$WORK/cert.pem" "$WORK/key.pem"); }
	python3 "$REPO/tests/escape/net_server.py" "$kind" "$WORK/$kind.port" "$WORK/$kind.log" "${extra[@]}" &
	server_pids+=($!)
	for _ in $(seq 200); do [ -e "$WORK/$kind.port" ] && break; sleep 0.02; done
	[ -e "$WORK/$kind.port" ] || broken "$kind server did not start"
	touch "$WORK/$kind.log"
	printf -v "${kind}_port" '%s' "$(cat "$WORK/$kind.port")"
	printf -v "${kind}_log" '%s' "$WORK/$kind.log"
}

# After a request pipelined behind an allowed one in a tunnel: escaped if it
# reached the raw server; else the first one must have arrived and the report
# ($1) must end with the refused request to evil.example.
pipeline_verdict() { # pipeline_verdict REPORT WHAT OUT
	sleep 1.5 # the server logs a connection after 1 s of silence
	grep -q "evil.example" "$raw_log" && escaped "$2 reached the destination: $(grep data "$raw_log")"
	[[ "$3" == *"tunnel: b'HTTP/1.1 200"* ]] || broken "$3"
	grep -q "data b'GET / HTTP/1.1" "$raw_log" || broken "the first request did not arrive: $(cat "$raw_log")"
	python3 - "$1" <<'PY' || broken "no denied entry for evil.example: $(cat "$1")"
import json, sys
net = json.load(open(sys.argv[1]))["network"]
assert net[-1]["host"] == "evil.example" and net[-1]["verdict"] == "denied", net
print(net[-1]["reason"])
PY
	contained "$(echo "$3" | tr '\n' ' ')"
}
