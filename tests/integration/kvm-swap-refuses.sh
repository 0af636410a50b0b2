#!/bin/bash
# `irqlbench kvm swap` never touches the host's modules unless it can do so
# safely: without --yes it is a usage error (2); on a CPU without AMD SVM it
# refuses with exit 77 and a one-line reason, before building anything.  On
# a real AMD SVM host this test does not swap modules (SKIP).
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE"
. tests/integration/lib.sh
need_built
have_amd_svm && skip "this host has AMD SVM: swapping its kvm modules is not something a test does"
mods_before=$(cat /proc/modules 2>/dev/null | awk '{print $1}' | sort | tr '\n' ' ')

"$IRQLBENCH" kvm swap --variant unfixed >"$TMP/out" 2>"$TMP/err"
eq "without --yes: exit status" $? 2
ok "without --yes: says why" grep -q -- "--yes" "$TMP/err"
cat "$TMP/err"

"$IRQLBENCH" kvm swap --variant unfixed --yes >"$TMP/out" 2>"$TMP/err"
eq "no SVM: exit status (77: not applicable on this host)" $? 77
eq "no SVM: one line" "$(wc -l <"$TMP/err")" 1
ok "no SVM: names the problem and the way out" grep -q "no KVM-capable AMD CPU.*irqlbench lab" "$TMP/err"
cat "$TMP/err"
"$IRQLBENCH" kvm swap --variant bogus --yes >/dev/null 2>&1
eq "unknown variant: exit status" $? 2
"$IRQLBENCH" kvm swap --restore --variant unfixed >/dev/null 2>"$TMP/err"
eq "--restore with --variant: exit status" $? 2
ok "--restore with --variant: says to drop it" grep -q "swap --restore loads the original modules: drop --variant" "$TMP/err"
"$IRQLBENCH" kvm swap --restore >/dev/null 2>"$TMP/err"
eq "--restore without SVM: exit status 77" $? 77
eq "modules unchanged" "$(cat /proc/modules 2>/dev/null | awk '{print $1}' | sort | tr '\n' ' ')" "$mods_before"
finish
