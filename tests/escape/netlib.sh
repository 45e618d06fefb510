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
