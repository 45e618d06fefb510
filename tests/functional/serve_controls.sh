# airlock serve's own defences, each attacked twice with the same request:
# once as configured (the attack fails) and once with that one defence
# switched off in the test build (AIRLOCK_TEST_DISABLE_SERVE=NAME: the
# attack succeeds), so that none of the service's tests can pass by
# accident. tenancy: a second tenant reads the first's session; quotas: a
# third sandbox at once; ceilings: a limit above the tenant's; quarantine:
# requests after the violations that quarantine a tenant; redaction: a
# secret's value printed; labels: a pii file sent with egress. An unknown
# name stops the service (a typo must not make a control pass).
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
printf 'sk-live-0c4e1d9a7b' >"$WORK/key"
cat >"$WORK/config.json" <<JSON
{"label_rules": [{"name": "no-pii-egress", "labels": ["pii"]}],
 "tenants": [{"name": "team-a", "token_sha256": "$(h token-a)",
              "quotas": {"sandboxes": 2}, "ceilings": {"memory": "256M", "egress": ["*.example.org"]},
              "secrets": {"API_KEY": {"file": "$WORK/key"}}},
             {"name": "team-b", "token_sha256": "$(h token-b)"},
             {"name": "team-q", "token_sha256": "$(h token-q)",
              "on_violations": {"throttle_after": 1, "quarantine_after": 2, "window": 600, "quarantine_for": 900}}]}
JSON

AIRLOCK_TEST_DISABLE_SERVE=tenancy,nonsense "$AIRLOCK" serve --listen "unix:$WORK/bad.sock" \
	--config "$WORK/config.json" 2>"$WORK/e" && fail "an unknown switch name was accepted"
grep -q 'unknown defence nonsense' "$WORK/e" || fail "unknown switch: $(cat "$WORK/e")"

# The release build has no switch at all (and must be there to be checked:
# make check builds it through its install step).
[ -x "$REPO/build/airlock-serve" ] || fail "build/airlock-serve is missing: make build/airlock-serve"
grep -q AIRLOCK_TEST_DISABLE_SERVE "$AIRLOCK" ||
	fail "the test build has no AIRLOCK_TEST_DISABLE_SERVE: this check would prove nothing"
! grep -q AIRLOCK_TEST_DISABLE_SERVE "$REPO/build/airlock-serve" || fail "the release build reads AIRLOCK_TEST_DISABLE_SERVE"

for defence in tenancy quotas ceilings quarantine redaction labels; do
	for off in 0 1; do
		if [ $off = 1 ]; then
			AIRLOCK_TEST_DISABLE_SERVE=$defence serve_start "$WORK/serve-$defence-off.log" \
				--listen "unix:$SOCK" --config "$WORK/config.json"
		else
			serve_start "$WORK/serve-$defence.log" --listen "unix:$SOCK" --config "$WORK/config.json"
		fi
		DEFENCE=$defence OFF=$off python3 - <<'PY' || fail "$defence (switched off: $off)"
import os
from serve_client import Client
sock, defence, off = os.environ["SOCK"], os.environ["DEFENCE"], os.environ["OFF"] == "1"
a, b, q = (Client(socket_path=sock, token=t) for t in ("token-a", "token-b", "token-q"))

def attack():
    """What the attack got, what it wants, and the defence's own refusal."""
    if defence == "tenancy":
        sid = a.ok("POST", "/v1/sandboxes", {}, want=201)["id"]
        st, _, _ = b.call("GET", "/v1/sandboxes/" + sid)
        return st, 200, 404
    if defence == "quotas":
        a.ok("POST", "/v1/sandboxes", {}, want=201)
        a.ok("POST", "/v1/sandboxes", {}, want=201)
        st, _, _ = a.call("POST", "/v1/sandboxes", {})
        return st, 201, 429
    if defence == "ceilings":
        st, _, _ = a.call("POST", "/v1/execute", {"argv": ["true"], "limits": {"memory": "1G"}})
        return st, 200, 400
    if defence == "quarantine":
        hit = {"argv": ["sleep", "30"], "limits": {"time": "200ms"}}
        for _ in range(2):
            st, _, _ = q.call("POST", "/v1/execute", hit)
            assert st == 200, st
        st, _, _ = q.call("POST", "/v1/execute", {"argv": ["true"]})
        return st, 200, 403
    if defence == "redaction":
        r = a.ok("POST", "/v1/execute", {"argv": ["sh", "-c", 'echo "$API_KEY"'], "secrets": ["API_KEY"]})
        return r["stdout"], "sk-live-0c4e1d9a7b\n", "[REDACTED:API_KEY]\n"
    if defence == "labels":
        st, _, _ = a.call("POST", "/v1/execute", {"argv": ["true"], "network": {"allow": ["api.example.org"]},
                                                  "files": [{"path": "d.csv", "content": "x", "labels": ["pii"]}]})
        return st, 200, 403

got, wanted, refused = attack()
assert got == (wanted if off else refused), "%s, defence %s: got %r" % (defence, "off" if off else "on", got)
PY
		serve_stop TERM
	done
done
echo "serve controls ok: 6 defences, each attack refused with it and let through without it"
