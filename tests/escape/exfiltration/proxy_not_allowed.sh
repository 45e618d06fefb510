# defence: proxy-rules
# With egress allowed to one host, a fetch from another (here a server on
# the host's loopback, by IP literal) must be refused by the proxy, and the
# server must never see the request.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
out=$(al --net "allow:other.example:$http_port" -- curl -sS -m 10 "http://127.0.0.1:$http_port/" 2>&1)
sleep 0.2
[[ "$out" == *token-* ]] && escaped "fetched a host the rules do not name: $out"
grep -q request "$http_log" && escaped "the server saw the request"
[[ "$out" == *"not in the allow-list"* ]] || broken "$out"
contained "$out"
