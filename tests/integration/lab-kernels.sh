#!/bin/bash
# Any Debian kernel of the archive, and a kernel you built, in the lab and
# in `kvm build` (docs/lab.md §2):
#   - `irqlbench kvm kernels` lists the complete versions (those of
#     kernel-resolve.sh --list) with their ABIs, the installed one marked;
#   - a version the archive lacks: exit 2, one line naming `irqlbench kvm
#     kernels`, before anything is built or booted;
#   - kernel-fetch.sh: a failed download leaves nothing that counts as
#     cached, and a fetch waits for another one's lock;
#   - `lab --kernel 6.1.176-1 --variants stock,unfixed`: fetched into
#     build/kernels/ (unless installed or cached), L1 boots that kernel,
#     stock is its shipped kvm_amd and unfixed its source with the revert;
#     the records name 6.1.176-1, 6.1.176 and 6.1.0-50-amd64, the recipe,
#     and give workloads/suites.cfg's write_cr8 per iteration for
#     nested-spinlock depth=2 (stock as fixed: 3, unfixed: 1);
#   - `lab --kernel-image/--modules` with that image and its module root
#     (from the cache) as a kernel you built: the same 3 per iteration;
#   - `kvm build --source TREE` with 6.1.176-1's Makefile, arch/x86/kvm and
#     virt/kvm unpacked: the build of the Debian tarball's source, to the
#     srcversion.
# Times on this machine (2 cores, TCG L1, a 53 MB/s mirror): the first run
# fetches 6.1.176-1 (213 MiB of packages: ~16 s with unpacking and depmod),
# extracts its kvm sources (~10 s), builds unfixed (~45 s) and the --source
# tree (~75 s), and boots three L1s (~12-16 s each): about 3 min.  Second
# run, everything cached: the three L1s and the rest, about 1 min.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
need_pkg jq bc kmod
need_kernel_installer
V=6.1.176-1 ABI=6.1.0-50-amd64 UP=6.1.176
IT=${LAB_ITERATIONS:-200}
CACHE=$BUILD_ABS/kernels
since() { printf '%.1f' "$(echo "$(date +%s.%N) - $1" | bc)"; }

# --- kvm kernels --------------------------------------------------------------------
"$IRQLBENCH" kvm kernels >"$TMP/list" 2>"$TMP/err"
eq "kvm kernels: exit" $? 0
cat "$TMP/list"
host/kvm/kernel-resolve.sh --list >"$TMP/complete"
eq "kvm kernels: the complete versions, newest first" \
	"$(awk 'NR > 1 && $1 ~ /^[0-9]/ { print $1, $2 }' "$TMP/list")" "$(awk '{ print $1, $2 }' "$TMP/complete")"
ok "kvm kernels: $V with its ABI" grep -q "^$V  *$ABI  *$UP " "$TMP/list"
"$IRQLBENCH" kvm kernels --series 6.1 --format json >"$TMP/list.json" 2>"$TMP/err"
eq "kvm kernels --format json: exit" $? 0
eq "json: as many as text" "$(jq '.kernels | length' "$TMP/list.json")" "$(wc -l <"$TMP/complete")"
inst=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
if [ -n "$inst" ] && grep -q "^$inst " "$TMP/complete"; then
	eq "json: the installed triple ($inst) marked" \
		"$(jq -r --arg v "$inst" '.kernels[] | select(.version == $v) | .installed' "$TMP/list.json")" yes
fi
"$IRQLBENCH" kvm kernels --format yaml >/dev/null 2>"$TMP/err"
eq "kvm kernels --format yaml: exit 2" $? 2

# --- a version the archive lacks ------------------------------------------------------
t0=$(date +%s.%N)
"$IRQLBENCH" lab --kernel 6.1.999-1 --variants stock --out-dir "$TMP/nolab" \
	--workload nested-spinlock >"$TMP/o" 2>"$TMP/e"
