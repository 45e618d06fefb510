# Environment, working directory, binds, stdin and the relay of output.
. "$REPO/tests/escape/lib.sh"
export SECRET_TOKEN=hunter2 VISIBLE=yes
out=$(al --env VISIBLE --env MODE=fast -- sh -c 'echo "$VISIBLE $MODE ${SECRET_TOKEN:-unset} $PWD"')
[ "$out" = "yes fast unset /work" ] || { echo "env: $out"; exit 1; }
out=$(al --workdir /src -- pwd)
[ "$out" = /src ] || exit 1
mkdir -m 777 "$WORK/out"
al --rw "$WORK/out:/out" -- sh -c 'echo written > /out/f' || exit 1
[ "$(cat "$WORK/out/f")" = written ] || exit 1
echo data >"$WORK/in.txt"; chmod 644 "$WORK/in.txt"
[ "$(al --ro "$WORK/in.txt:/in.txt" -- cat /in.txt)" = data ] || exit 1
# stdin is /dev/null, whatever the caller's stdin is.
[ "$(echo from-caller | al -- cat)" = "" ] || exit 1
# --stdin hands the caller's stdin over, as it is (a pipe here, 200 KB through it).
[ "$(echo 'print(6*7)' | al --profile python --stdin -- python3 -)" = 42 ] || { echo "--stdin"; exit 1; }
n=$(head -c 200000 /dev/zero | al --stdin -- wc -c)
[ "$n" = 200000 ] || { echo "--stdin relayed $n"; exit 1; }
# Large output is relayed intact.
n=$(al --output 4M -- sh -c 'head -c 3000000 /dev/zero' | wc -c)
[ "$n" = 3000000 ] || { echo "relayed $n"; exit 1; }
echo "io ok"
