# defence: tmpfs-size
# Empty files cost no blocks, only inodes (kernel memory): creating 5000 of
# them under --tmpfs-size 1M must stop at the inode cap (1024), in /tmp and
# in the workdir. (The control's tmpfs has the default, RAM-sized, cap.)
. "$REPO/tests/escape/lib.sh"
out=$(al --tmpfs-size 1M -- sh -c '
	for d in /tmp/many ./many; do
		mkdir $d && cd $d && touch $(seq -f f%g 5000) 2>/dev/null
		echo "$d $(ls | wc -l)"
		cd - >/dev/null
	done' 2>&1)
for d in /tmp/many ./many; do
	n=$(awk -v d=$d '$1 == d {print $2}' <<<"$out")
	[ -n "$n" ] || broken "no count for $d: $out"
	[ "$n" -ge 5000 ] && escaped "created $n files in $d under --tmpfs-size 1M"
	[ "$n" -le 1024 ] || escaped "created $n files in $d, more than the 1024 inode cap"
done
contained "$(grep many <<<"$out" | tr "\n" " ")"