eq "lab --kernel 6.1.999-1: exit 2" $? 2
eq "lab --kernel 6.1.999-1: one line" "$(wc -l <"$TMP/e")" 1
ok "lab --kernel 6.1.999-1: names irqlbench kvm kernels" grep -q "6.1.999-1 is not in the archive.*'irqlbench kvm kernels" "$TMP/e"
ok "lab --kernel 6.1.999-1: no L1 booted" test ! -e "$TMP/nolab/stock/console.log"
echo "bad version refused in $(since "$t0") s: $(cat "$TMP/e")"
"$IRQLBENCH" kvm build --variant stock --kernel 6.1.0-99-amd64 >/dev/null 2>"$TMP/e"
eq "kvm build --kernel 6.1.0-99-amd64 (an ABI the archive lacks): exit 2" $? 2
ok "kvm build: one line naming irqlbench kvm kernels" \
	test "$(wc -l <"$TMP/e"):$(grep -c "irqlbench kvm kernels" "$TMP/e")" = 1:1

# --- fetching: a failed download is not cached; one fetch at a time --------------------
# an apt-get that leaves a truncated package and fails, as a dropped
# connection would, in a private cache; the real one is left alone
mkdir -p "$TMP/bin" "$TMP/kernels"
cat >"$TMP/bin/apt-get" <<'SH'
#!/bin/sh
case " $* " in
*" download "*) for a; do case $a in *=*) echo partial >"${a%%=*}_${a#*=}_amd64.deb" ;; esac; done
	echo "E: Failed to fetch: Connection reset (fake apt-get)" >&2; exit 100 ;;
esac
exit 0
SH
chmod +x "$TMP/bin/apt-get"
# another fetch holds the lock until this one says it waits for it (or 60 s)
flock "$TMP/kernels/$V.lock" sh -c "touch '$TMP/held'; while [ ! -e '$TMP/release' ]; do sleep 0.1; done" &
holder=$!
while [ ! -e "$TMP/held" ]; do sleep 0.1; done
PATH=$TMP/bin:$PATH host/kvm/kernel-fetch.sh --version "$V" --out "$TMP/kernels" >/dev/null 2>"$TMP/e" &
fetch=$!
for _ in $(seq 600); do grep -q 'waiting for its lock' "$TMP/e" && break; sleep 0.1; done
touch "$TMP/release"
wait $fetch
eq "failed download: exit 3" $? 3
wait $holder
ok "a second fetch waits for the first's lock" grep -q "another fetch of it is running; waiting for its lock" "$TMP/e"
ok "failed download: the error names apt's" grep -q "apt-get download linux-source-6.1=$V failed (E: Failed to fetch" "$TMP/e"
eq "failed download: no package in debs/" "$(ls "$TMP/kernels/$V/debs/" | grep -c '\.deb$')" 0
eq "failed download: no part marked complete" "$(ls -A "$TMP/kernels/$V" | grep -c '^\.done')" 0
IRQLBENCH_BUILD=$TMP host/kvm/kernel-list.sh >"$TMP/klist"
ok "failed download: kvm kernels does not call it cached" grep -q "^$V .* -$" "$TMP/klist"

# --- lab --kernel VERSION ------------------------------------------------------------------
SUITE=$("$IRQLBENCH" list --suites --format json | jq -c '.entries[] | select(.name == "nested-spinlock-d2")')
want_fixed=$(jq -r .variants.fixed.exits <<<"$SUITE")
want_unfixed=$(jq -r .variants.unfixed.exits <<<"$SUITE")
was=$(cat "$CACHE/$V/.done-kernel" "$CACHE/$V/.done-source" >/dev/null 2>&1 && echo cached || echo "not cached")
t0=$(date +%s.%N)
"$IRQLBENCH" lab --kernel "$V" --variants stock,unfixed --out-dir "$TMP/lab" --workload nested-spinlock \
	--param depth=2 --param iterations="$IT" --timeout 300 >"$TMP/lab.jsonl" 2>"$TMP/lab.err"
