# defence: proxy-addr
# A name that is allowed but resolves to a loopback address (localhost,
# through /etc/hosts: no DNS query leaves the machine) must be refused, or
# any allowed name could be pointed at the host's own services.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
out=$(al --net "allow:localhost:$http_port" -- curl -sS -m 10 "http://localhost:$http_port/" 2>&1)
sleep 0.2
[[ "$out" == *token-* ]] && escaped "reached the host's loopback through an allowed name: $out"
grep -q request "$http_log" && escaped "the server saw the request"
[[ "$out" == *"resolves to 127.0.0.1, a loopback address"* ]] || broken "$out"
contained "$out"
