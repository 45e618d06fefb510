# defence: git-ro
# In the agent profile the project is writable, but what the user's own git
# runs later, unconfined, is not: a hook, core.fsmonitor in .git/config, a
# replaced .git. Commits still work (tests/functional/agent_git.sh).
. "$REPO/tests/escape/lib.sh"
proj=$WORK/home/proj
mkdir -p "$proj" && cd "$proj" || broken "cd"
git init -q . && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init || broken "git init"
chmod -R a+rwX "$WORK/home"
out=$(HOME=$WORK/home al --profile agent -- sh -c '
	printf "#!/bin/sh\necho pwned\n" > .git/hooks/post-checkout && chmod +x .git/hooks/post-checkout && echo hook-written
	git -c safe.directory="*" config core.fsmonitor "touch /tmp/pwned" && echo config-written
	echo "[alias] st = !touch /tmp/pwned" >> .git/config && echo config-appended
	mkdir -p .git/info && echo "* filter=evil" > .git/info/attributes && echo attributes-written
	mv .git .git-old && mkdir .git && echo git-replaced' 2>&1)
found=""
[ -e .git/hooks/post-checkout ] && found="$found hook"
grep -q "fsmonitor\|alias" .git/config 2>/dev/null && found="$found config"
[ -e .git/info/attributes ] && found="$found attributes"
[ -d .git-old ] && found="$found replaced"
[ -n "$found" ] && escaped "planted:$found ($out)"
git -c safe.directory='*' log --oneline >/dev/null 2>&1 || broken "the repository is broken: $out"
contained "nothing planted: $(echo "$out" | grep -c .) lines of refusals"
