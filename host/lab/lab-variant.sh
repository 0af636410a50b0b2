#!/bin/bash
# usage: lab-variant.sh --variant V --out DIR --mode run|batch|selftest [--batch FILE]
#                       [--kernel ABI|VERSION | --kernel-image BZIMAGE --modules DIR]
#                       [--source TREE] [--headers DIR]
#                       [--accel auto|tcg|kvm] [--cpu MODEL] [--timeout S]
#                       [--guest ELF] [-- RUN-ARGS...]
# One lab variant, start to end: build (or reuse) the variant's kvm.ko and
# kvm-amd.ko (stock: the kernel's own), write DIR/job.env for
# host/lab/l1-run.sh, boot L1, and check what came back.  The kernel is
# any that host/kvm/kernel-env.sh finds (installed, a Debian version, which
# is fetched into build/kernels/ when needed, or one you built); --source and
# --headers go to build-variant.sh.  DIR/lab.env summarises: LAB_VARIANT,
# LAB_MODDIR, LAB_BUILD (shipped | cached | built in N s), L1_* (boot-l1.sh),
# KVM_* (kvm_amd parameters and the loaded modules' srcversion and taint in
# L1), LAB_STATUS (the in-L1 step's exit status).  DIR/provenance.json holds
# the kernel's versions and the modules' recipe (provenance.lab.kernel and
# .module_recipe of the record, results/SCHEMA.md).
# run mode: RUN-ARGS go to `irqlbench run --backend kvm` in L1, which runs
# in this working directory (relative paths among them mean what they mean
# here); the record is DIR/record.json, the run's stderr DIR/run.stderr.
# batch mode: FILE (copied to DIR/batch) has one run a line, its NAME and
# run options separated by tabs; all run in this one L1, in order, each as
# in run mode with its record, logs and status in DIR/runs/NAME/.  As each
# ends (DIR/progress, written in L1), a line on stderr:
#   irqlbench: lab: ABI (VERSION) VARIANT [I/N] NAME: ok in S s
# ("failed (status N)" for a run that did not exit 0).
# selftest mode: the lab's CR8 test guest (or --guest) is traced in L1; the
# fold is DIR/trace.json.
# Exit: 0 the step ran (its own status is LAB_STATUS), 1 L1 failed,
# 2 usage, 3 environment (build, modules, /dev/kvm), 4 timeout.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${IRQLBENCH_BUILD:-$ROOT/build}
. "$ROOT/host/kvm/kernel-env.sh"

variant= out= mode= batch= tscript= kernel= kimage= kmods= tree= headers= accel=auto cpu= timeout=600 guest=$BUILD/lab/cr8guest.elf
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--batch) batch=$2; shift 2 ;;
	--test-script) tscript=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--kernel-image) kimage=$2; shift 2 ;;
	--modules) kmods=$2; shift 2 ;;
	--source) tree=$2; shift 2 ;;
	--headers) headers=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "irqlbench: error: lab-variant.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$variant" ] && [ -n "$out" ] && [ -n "$mode" ] ||
	{ echo "irqlbench: error: lab-variant.sh needs --variant, --out and --mode" >&2; exit 2; }
# what an earlier lab run left in this variant's folder goes first, before
# any check can fail: nothing of it may be read as this run's
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{job.env,args,lab.env,status,kvm.env,step.env,l1.env,l1.cmdline,l1.log,build.log} \
	"$out"/{insmod.list,provenance.json} \
	"$out"/{record.json,record.serial.log,record.qemu.log,trace.json,serial.log} \
	"$out"/{run.stdout,run.stderr,console.log,console.qemu-crash} "$out"/{batch,progress,progress.tmp} \
	"$out"/script.out
rm -rf "$out/runs"
rc=0
kenv_from_opts "$kernel" "$kimage" "$kmods" || rc=$?
[ $rc -eq 0 ] || exit $rc
echo "irqlbench: lab: variant $variant on $KENV_ABI${KENV_VERSION:+ ($KENV_VERSION)} (logs in $out)" >&2

