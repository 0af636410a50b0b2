#!/bin/bash
# usage: fix-state.sh SVM_C
# Prints "fixed", "unfixed" or "unknown": whether the kvm_amd source has
# upstream 596f3142d2b7 "KVM: SVM: fix cr8 intercept window".
#
# The two effects of that commit, checked in the function bodies:
#   fixed:   update_cr8_intercept() clears the CR8-write intercept before it
#            re-decides (a clr...INTERCEPT_CR8_WRITE line before "irr == -1"),
#            and cr8_write_interception() does not clear it;
#   unfixed: the other way round.
# Used to pick the patch for a variant and, after patching, to check that
# the patch really had its effect (patch(1) exit 0 alone proves little with
# fuzz and offsets).
set -eu
f=${1:?usage: fix-state.sh SVM_C}
[ -r "$f" ] || { echo "irqlbench: error: cannot read $f" >&2; exit 3; }

# Body of the first definition of function $1: from its definition line (not
# a prototype) to the first "}" in column 0.
body() {
	awk -v fn="$1" '
		!inside && $0 ~ "^[a-z].*[ *]" fn "\\(" && $0 !~ /;[ \t]*$/ { inside = 1 }
		inside { print }
		inside && /^}/ { exit }
	' "$f"
}

upd=$(body svm_update_cr8_intercept)
[ -n "$upd" ] || upd=$(body update_cr8_intercept)
wr=$(body cr8_write_interception)
if [ -z "$upd" ] || [ -z "$wr" ]; then
	echo unknown
	exit 0
fi
upd_clears=$(echo "$upd" | awk '/irr == -1/ { exit } /clr.*INTERCEPT_CR8_WRITE/ { print "yes"; exit }')
wr_clears=$(echo "$wr" | awk '/clr.*INTERCEPT_CR8_WRITE/ { print "yes"; exit }')
if [ "$upd_clears" = yes ] && [ -z "$wr_clears" ]; then
	echo fixed
elif [ -z "$upd_clears" ] && [ "$wr_clears" = yes ]; then
	echo unfixed
else
	echo unknown
fi
