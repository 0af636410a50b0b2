#!/bin/bash
# usage: verdict-cases.sh VERDICT.json [--expect VERDICT]
# Turns one irqlbench verdict file (schema irqlbench-verdict/1,
# results/SCHEMA.md "The verdict file") into LAVA test cases, one a line on
# stdout:
#
#	NAME RESULT [MEASUREMENT UNITS]
#
# which lava/irqlbench-lava.sh passes to `lava-test-case NAME --result RESULT
# [--measurement MEASUREMENT --units UNITS]`.  NAME matches LAVA's
# [-_a-zA-Z0-9.]+, RESULT is pass, fail or skip, MEASUREMENT a decimal number.
#
# The cases (docs/lava.md, "The test cases"):
#   verify                          the verdict: pass when it is the expected
#                                   one, fail when it is the other decided one
#                                   (the kernel under test is not what was
#                                   expected of it), skip when INCONCLUSIVE
#   verify.status                   verify's exit status as a measurement
#                                   (0 FIXED/ON-TIME, 10 UNFIXED/LATE, 11)
#   ENTRY.write_cr8_per_iter        kvm, lab, model: the entry's mean
#                                   write_cr8 exits per iteration; pass when
#                                   every run of the entry looks as expected,
#                                   fail when one looks like the other kind,
#                                   skip when its runs tell nothing (ignored)
#                                   or fit neither
#   ENTRY.late                      the interrupts an unmasking CR8 write let
#                                   in that came late (pass/fail as above)
#   ENTRY.immediate                 those that came at once
#   guest.late_deliveries           guest backend: late deliveries over all runs
#   guest.unmasking_writes          guest backend: unmasking CR8 writes
#   guest.unmask_to_entry.p50_ns    guest backend: unmask -> interrupt entry
#
# --expect: the verdict the job expects.  Default: UNFIXED for the variant
# unfixed and the model policies prefix and unfixed (the positive control,
# docs/verify.md §2), LATE never (a guest verdict expects ON-TIME), else FIXED.
#
# Exit: 0 ok, 2 usage or a file that is not a verdict (one line naming it),
# 3 jq missing.
set -euo pipefail
usage() { echo "usage: verdict-cases.sh VERDICT.json [--expect FIXED|UNFIXED|ON-TIME|LATE]" >&2; exit 2; }
err() { echo "irqlbench: error: $1" >&2; exit "${2:-2}"; }

file= expect=
while [ $# -gt 0 ]; do
	case $1 in
	--expect) [ $# -ge 2 ] || usage; expect=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) usage ;;
	*) [ -z "$file" ] || usage; file=$1; shift ;;
	esac
done
[ -n "$file" ] || usage
command -v jq >/dev/null || err "jq is not installed; apt-get install jq (host/packages/core.txt)" 3
[ -r "$file" ] && [ -f "$file" ] || err "cannot read the verdict file $file; give the verdict.json that irqlbench verify wrote in its --out-dir"
jq -e '.schema == "irqlbench-verdict/1"' "$file" >/dev/null 2>&1 ||
	err "$file is not an irqlbench verdict (schema irqlbench-verdict/1); give the verdict.json that irqlbench verify wrote in its --out-dir"
case $expect in
''|FIXED|UNFIXED|ON-TIME|LATE) ;;
*) err "--expect $expect: use FIXED, UNFIXED, ON-TIME or LATE" ;;
esac

# One jq program: the verdict and its evidence as lines.  Numbers are
# printed with two decimals (LAVA stores measurements as decimals).
jq -r --arg expect "$expect" '
	def num: if . == null then null else (. * 100 | round / 100 | tostring) end;
	def case(name; result; m; units):
		if m == null then "\(name) \(result)" else "\(name) \(result) \(m) \(units)" end;
	# LAVA test case names: [-_a-zA-Z0-9.]+
	def tcname: gsub("[^-_a-zA-Z0-9.]"; "_");
	(if .backend == "guest" then "ON-TIME"
	 elif (.variant == "unfixed" or .policy == "unfixed" or .policy == "prefix") then "UNFIXED"
	 else "FIXED" end) as $default
	| (if $expect == "" then $default else $expect end) as $want
	| ({"FIXED": "UNFIXED", "UNFIXED": "FIXED", "ON-TIME": "LATE", "LATE": "ON-TIME"}[$want]) as $other
	| (if .verdict == $want then "pass" elif .verdict == $other then "fail" else "skip" end) as $vres
	| ($want | ascii_downcase | sub("-"; " ")) as $wantclass
	| ($other | ascii_downcase | sub("-"; " ")) as $otherclass
	| case("verify"; $vres; null; null),
	  case("verify.status"; $vres; .status; "status"),
	  (.evidence // [] | .[]
	   | (.entry | tcname) as $e
	   | (if (.classes[$otherclass] // 0) > 0 then "fail"
	      elif (.classes[$wantclass] // 0) > 0 and (.classes[$wantclass] == .runs) then "pass"
	      else "skip" end) as $r
	   | case("\($e).write_cr8_per_iter"; $r; .write_cr8_per_iter.mean | num; "exits/iteration"),
	     case("\($e).late"; $r; .late; "interrupts"),
	     case("\($e).immediate"; $r; .immediate; "interrupts")),
	  (.guest // empty
	   | case("guest.late_deliveries"; $vres; .late_deliveries; "interrupts"),
	     case("guest.unmasking_writes"; $vres; .unmasking_writes; "writes"),
	     (if .unmask_to_entry.p50_ns != null then
		case("guest.unmask_to_entry.p50_ns"; $vres; .unmask_to_entry.p50_ns | num; "ns")
	      else empty end))
' "$file"