# --- modules -------------------------------------------------------------------------
t0=$(date +%s.%N)
bvargs=(--variant "$variant" "${KENV_PASS[@]}")
[ -z "$tree" ] || bvargs+=(--source "$tree")
[ -z "$headers" ] || bvargs+=(--headers "$headers")
moddir=$("$ROOT/host/kvm/build-variant.sh" "${bvargs[@]}" 2>"$out/build.log") || {
	rc=$?
	cat "$out/build.log" >&2
	exit $rc
}
# the real path: L1 sees the host's tree under /host, where an absolute
# symlink (a build/kvm shared between checkouts) would point elsewhere
moddir=$(readlink -f "$(echo "$moddir" | tail -n 1)")
if grep -q '^origin=shipped' "$moddir/build.info"; then
	build="shipped"
elif grep -q ': cached' "$out/build.log"; then
	build="cached"
else
	build="built in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
fi
# kvm_amd's dependencies as modprobe resolves them in the kernel's module
# tree, with the variant's own kvm.ko and kvm-amd.ko in place of the
# shipped ones; real paths, one a line (L1 reads them under /host, where a
# symlink of the host's would point into L1's own root)
modprobe -d "$KENV_MODROOT" -S "$KENV_ABI" --show-depends kvm_amd |
	sed -n 's/^insmod \(.*\.ko\(\.[a-z]*\)\{0,1\}\)\( .*\)\{0,1\}$/\1/p' |
	while IFS= read -r f; do
		case $(basename "$f") in
		kvm.ko*) echo "$moddir/kvm.ko" ;;
		kvm-amd.ko*) echo "$moddir/kvm-amd.ko" ;;
		*) readlink -f "$f" ;;
		esac
	done >"$out/insmod.list"
if ! grep -qxF "$moddir/kvm.ko" "$out/insmod.list" || ! grep -qxF "$moddir/kvm-amd.ko" "$out/insmod.list"; then
	echo "irqlbench: error: modprobe -d $KENV_MODROOT -S $KENV_ABI --show-depends kvm_amd did not list kvm.ko and kvm-amd.ko" >&2
	exit 3
fi
if grep -q '\.ko\.' "$out/insmod.list"; then
	echo "irqlbench: error: kvm_amd's dependencies in $KENV_MODDIR are compressed ($(grep '\.ko\.' "$out/insmod.list" | head -n 1)); L1's busybox insmod needs plain .ko files" >&2
	exit 3
fi