rc=$?
echo "lab --kernel $V stock,unfixed ($was before): rc=$rc, $(since "$t0") s"
cat "$TMP/lab.err" "$TMP/lab/"*/build.log 2>/dev/null |
	grep -E 'kernel .*(MiB|fetched|cached)|unpacked|extracted|built|: cached' | sed 's/^/  /'
eq "lab --kernel $V: exit" $rc 0
[ $rc -eq 0 ] || tail -n 5 "$TMP/lab.err"
for v in stock unfixed; do
	rec=$TMP/lab/$v/record.json
	eq "$v: complete" "$(jq -r .status "$rec" 2>/dev/null)" complete
	eq "$v: the kernel's Debian version, upstream version, ABI" \
		"$(jq -r '.provenance.lab.kernel | "\(.debian_version) \(.upstream) \(.abi)"' "$rec" 2>/dev/null)" "$V $UP $ABI"
	ok "$v: the kernel came from the cache (or is installed)" \
		grep -qE '^(cache|installed)$' <(jq -r .provenance.lab.kernel.origin "$rec" 2>/dev/null)
	eq "$v: L1 ran $ABI" "$(sed -n 's/^L1_ABI=//p' "$TMP/lab/$v/lab.env")" "$ABI"
	eq "$v: source package" "$(jq -r .provenance.lab.module_recipe.source "$rec" 2>/dev/null)" "linux-source-6.1 $V"
	eq "$v: the source has the fix" "$(jq -r .provenance.lab.module_recipe.source_fix "$rec" 2>/dev/null)" fixed
	eq "$v: the machine L1 ran on: this one (provenance.host is L1's)" \
		"$(jq -r '"\(.provenance.lab.physical_host.hostname) \(.provenance.host.hostname)"' "$rec" 2>/dev/null)" \
		"$(hostname) $(hostname)-l1"
done
r=$TMP/lab/stock/record.json
eq "stock: the shipped modules, no patch" \
	"$(jq -r '.provenance.lab.module_recipe | "\(.origin) \(.patches | length) \(.fix_state)"' "$r" 2>/dev/null)" "shipped 0 fixed"
eq "stock: L1 loaded Debian's signed kvm_amd (no taint, no srcversion)" \
	"$(jq -r '.provenance.lab.module_recipe.loaded | "\(.kvm_amd_taint)|\(.kvm_amd_srcversion)"' "$r" 2>/dev/null)" "|null"
eq "stock: write_cr8 per iteration = suites.cfg's fixed" "$(($(measured "$r" exit.write_cr8) / IT))" "$want_fixed"
eq "stock: no remainder" "$(($(measured "$r" exit.write_cr8) % IT))" 0
r=$TMP/lab/unfixed/record.json
eq "unfixed: built with the revert" \
	"$(jq -r '.provenance.lab.module_recipe | "\(.origin) \(.patches | join(",")) \(.fix_state)"' "$r" 2>/dev/null)" \
	"built 0001-revert-KVM-SVM-fix-cr8-intercept-window.patch unfixed"
sv=$(jq -r .provenance.lab.module_recipe.srcversion.kvm_amd "$r" 2>/dev/null)
ok "unfixed: has a srcversion ($sv)" test -n "$sv" -a "$sv" != null
eq "unfixed: L1 loaded that build" "$(jq -r .provenance.lab.module_recipe.loaded.kvm_amd_srcversion "$r" 2>/dev/null)" "$sv"
eq "unfixed: write_cr8 per iteration = suites.cfg's unfixed" "$(($(measured "$r" exit.write_cr8) / IT))" "$want_unfixed"
eq "unfixed: no remainder" "$(($(measured "$r" exit.write_cr8) % IT))" 0
ok "$V is cached now" test -e "$CACHE/$V/.done-kernel" -a -e "$CACHE/$V/.done-source"
"$IRQLBENCH" kvm kernels --format json >"$TMP/list.json"
eq "kvm kernels marks $V cached" "$(jq -r --arg v "$V" '.kernels[] | select(.version == $v) | .cached' "$TMP/list.json")" yes

