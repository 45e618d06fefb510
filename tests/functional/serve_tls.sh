# airlock serve over TLS (--tls-cert, --tls-key: libmicrohttpd's GnuTLS) on
# 127.0.0.1: curl and Python's http.client verify the certificate, a run
# and its Server-Sent Events come through, plain HTTP and an unverified
# client get nothing; the unix socket beside it stays plain; the options
# are refused alone or without a tcp listener.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>"$WORK/openssl.log" || fail "openssl: $(cat "$WORK/openssl.log")"
printf '{"tenants": [{"name": "t", "token_sha256": "%s", "uids": [%s]}]}' \
	"$(printf %s secret | sha256sum | cut -d' ' -f1)" "$(id -u)" >"$WORK/config.json"

"$AIRLOCK" serve --listen "unix:$SOCK" --config "$WORK/config.json" --tls-cert "$WORK/cert.pem" 2>"$WORK/e" &&
	fail "--tls-cert alone accepted"
grep -q 'go together' "$WORK/e" || fail "--tls-cert alone: $(cat "$WORK/e")"
"$AIRLOCK" serve --listen "unix:$SOCK" --config "$WORK/config.json" --tls-cert "$WORK/cert.pem" \
	--tls-key "$WORK/key.pem" 2>"$WORK/e" && fail "TLS without a tcp listener accepted"
grep -q 'none is asked for' "$WORK/e" || fail "TLS without tcp: $(cat "$WORK/e")"
"$AIRLOCK" serve --listen tcp:127.0.0.1:0 --config "$WORK/config.json" --tls-cert "$WORK/cert.pem" \
	--tls-key "$WORK/missing.pem" 2>"$WORK/e" && fail "a missing key accepted"
grep -q 'missing.pem' "$WORK/e" || fail "missing key: $(cat "$WORK/e")"

serve_start "$WORK/serve.log" --listen "unix:$SOCK" --listen tcp:127.0.0.1:0 --config "$WORK/config.json" \
	--tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
grep -q "listen=tcp:127.0.0.1:$PORT tls=yes" "$SERVE_LOG" || fail "the listener is not TLS"
U="https://127.0.0.1:$PORT"
curl -sS --cacert "$WORK/cert.pem" "$U/healthz" | grep -q ok || fail "curl over TLS"
curl -sS --cacert "$WORK/cert.pem" -H 'Authorization: Bearer secret' -d '{"argv":["echo","sealed"]}' "$U/v1/execute" |
	grep -q '"stdout":"sealed\\n"' || fail "a run over TLS"
curl -sS -m 20 "$U/healthz" >/dev/null 2>&1 && fail "an unverified certificate was accepted"
curl -sS -m 20 "http://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -q ok && fail "plain HTTP answered on the TLS port"
curl -sS --unix-socket "$SOCK" http://x/v1/info | grep -q '"tenant":"t"' || fail "the unix socket (plain, by uid)"
python3 - "$WORK/cert.pem" <<'PY' || fail "python over TLS"
import os, sys
from serve_client import Client
c = Client(port=int(os.environ["PORT"]), token="secret", cafile=sys.argv[1])
r = c.ok("POST", "/v1/execute", {"language": "sh", "code": "cat", "stdin": "over tls"})
assert r["stdout"] == "over tls", r
ev = c.events("/v1/execute", {"argv": ["echo", "streamed"]})
assert ev[0] == ("stdout", "streamed\n") and ev[-1][0] == "exit", ev
Client(port=int(os.environ["PORT"]), cafile=sys.argv[1]).problem("GET", "/v1/info", None, 401, "unauthorized")
PY
serve_stop TERM
echo "serve tls ok"
