# The agent profile: the current directory writable at its own path, $HOME
# an empty (writable) tmpfs, no network unless --net allows it.
. "$REPO/tests/escape/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$WORK/home/proj" "$WORK/home/.ssh"
echo secret >"$WORK/home/.ssh/id_rsa"
chmod 777 "$WORK/home/proj"
cd "$WORK/home/proj" || fail cd
echo "hello" >notes.txt
chmod 666 notes.txt
out=$(HOME=$WORK/home al --profile agent -- sh -c '
	echo "pwd=$(pwd) home=$HOME"
	cat notes.txt && echo more >>notes.txt && touch made-inside
	echo "home has: $(ls -A "$HOME" | tr "\n" " ")"
	ls "$HOME/.ssh" 2>&1 | head -1
	echo x >"$HOME/.gitconfig" && echo home-writable
	echo "proxy=${HTTP_PROXY-none}"' 2>&1) || fail "$out"
[[ "$out" == *"pwd=$WORK/home/proj home=$WORK/home"* ]] || fail "paths: $out"
[[ "$out" == *hello* ]] || fail "cwd not readable: $out"
[ "$(cat notes.txt)" = "hello
more" ] || fail "cwd not writable: $(cat notes.txt)"
[ -e made-inside ] || fail "file made inside is not on the host"
[[ "$out" == *"home has: proj "$'\n'* ]] || fail "home not empty (only the project's mount point): $out"
[[ "$out" == *"No such file"* ]] || fail "~/.ssh visible: $out"
[[ "$out" == *home-writable* ]] || fail "home not writable: $out"
[[ "$out" == *"proxy=none"* ]] || fail "network by default: $out"
[ -e "$WORK/home/.gitconfig" ] && fail "home tmpfs wrote through to the host"
"$AIRLOCK" profile show agent | python3 -c 'import json,sys; p=json.load(sys.stdin); assert p["cwd"] == "rw" and p["home"] == "tmpfs" and p["env_deny"]' || fail "profile show agent"
echo "agent ok"
