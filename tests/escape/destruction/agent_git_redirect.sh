# defence: git-ro
# What a read-only bind alone cannot cover: a repository without a hooks
# directory (git init --template=, libgit2, jj) where the sandbox makes one,
# and .git/commondir, which sends the user's git to config and hooks of the
# sandbox's choosing. Neither may be left for the user's git to follow.
. "$REPO/tests/escape/lib.sh"
proj=$WORK/home/proj
mkdir -p "$proj" && cd "$proj" || broken "cd"
git init -q . && rm -rf .git/hooks .git/info && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init ||
	broken "git init"
chmod -R a+rwX "$WORK/home"
out=$(HOME=$WORK/home al --profile agent --report "$WORK/r.json" -- sh -c '
	mkdir -p .git/hooks; printf "#!/bin/sh\necho pwned\n" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit && echo hook
	mkdir -p evil && cp -r .git/objects .git/refs evil/ && printf "[core]\n\trepositoryformatversion = 0\n\tfsmonitor = false\n" > evil/config &&
	echo ../evil > .git/commondir && echo commondir' 2>&1)
found=""
[ -e .git/hooks/pre-commit ] && found="$found hook"
[ -e .git/commondir ] && found="$found commondir($(cat .git/commondir))"
[ -n "$found" ] && escaped "left for the user's git:$found ($out)"
grep -q '"quarantined": ".git/commondir"' "$WORK/r.json" || broken "commondir not reported: $(grep -o '"quarantined[^,]*' "$WORK/r.json")"
git -c safe.directory='*' log --oneline >/dev/null 2>&1 || broken "the repository is broken"
contained "no hook, commondir renamed away and reported"
