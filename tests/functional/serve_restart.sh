# airlock serve killed with SIGKILL while a one-shot run and a session's
# command run: their processes die with it (the library's init follows its
# supervisor), the restarted service replaces the dead socket file, and its
# first sandboxes reap the cgroups the killed one could not remove. Then a
# clean SIGTERM.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
export SOCK
serve_start "$WORK/serve1.log" --listen "unix:$SOCK"
old=$SERVE_PID
mark=$((RANDOM % 1000 + 600)).$$
C=(curl -sS --unix-socket "$SOCK")
id=$("${C[@]}" -d '{}' http://x/v1/sandboxes | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || fail "session"
"${C[@]}" -d "{\"argv\":[\"sleep\",\"$mark\"]}" "http://x/v1/sandboxes/$id/commands" >/dev/null 2>&1 &
c1=$!
"${C[@]}" -d "{\"argv\":[\"sleep\",\"$mark\"]}" http://x/v1/execute >/dev/null 2>&1 &
c2=$!
for i in $(seq 400); do [ "$(pgrep -fc "^sleep $mark\$")" = 2 ] && break; sleep 0.05; done
[ "$(pgrep -fc "^sleep $mark\$")" = 2 ] || fail "the two commands did not start"
kill -9 "$old"
wait "$old" 2>/dev/null
SERVE_PID=
wait $c1 $c2
for i in $(seq 400); do pgrep -f "^sleep $mark\$" >/dev/null || break; sleep 0.05; done
pgrep -f "^sleep $mark\$" >/dev/null && fail "a sandbox's process outlived the killed service"
[ -S "$SOCK" ] || fail "no socket file after SIGKILL (expected one left)"

# The old cgroups (root only: as a user there are none), found in this
# script's own hierarchy, are gone once the new service has run sandboxes.
stale() {
	local line ctrl path
	while IFS=: read -r _ ctrl path; do
		case ",$ctrl," in *,memory,* | *,pids,*) ;; *) continue ;; esac
		ctrl=${ctrl%%,*}
		ls -d "/sys/fs/cgroup/$ctrl${path%/}"/airlock-"$old"-* 2>/dev/null
	done </proc/self/cgroup
}
[ "$(id -u)" = 0 ] && [ -z "$(stale)" ] && grep -q "cgroup=v" "$WORK/serve1.log" && fail "no cgroup of the killed service found: the check below would prove nothing"
serve_start "$WORK/serve2.log" --listen "unix:$SOCK"
"${C[@]}" -d '{"argv":["echo","again"]}' http://x/v1/execute | grep -q '"stdout":"again\\n"' || fail "after the restart"
"${C[@]}" "http://x/v1/sandboxes/$id" | grep -q not_found || fail "the old session is not gone"
for i in $(seq 100); do [ -z "$(stale)" ] && break; sleep 0.05; done
[ -z "$(stale)" ] || fail "cgroups of the killed service left: $(stale)"
serve_stop TERM
echo "serve restart ok"
