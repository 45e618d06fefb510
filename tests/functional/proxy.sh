# Allow-listed egress: HTTP and HTTPS servers on the host's loopback, allowed
# by IP literal, fetched through the proxy with curl and Python's urllib;
# refusals, the network report, and the limits.
. "$REPO/tests/escape/lib.sh"
. "$REPO/tests/escape/netlib.sh"
serve http
serve https
serve sink
fail() { echo "FAIL: $*"; exit 1; }
H=127.0.0.1:$http_port S=127.0.0.1:$https_port

# curl, plain and through CONNECT; the environment names the proxy.
out=$(al --ro "$WORK:$WORK" --net "allow:$H,$S" --report "$WORK/r1.json" -- sh -c '
	echo "env $HTTP_PROXY $https_proxy ${NO_PROXY-unset}"
	curl -sS "http://$1/a"
	curl -sS --cacert "$3/cert.pem" "https://$2/b"' sh "$H" "$S" "$WORK" 2>&1) || fail "curl: $out"
[[ "$out" == *"env http://127.0.0.1:3128 http://127.0.0.1:3128 unset"* ]] || fail "proxy environment: $out"
[[ "$out" == *"token-$H"* ]] || fail "curl http: $out"
[[ "$out" == *"token-$S"* ]] || fail "curl https: $out"
python3 - "$WORK/r1.json" "$H" "$S" <<'PY' || fail "report r1: $(cat "$WORK/r1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
net = r["network"]
assert len(net) == 2, net
a, b = net
assert a["host"] == "127.0.0.1" and a["port"] == int(sys.argv[2].split(":")[1]) and a["verdict"] == "allowed", a
assert a["method"] == "GET" and a["address"] == "127.0.0.1" and a["bytes_up"] > 0 and a["bytes_down"] > 0, a
assert a["reason"] is None, a
assert b["method"] == "CONNECT" and b["verdict"] == "allowed" and b["bytes_down"] > 500, b
assert r["limits"]["net_connections"] == 16 and r["limits"]["net_idle_s"] == 30
PY

# Python's urllib, both ways, through the environment's proxies.
out=$(al --profile python --ro "$WORK:$WORK" --net "allow:$H,$S" -- python3 -c '
import ssl, sys, urllib.request
print(urllib.request.urlopen("http://%s/u" % sys.argv[1], timeout=10).read().decode().strip())
ctx = ssl.create_default_context(cafile=sys.argv[3] + "/cert.pem")
print(urllib.request.urlopen("https://%s/v" % sys.argv[2], timeout=10, context=ctx).read().decode().strip())
' "$H" "$S" "$WORK" 2>&1) || fail "urllib: $out"
[[ "$out" == *"token-$H"*"token-$S"* ]] || fail "urllib: $out"

# The same fetches with a rule naming another host: refused, and said why.
before=$(wc -l <"$http_log")
out=$(al --net "allow:other.example" --verbose --report "$WORK/r2.json" -- sh -c '
	curl -sS -w " %{http_code}" "http://$1/c"; echo
	curl -sS "https://$2/d" 2>&1; echo "curl exit $?"' sh "$H" "$S" 2>&1)
[[ "$out" == *"denied: not in the allow-list"*" 403"* ]] || fail "refusal: $out"
[[ "$out" == *"curl exit 56"* ]] || fail "CONNECT refusal: $out"
[[ "$out" == *"airlock: network: denied 127.0.0.1:$http_port: not in the allow-list"* ]] || fail "--verbose: $out"
[ "$(wc -l <"$http_log")" = "$before" ] || fail "the server saw a refused request"
python3 - "$WORK/r2.json" <<'PY' || fail "report r2: $(cat "$WORK/r2.json")"
import json, sys
net = json.load(open(sys.argv[1]))["network"]
assert [e["verdict"] for e in net] == ["denied", "denied"], net
assert all(e["reason"] == "not in the allow-list" and e["bytes_up"] == 0 for e in net), net
assert net[1]["method"] == "CONNECT"
PY

# --net-bytes: a large download is cut at the run's byte limit.
out=$(al --net "allow:$H" --net-bytes 10K --report "$WORK/r3.json" -- curl -sS -o /dev/null "http://$H/big" 2>&1)
python3 - "$WORK/r3.json" <<'PY' || fail "byte limit: $out $(cat "$WORK/r3.json")"
import json, sys
r = json.load(open(sys.argv[1]))
e = r["network"][0]
assert e["verdict"] == "allowed" and "byte limit" in e["reason"] and e["bytes_down"] < 100000, e
assert r["limits"]["net_bytes"] == 10240
PY

# --net-idle: a tunnel that carries nothing is closed; --net-connections: one at a time.
out=$(al --profile python --net "allow:127.0.0.1:$sink_port" --net-idle 1 --net-connections 1 --report "$WORK/r4.json" -- python3 -c '
import socket, sys, time
a = socket.create_connection(("127.0.0.1", 3128))
a.sendall(b"CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n" % sys.argv[1].encode())
print(a.recv(100).split(b"\r\n")[0].decode())
b = socket.create_connection(("127.0.0.1", 3128))
print(b.recv(100).split(b"\r\n")[0].decode())
t = time.time()
a.settimeout(10)
while a.recv(100):
    pass
print("closed after %.0f s" % (time.time() - t))
' "$sink_port" 2>&1) || fail "limits: $out"
[[ "$out" == *"200 Connection established"*"503 Service Unavailable"*"closed after"* ]] || fail "limits: $out"
python3 - "$WORK/r4.json" <<'PY' || fail "limits report: $(cat "$WORK/r4.json")"
import json, sys
net = json.load(open(sys.argv[1]))["network"]
assert net[0]["verdict"] == "allowed" and "idle" in net[0]["reason"], net
assert net[1]["verdict"] == "denied" and "connections at once" in net[1]["reason"], net
PY

# An IPv6 literal, end to end; a request that is not a proxy request.
serve http6
out=$(al --net "allow:[::1]:$http6_port" --report "$WORK/r5.json" -- sh -c '
	curl -sS -g "http://[::1]:$1/six"
	curl -sS -w " %{http_code}" --request-target / "http://[::1]:$1/"; echo
	printf "GET http://[0:0::1]:$1/x HTTP/1.1\r\nHost: [0::1]:$1\r\n\r\n" | curl -sS telnet://127.0.0.1:3128' sh "$http6_port" 2>&1)
[[ "$out" == *"token-[::1]:$http6_port"* ]] || fail "IPv6: $out"
[[ "$out" == *"origin-form"*" 400"* ]] || fail "origin-form: $out"
[[ "$out" == *"token-[0::1]:$http6_port"* ]] || fail "IPv6 in another spelling: $out"
python3 - "$WORK/r5.json" <<'PY' || fail "IPv6 report: $(cat "$WORK/r5.json")"
import json, sys
net = json.load(open(sys.argv[1]))["network"]
assert net[0]["host"] == "::1" and net[0]["address"] == "::1" and net[0]["verdict"] == "allowed", net
assert net[1]["verdict"] == "denied" and "origin-form" in net[1]["reason"], net
PY

# Options are checked where they are given.
al --net "allow:::1" -- true 2>"$WORK/e" && fail "bare IPv6 accepted"
grep -q "brackets" "$WORK/e" || fail "bare IPv6 message: $(cat "$WORK/e")"
al --net "allow:a.com" --net-connections 0 -- true 2>/dev/null && fail "zero connections accepted"
echo "proxy ok"
