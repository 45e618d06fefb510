#!/bin/bash
# make check-v2: airlock on pure cgroup v2, for real. Boots each Debian
# kernel the archive offers (linux-image-amd64, unpacked from its package,
# never installed: 6.1 from bookworm, 6.12 too when bookworm-backports is in
# the sources) under qemu (TCG: this machine's KVM cannot run a stock
# kernel) with cgroup_no_v1=all, from a busybox initramfs holding the static
# airlock, the test build and the tests; the host's /usr is shared read-only
# over 9p for bash, python3 and the libraries. Inside, tests/v2/inside.sh.
# Anything that keeps the VM from running is a failure, never a skip.
# Writes "PASSED FAILED SKIPPED" to $RESULTS when set.
set -u
cd "$(dirname "$0")/../.."
OUT=$PWD/build/v2
mkdir -p "$OUT"
pass=0 fail=0 skip=0
total() {
	[ -n "${RESULTS:-}" ] && echo "$pass $fail $skip" >"$RESULTS"
	echo "v2 VM: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}
die() { echo "FAIL check-v2: $*"; fail=$((fail + 1)); total; exit 1; }

for t in qemu-system-x86_64 dpkg-deb apt-get mkfs.ext4 cpio; do
	command -v $t >/dev/null || die "$t is missing (make deps installs qemu-system-x86 and busybox-static)"
done
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx switch_root || die "/bin/busybox (busybox-static) is missing"
[ -x build/airlock ] && [ -x build/test/airlock ] || die "build/airlock and build/test/airlock are not built"

# The kernels: every version of linux-image-amd64 the configured sources have.
# The newest of each series (6.1, 6.12): a point release does not change
# what is tested here.
versions=$(apt-cache madison linux-image-amd64 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -V |
	awk -F. '{s[$1"."$2] = $0} END {for (k in s) print s[k]}' | sort -V)
[ -n "$versions" ] || die "no linux-image-amd64 in the configured sources (apt-get update?)"
kernel_dir() { # kernel_dir VERSION: unpack vmlinuz and the modules the VM needs
	local ver=$1 dl img k
	dl=$(mktemp -d "$OUT/dl.XXXXXX")
	(cd "$dl" && apt-get download -q "linux-image-amd64=$ver" >/dev/null 2>&1) || { rm -rf "$dl"; return 1; }
	img=$(dpkg-deb -f "$dl"/linux-image-amd64_*.deb Depends | grep -o 'linux-image-[^ ,(]*' | head -1)
	(cd "$dl" && apt-get download -q "$img=$ver" >/dev/null 2>&1) || { rm -rf "$dl"; return 1; }
	k=$OUT/${img#linux-image-}
	rm -rf "$k" && mkdir -p "$k/modules" "$dl/x"
	dpkg-deb -x "$dl"/"$img"_*.deb "$dl/x" || { rm -rf "$dl"; return 1; }
	cp "$dl"/x/boot/vmlinuz-* "$k/vmlinuz"
	for m in $MODULES; do
		local f
		f=$(find "$dl/x/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
		[ -n "$f" ] || continue # built in
		case $f in *.xz) xz -dc "$f" >"$k/modules/$m.ko" ;; *) cp "$f" "$k/modules/" ;; esac
		echo "$m" >>"$k/modules/order"
	done
	touch "$k/modules/order"
	rm -rf "$dl"
	echo "$k"
}
# In load order (each after what it needs).
MODULES="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p
virtio_blk crc16 mbcache jbd2 crc32c_generic ext4"

# The initramfs: busybox, the modules, the suite (as tests/run.sh lays it out).
initramfs() { # initramfs KERNEL_DIR
	local k=$1 r
	r=$(mktemp -d "$OUT/initramfs.XXXXXX")
	mkdir -p "$r"/{bb,proc,sys,dev,suite/build/test}
	cp /bin/busybox "$r/bb/"
	cp tests/v2/init "$r/init"
	cp -a /etc/alternatives "$r/alternatives"
	cp -r "$k/modules" "$r/modules"
	cp build/airlock "$r/suite/build/airlock"
	cp build/test/airlock "$r/suite/build/test/airlock"
	cp -r tests "$r/suite/"
	mknod "$r/dev/console" c 5 1
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$k/initramfs.gz"
	rm -rf "$r"
}

for ver in $versions; do
	k=$(kernel_dir "$ver") || die "cannot fetch or unpack linux-image-amd64 $ver from the archive"
	initramfs "$k"
	disk=$k/disk.img
	rm -f "$disk" && truncate -s 2G "$disk" && mkfs.ext4 -q -F "$disk" || die "mkfs.ext4"
	log=$k/console.log
	echo "== check-v2: Debian kernel $ver ($(basename "$k")), qemu TCG, cgroup_no_v1=all"
	start=$(date +%s)
	timeout 900 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 3G -nographic -no-reboot \
		-kernel "$k/vmlinuz" -initrd "$k/initramfs.gz" \
		-append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all${V2_CASES:+ v2.cases=$V2_CASES}" \
		-virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on \
		-drive file="$disk",if=virtio,format=raw </dev/null >"$log" 2>&1
	rc=$?
	rm -f "$disk"
	tr -d '\r' <"$log" | sed -n 's/^V2 //p; /^V2-FAIL/p'
	result=$(tr -d '\r' <"$log" | sed -n 's/^V2-RESULT //p' | tail -1)
	if [ -z "$result" ]; then
		echo "FAIL check-v2: kernel $ver: no result (qemu exit $rc); the console's last lines:"
		tail -20 "$log" | sed 's/^/    /'
		fail=$((fail + 1))
		continue
	fi
	read -r p f s <<<"$result"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "   kernel $ver: $p passed, $f failed, $s skipped in $(($(date +%s) - start)) s"
done
total
