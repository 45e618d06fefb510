# defence: userns-uid
# unprivileged: no
# Two sandboxes running at once share a writable directory that their
# profile binds. The first keeps a private (0600) file there; the second must
# not read it: as root, airlock gives each running sandbox its own host uid.
# (The caller's own --rw binds are id-mapped to the caller, so there both act
# as the caller; as an ordinary user both run as that user: separation
# between them is the caller's business.)
. "$REPO/tests/escape/lib.sh"
mkdir -m 1777 "$WORK/shared"
prof=$(profile_with_bind shared rw "$WORK/shared:/shared")
al --profile "$prof" --report "$WORK/a.json" -- \
	sh -c 'umask 077; echo private-A > /shared/a.tmp && mv /shared/a.tmp /shared/a; sleep 3' &
apid=$!
for _ in $(seq 100); do [ -s "$WORK/shared/a" ] && break; sleep 0.05; done
[ -s "$WORK/shared/a" ] || broken "first sandbox did not write its file"
out=$(al --profile "$prof" --report "$WORK/b.json" -- cat /shared/a 2>&1)
wait $apid
ua=$(report_field "$WORK/a.json" host_uid) ub=$(report_field "$WORK/b.json" host_uid)
[[ "$out" == *private-A* ]] && escaped "second sandbox (uid $ub) read the first's (uid $ua) private file"
[ "$ua" != "$ub" ] && [ "$ua" != 0 ] && [ "$ub" != 0 ] || broken "uids $ua and $ub"
contained "uids $ua and $ub: $out"
