#!/bin/bash
# The installer on a skewed machine, for real: installs a linux-source-S (and
# its linux-source meta-package) of another Debian version than the one
# host/kvm/kernel-resolve.sh chooses (the newest other source version: on
# 2026-11-29 first 6.1.192-3, an upload whose image came hours later, then
# 6.1.192-2 once it had), checks that the module build refuses with the
# exact fix command,
# runs host/install-deps.sh, and expects the source back at the chosen
# version, the modules to build and a lab run to give the fixed and
# fix-reverted write_cr8 counts.  Changes this machine's packages (and puts
# the chosen triple back on every exit path); needs root and the Debian
# archive, else SKIP.
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_guest
need_pkg jq
need_root
need_kernel_installer

R=host/kvm/kernel-resolve.sh
"$R" >"$TMP/plan" 2>"$TMP/err" || { cat "$TMP/err"; bail "kernel-resolve.sh found no kernel"; }
want=$(sed -n 's/^version=//p' "$TMP/plan")
series=$("$R" --installed-only | sed -n 's/^abi=\([0-9]*\.[0-9]*\)\..*/\1/p')
series=${series:-6.1}
src=linux-source-$series
# the skew: the newest source version other than the chosen one
skew=$(apt-cache madison "$src" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep -vxF "$want" | head -n 1)
[ -n "$skew" ] || skip "the archive has no $src version other than $want to skew to"
echo "chosen $want, skewing $src to $skew"

restore() { host/install-deps.sh >/dev/null 2>&1; rm -rf "$TMP"; }
trap restore EXIT
meta=()
apt-cache madison linux-source | grep -q "| *$skew *|" && meta=("linux-source=$skew")
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades --no-install-recommends \
	-o DPkg::Lock::Timeout=900 "$src=$skew" "${meta[@]}" >"$TMP/apt.log" 2>&1
eq "skewed $src installed" "$(dpkg-query -W -f='${Version}' "$src")" "$skew"

# the module build refuses, naming the one command that fixes it
host/kvm/build-variant.sh --variant stock --info >/dev/null 2>"$TMP/err"
eq "mismatch: exit 3" $? 3
eq "mismatch: one line" "$(wc -l <"$TMP/err")" 1
ok "mismatch names the fix command" grep -qF "fix: apt-get install $src=$want" "$TMP/err"
cat "$TMP/err"

t0=$(date +%s)
host/install-deps.sh >"$TMP/deps.out" 2>&1
eq "installer: exit 0" $? 0
cat "$TMP/deps.out"
echo "installer: $(($(date +%s) - t0)) s"
eq "installer moved $src back" "$(dpkg-query -W -f='${Version}' "$src")" "$want"
[ ${#meta[@]} -gt 0 ] && eq "and the meta-package with it" "$(dpkg-query -W -f='${Version}' linux-source 2>/dev/null)" "$want"
host/install-deps.sh >"$TMP/deps2.out" 2>&1
eq "installer again: exit 0, silent" "$?:$(cat "$TMP/deps2.out")" "0:"

# the lab builds and runs on the installed triple
host/kvm/build-variant.sh --variant unfixed >"$TMP/dir" 2>"$TMP/err"
eq "unfixed modules build" $? 0
"$IRQLBENCH" lab --variants fixed,unfixed --workload nested-spinlock --param depth=2 \
	--param iterations=20 --out-dir "$TMP/lab" --timeout 300 >"$TMP/lab.jsonl" 2>"$TMP/lab.err"
eq "lab: exit 0" $? 0
for v in fixed:3 unfixed:1; do
	rec=$TMP/lab/${v%:*}/record.json
	eq "lab ${v%:*}: complete" "$(jq -r .status "$rec" 2>/dev/null)" complete
	mods=$(jq -r .provenance.lab.modules "$rec" 2>/dev/null)
	eq "lab ${v%:*}: modules built from the chosen source" \
		"$(sed -n 's/^source=//p' "$mods/build.info" 2>/dev/null)" "$src $want"
	eq "lab ${v%:*}: write_cr8 per iteration" "$(($(measured "$rec" exit.write_cr8) / 20))" "${v#*:}"
	eq "lab ${v%:*}: write_cr8 per iteration, no remainder" "$(($(measured "$rec" exit.write_cr8) % 20))" 0
done
[ "$fails" -eq 0 ] || tail -n 5 "$TMP/lab.err"
finish
