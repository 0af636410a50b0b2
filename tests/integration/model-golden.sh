#!/bin/bash
# model-golden.sh - the step tables of seed-table under prefix and fixed
# (one measured iteration) against tests/golden/model/: the reproduction of
# the upstream discussion's table (docs/kvm-cr8-model.md §8), rows 4 and 10
# marked under fixed.  UPDATE_GOLDEN=1 rewrites the files.
. "$(dirname "$0")/lib.sh"
need_built
G=tests/golden/model
for p in fixed prefix l61 l72 unfixed vmx-tpr apicv avic vmx-411 vmx-72 avic-617 avic-70; do
	for fmt in md; do
		got=$TMP/seed-table-$p.$fmt
		"$IRQLBENCH" model --workload seed-table --policy "$p" --param iterations=1 \
			--param warmup=0 --trace --format "$fmt" --quiet --out-dir "$TMP/rec" >"$got"
		eq "$p status" $? 0
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$got" "$G/seed-table-$p.$fmt"
			continue
		fi
		ok "$p $fmt step table matches $G/seed-table-$p.$fmt" \
			diff -u "$G/seed-table-$p.$fmt" "$got"
	done
done
# the marks: fixed differs from the discussion in rows 4 and 10 only
marks=$(grep -E '^\| (4|10|[0-9]+) \|' "$G/seed-table-fixed.md" | awk -F'|' '$8 ~ /yes/ {gsub(/ /,"",$2); print $2}' | tr '\n' ' ')
eq "rows marked under fixed" "$marks" "4 10 "
marks=$(grep -E '^\| [0-9]+ \|' "$G/seed-table-prefix.md" | awk -F'|' '$8 ~ /yes/ {gsub(/ /,"",$2); print $2}' | tr '\n' ' ')
eq "rows marked under prefix" "$marks" "4 6 7 8 10 "
finish