# --- the job ---------------------------------------------------------------------------
{
	echo "MODE=$mode"
	echo "IRQLBENCH='$BUILD/bin/irqlbench'"
	echo "KVMTRACE='$BUILD/trace/irqlbench-kvmtrace'"
	echo "GUEST='$guest'"
	echo "QEMU='$(command -v qemu-system-x86_64)'"
} >"$out/job.env"
case $mode in
run|batch|script)
	[ -x "$BUILD/bin/irqlbench" ] || { echo "irqlbench: error: $BUILD/bin/irqlbench is missing; run make" >&2; exit 3; }
	# L1 sees the host's tree at the same paths, except what it mounts its own
	case $PWD in
	/run|/run/*|/dev|/dev/*|/proc|/proc/*|/sys|/sys/*)
		echo "irqlbench: error: lab: L1 has its own $PWD (its /run, /dev, /proc and /sys are not the host's): run irqlbench lab from another directory" >&2
		exit 3 ;;
	esac
	echo "CWD='$PWD'" >>"$out/job.env"
	if [ $mode = run ]; then
		printf '%s\n' "$@" >"$out/args"
	elif [ $mode = script ]; then
		[ -f "$tscript" ] || { echo "irqlbench: error: lab-variant.sh --mode script needs --test-script FILE" >&2; exit 2; }
		echo "TEST_SCRIPT='$(readlink -f "$tscript")'" >>"$out/job.env"
	else
		[ -s "$batch" ] || { echo "irqlbench: error: lab-variant.sh --mode batch needs --batch FILE, a batch with runs" >&2; exit 2; }
		cp "$batch" "$out/batch"
	fi ;;
selftest)
	for f in "$BUILD/trace/irqlbench-kvmtrace" "$guest"; do
		[ -e "$f" ] || { echo "irqlbench: error: $f is missing; run make" >&2; exit 3; }
	done ;;
*) echo "irqlbench: error: --mode must be run, batch, script or selftest" >&2; exit 2 ;;
esac

# --- L1 --------------------------------------------------------------------------------
bargs=(--script "$HERE/l1-run.sh" --out "$out" "${KENV_PASS[@]}" --accel "$accel" --timeout "$timeout")
[ -z "$cpu" ] || bargs+=(--cpu "$cpu")
# As many L1 CPUs as the guest has vCPUs, so that the planner inside L1 can
# pin each vCPU to a CPU of its own.  More than the host has only when the
# guest asks for more: L1's CPUs then share the host's cores, which slows
# the lab (its times are emulated or nested anyway) but leaves every exit
# count as it is.
# (A batch: the most any of its runs asks for.)
run_vcpus() {
	local a prev= n=1
	for a in "$@"; do
		case $prev in --vcpus|-n) n=$a ;; esac
		case $a in --vcpus=*) n=${a#--vcpus=} ;; esac
		prev=$a
	done
	case $n in ''|*[!0-9]*) n=1 ;; esac
	echo "$n"
}
if [ $mode = batch ]; then
	vcpus=1
	while IFS=$'\t' read -ra w; do
		n=$(run_vcpus "${w[@]:1}")
		[ "$n" -le "$vcpus" ] || vcpus=$n
	done <"$out/batch"
else
	vcpus=$(run_vcpus "$@")
fi
[ "$vcpus" -le 1 ] || bargs+=(--smp "$vcpus")
rc=0
if [ $mode = batch ]; then
	# L1 in the background, its progress (l1-run.sh's DIR/progress: "I N
	# NAME STATUS STEP_S" a run) on stderr as it comes, looked at about once
	# a second; L1's end seen within a quarter of one.  (A signal or
	# irqlbench's end kills this script's whole process group, L1 with it.)
	shown=0
	progress() {
		local i n name r s k=0 word
		[ -s "$out/progress" ] || return 0
		while read -r i n name r s; do
			k=$((k + 1))
			[ $k -gt $shown ] || continue
			shown=$k
			if [ "$r" = 0 ]; then word=ok; else word="failed (status $r)"; fi
			printf 'irqlbench: lab: %s %s [%s/%s] %s: %s in %.1f s\n' \
				"$KENV_ABI${KENV_VERSION:+ ($KENV_VERSION)}" "$variant" "$i" "$n" "$name" "$word" "$s" >&2
		done <"$out/progress"
	}
	"$HERE/boot-l1.sh" "${bargs[@]}" &
	l1=$! tick=0
	while kill -0 $l1 2>/dev/null; do
		sleep 0.25
		tick=$((tick + 1))
		[ $((tick % 4)) -ne 0 ] || progress
	done
	wait $l1 || rc=$?
	progress
else
	"$HERE/boot-l1.sh" "${bargs[@]}" || rc=$?
fi
{
	echo "LAB_VARIANT=$variant"
	echo "LAB_MODDIR=$moddir"
	echo "LAB_BUILD='$build'"
	# each exists only if L1 got that far (set -e must not end the summary)
	cat "$out/l1.env" 2>/dev/null || true
	cat "$out/kvm.env" 2>/dev/null || true
	cat "$out/step.env" 2>/dev/null || true
	echo "LAB_STATUS=$(cat "$out/status" 2>/dev/null || echo none)"
} >"$out/lab.env"
# --- provenance: the kernel and the modules' recipe ------------------------------------
bi() { sed -n "s/^$1=//p" "$moddir/build.info" | head -n 1; }
kv() { sed -n "s/^$1=//p" "$out/kvm.env" 2>/dev/null | head -n 1; }
pv() { [ -n "$1" ] && echo "$1 $2" || true; }
jq -n --arg origin "$KENV_KIND" --arg dv "$KENV_VERSION" --arg up "$KENV_UPSTREAM" \
	--arg abi "$KENV_ABI" --arg image "$KENV_IMAGE" --arg modules "$KENV_MODDIR" \
	--arg ipkg "$(pv "$KENV_IMAGE_PKG" "$KENV_IMAGE_VER")" \
	--arg hpkg "$(pv "$KENV_HEADERS_PKG" "$KENV_HEADERS_VER")" \
	--arg kpkg "$(pv "$KENV_KBUILD_PKG" "$KENV_KBUILD_VER")" \
	--arg spkg "$(pv "$KENV_SOURCE_PKG" "$KENV_SOURCE_VER")" --arg cache "$KENV_CACHE" \
	--arg recipe "$(bi recipe)" --arg variant "$variant" --arg morigin "$(bi origin)" \
	--arg src "$(bi source)" --arg skind "$(bi source_kind)" --arg sup "$(bi source_upstream)" \
	--arg sfix "$(bi tree_fix_state)" --arg fix "$(bi fix_state)" --arg patches "$(bi patches)" \
	--arg hdr "$(bi headers)" --arg kb "$(bi kbuild)" \
	--arg sv_kvm "$(bi srcversion_kvm)" --arg sv_amd "$(bi srcversion_kvm_amd)" \
	--arg sha_kvm "$(bi sha256_kvm)" --arg sha_amd "$(bi sha256_kvm_amd)" --arg hash "$(bi hash)" \
	--arg l_sv "$(kv KVM_AMD_SRCVERSION)" --arg l_taint "$(kv KVM_AMD_TAINT)" \
	--argjson loaded "$([ -s "$out/kvm.env" ] && echo true || echo false)" '
	def n: if . == "" then null else . end;
	{kernel: {origin: $origin, debian_version: ($dv | n), upstream: ($up | n), abi: $abi,
		  image: $image, modules: $modules, image_package: ($ipkg | n),
		  headers_package: ($hpkg | n), kbuild_package: ($kpkg | n),
		  source_package: ($spkg | n), cache: ($cache | n)},
	 module_recipe: {recipe: ($recipe | n), variant: $variant, origin: ($morigin | n),
		  source: ($src | n), source_kind: ($skind | n), source_upstream: ($sup | n),
		  source_fix: ($sfix | n), fix_state: ($fix | n),
		  patches: ($patches | split(" ") | map(select(. != ""))),
		  headers: ($hdr | n), kbuild: ($kb | n),
		  srcversion: {kvm: ($sv_kvm | n), kvm_amd: ($sv_amd | n)},
		  sha256: {kvm: ($sha_kvm | n), kvm_amd: ($sha_amd | n)}, hash: ($hash | n),
		  loaded: (if $loaded then {kvm_amd_srcversion: ($l_sv | n), kvm_amd_taint: $l_taint} else null end)}}' \
	>"$out/provenance.json"
[ $rc -eq 0 ] || exit $rc
# what L1 loaded is the build: the srcversion modpost gave it (shipped
# modules have none)
if [ -n "$(bi srcversion_kvm_amd)" ] && [ -s "$out/kvm.env" ] && [ "$(kv KVM_AMD_SRCVERSION)" != "$(bi srcversion_kvm_amd)" ]; then
	echo "irqlbench: error: L1 loaded a kvm_amd with srcversion '$(kv KVM_AMD_SRCVERSION)', the $variant build in $moddir has $(bi srcversion_kvm_amd) (logs in $out)" >&2
	exit 3
fi
st=$(cat "$out/status" 2>/dev/null || echo none)
case $st in
none) tail -n 20 "$out/l1.log" >&2 2>/dev/null
      echo "irqlbench: error: the in-L1 runner did not finish (logs in $out)" >&2; exit 1 ;;
3) grep 'L1: error' "$out/l1.log" >&2
   exit 3 ;;
esac
exit 0
