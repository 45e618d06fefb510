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
# Into a pipe or /dev/null the output is spliced, not copied: intact, counted,
# capped to the byte, and what comes past the cap is still counted.
head -c 3000000 /dev/urandom >"$WORK/rand"; chmod 644 "$WORK/rand"
sum=$(al --output 4M --ro "$WORK/rand:/rand" -- cat /rand | sha256sum)
[ "$sum" = "$(sha256sum <"$WORK/rand")" ] || { echo "spliced output differs"; exit 1; }
al --output 4M --report "$WORK/null.json" -- head -c 3000000 /dev/zero >/dev/null || exit 1
n=$(report_field "$WORK/null.json" output_bytes.stdout)
[ "$n" = 3000000 ] || { echo "to /dev/null: $n bytes counted"; exit 1; }
n=$(al --output 1000 --report "$WORK/cap.json" -- sh -c 'head -c 1M /dev/zero >&2' 2>&1 >/dev/null | tr -cd '\0' | wc -c)
st=$(report_field "$WORK/cap.json" status) cnt=$(report_field "$WORK/cap.json" output_bytes.stderr)
[ "$n" = 1000 ] && [ "$st" = output_limit ] && [ "$cnt" -gt 1000 ] ||
	{ echo "capped pipe: $n bytes through, status $st, $cnt counted"; exit 1; }
echo "io ok"