# --- a kernel you built: the cached image and its module root -----------------------------
K=$(cd "$CACHE/$V/root" && pwd)
"$IRQLBENCH" kvm build --variant stock --kernel-image "$K/boot/vmlinuz-$ABI" --modules "$K/lib/modules/$ABI" \
	>"$TMP/o" 2>"$TMP/e"
eq "kvm build stock, --modules lib/modules/<release>: exit" $? 0
ok "the same shipped modules as --kernel $V's stock" \
	cmp -s "$(tail -n 1 "$TMP/o")/kvm-amd.ko" "$(jq -r .provenance.lab.modules "$TMP/lab/stock/record.json")/kvm-amd.ko"
"$IRQLBENCH" kvm build --variant stock --kernel-image "/boot/vmlinuz-$(host/kvm/kernel-resolve.sh --installed-only | sed -n 's/^abi=//p')" \
	--modules "$K/lib/modules/$ABI" >/dev/null 2>"$TMP/e"
eq "an image with another release's modules: exit 3" $? 3
ok "...naming both releases" grep -q "is release .*, --modules .* is $ABI" "$TMP/e"
t0=$(date +%s.%N)
"$IRQLBENCH" lab --kernel-image "$K/boot/vmlinuz-$ABI" --modules "$K" --variants stock --out-dir "$TMP/user" \
	--workload nested-spinlock --param depth=2 --param iterations="$IT" --timeout 300 >"$TMP/user.jsonl" 2>"$TMP/user.err"
rc=$?
echo "lab --kernel-image/--modules stock: rc=$rc, $(since "$t0") s"
eq "lab --kernel-image/--modules (the root): exit" $rc 0
r=$TMP/user/stock/record.json
eq "user kernel: complete" "$(jq -r .status "$r" 2>/dev/null)" complete
eq "user kernel: origin, release, the Debian version its image names" \
	"$(jq -r '.provenance.lab.kernel | "\(.origin) \(.abi) \(.debian_version)"' "$r" 2>/dev/null)" "user $ABI $V"
eq "user kernel: L1 booted that image" "$(jq -r .provenance.lab.l1_kernel "$r" 2>/dev/null)" "$K/boot/vmlinuz-$ABI"
eq "user kernel stock: write_cr8 per iteration" "$(($(measured "$r" exit.write_cr8) / IT))" "$want_fixed"

# --- kvm build --source TREE ------------------------------------------------------------------
mkdir -p "$TMP/tree"
tar -xJf "$K/usr/src/linux-source-6.1.tar.xz" -C "$TMP/tree" --strip-components=1 \
	linux-source-6.1/Makefile linux-source-6.1/arch/x86/kvm linux-source-6.1/virt/kvm
t0=$(date +%s.%N)
"$IRQLBENCH" kvm build --variant unfixed --source "$TMP/tree" --kernel "$V" >"$TMP/o" 2>"$TMP/e"
rc=$?
echo "kvm build --source: rc=$rc, $(since "$t0") s: $(tail -n 1 "$TMP/e")"
eq "kvm build --source TREE --kernel $V: exit" $rc 0
d=$(tail -n 1 "$TMP/o")
bi() { sed -n "s/^$1=//p" "$d/build.info"; }
eq "--source: the tree, its version" "$(bi source_kind) $(bi source_upstream)" "tree $UP"
eq "--source: reverted" "$(bi fix_state)" unfixed
eq "--source: vermagic" "$(modinfo -F vermagic "$d/kvm-amd.ko" | cut -d' ' -f1)" "$ABI"
eq "--source: the srcversion of the lab's unfixed (the Debian tarball's source)" "$(bi srcversion_kvm_amd)" "$sv"
"$IRQLBENCH" kvm build --variant unfixed --source "$TMP/tree" >/dev/null 2>"$TMP/e"
eq "--source $UP with the installed kernel's headers: exit 3" $? 3
ok "...naming both versions" grep -q "is $UP, headers .* are " "$TMP/e"
finish
