#!/bin/bash
# libvirt-e2e.sh - a guest booted end to end through libvirt (TCG domain):
# starts its own libvirtd when none answers (and stops it at the end), boots
# the fixture kernel (and the real guest once build/guest/irqlbench-guest.elf
# exists) as a transient domain pinned by the planner, and checks the serial
# verdict, the end of the domain and the pinning read back through the API.
# Also the launcher's errors against the real libvirtd.  Exit 0 pass, 77 skip.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
LV=$BUILD/bin/irqlbench-lv
KERNEL=$BUILD/fixtures/mbexit.elf
HANG=$BUILD/fixtures/mbhang.elf
need_root	# the system libvirtd
need_pkg libvirt-daemon-system libvirt-clients qemu-system-x86 jq bc hwloc
need_built "$LV" "$KERNEL" "$HANG"

export IRQLBENCH_LIBVIRTD_STATE=$BUILD/libvirt-e2e.state
rm -f "$IRQLBENCH_LIBVIRTD_STATE"
t0=$(date +%s.%N)
BUILD=$BUILD host/libvirt/start-libvirtd.sh start || bail "cannot start libvirtd"
echo "libvirtd ready after $(echo "$(date +%s.%N) - $t0" | bc) s"
cleanup() {
	[ -s "$IRQLBENCH_LIBVIRTD_STATE" ] && BUILD=$BUILD host/libvirt/start-libvirtd.sh stop
	rm -rf "$TMP"
}
chmod 755 "$TMP"	# the QEMU user libvirt-qemu reads the serial logs' folder
trap cleanup EXIT

ncores=$(lstopo-no-graphics --only core 2>/dev/null | wc -l)

# One launch; $1 vcpus, rest extra args.  Leaves JSON in $TMP/out.json.
launch() {
	local n=$1; shift
	"$LV" --kernel "$KERNEL" --serial "$TMP/serial.log" --vcpus "$n" --virt-type qemu \
		--timeout 30 "$@" >"$TMP/out.json" 2>"$TMP/err.txt"
}

check_run() {
	local n=$1 want=$2; shift 2
	launch "$n" "$@"
	local rc=$?
	eq "vcpus=$n: launcher exit status" "$rc" 0
	[ $rc -eq 0 ] || { cat "$TMP/err.txt"; return; }
	local pin plan end type
	pin=$(jq -c .pinning "$TMP/out.json")
	plan=$(jq -c '.plan | {vcpu, emulator}' "$TMP/out.json")
	end=$(jq -r .libvirt.end "$TMP/out.json")
	type=$(jq -r .libvirt.virt_type "$TMP/out.json")
	eq "vcpus=$n: domain type (qemu: TCG)" "$type" qemu
	eq "vcpus=$n: pinning read back = the plan" "$pin" "$plan"
	[ -z "$want" ] || eq "vcpus=$n: pinning" "$pin" "$want"
	eq "vcpus=$n: vCPU threads' affinity = the pinning" "$(jq -c .threads "$TMP/out.json")" "$pin"
	jq -e 'has("pinning_mismatch") | not' "$TMP/out.json" >/dev/null && ok "vcpus=$n: no pinning mismatch" ||
		bad "vcpus=$n: $(jq -r .pinning_mismatch "$TMP/out.json")"
	case $end in
	failed|crashed|shutdown) ok "vcpus=$n: the domain ended ($end)" ;;
	*) bad "vcpus=$n: domain ended as '$end'" ;;
	esac
	grep -q '^@@ end lines=2 fnv1a=0e602f6a$' "$TMP/serial.log" &&
		grep -q '^R status=ok' "$TMP/serial.log" && ok "vcpus=$n: the fixture's verdict on serial" ||
		bad "vcpus=$n: serial log lacks the fixture's verdict: $(head -c 300 "$TMP/serial.log")"
	echo "vcpus=$n: booted, ended ($end), pinning read back $pin; $(jq -c .times "$TMP/out.json")"
}

if [ "$ncores" -eq 2 ]; then
	check_run 1 '{"vcpu":[[1]],"emulator":[0]}'
	check_run 2 '{"vcpu":[[1],[0]],"emulator":[0]}'
	check_run 2 '{"vcpu":[[0],[1]],"emulator":[0]}' --cpus 0,1
else
	check_run 1 ''
	check_run 2 ''
fi

# Launch time per run (warm libvirtd), against QEMU's own run of the same kernel.
tot=() run=()
for i in 1 2 3; do
	launch 1 && ok "timing run $i" || bad "timing run $i: $(cat "$TMP/err.txt")"
	tot+=("$(jq .times.total_s "$TMP/out.json")")
	run+=("$(jq .times.run_s "$TMP/out.json")")
done
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
d0=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -kernel "$KERNEL" -nographic -nodefaults -no-reboot -m 64 \
	-serial "file:$TMP/direct.log" -device isa-debug-exit,iobase=0xf4,iosize=4
drc=$?
direct=$(echo "$(date +%s.%N) - $d0" | bc)
eq "direct QEMU run: exit status (isa-debug-exit code 0)" "$drc" 1
printf 'timing: libvirt launch total %.3f s median (resume->stopped %.3f s), direct QEMU %.3f s\n' \
	"$(med "${tot[@]}")" "$(med "${run[@]}")" "$direct"
ok "libvirt runs take $(med "${tot[@]}") s, under 30 s" awk -v t="$(med "${tot[@]}")" 'BEGIN { exit !(t < 30) }'

# Errors against the real libvirtd.
mkdir -m 700 "$TMP/private"
cp "$KERNEL" "$TMP/private/k.elf"
"$LV" --kernel "$TMP/private/k.elf" --serial "$TMP/serial.log" --vcpus 1 --virt-type qemu \
	>/dev/null 2>"$TMP/err.txt"
rc=$?
if [ $rc -eq 3 ] && grep -q "not readable by the QEMU user libvirt-qemu: directory $TMP/private is mode 0700.*fix: chmod o+x $TMP/private" "$TMP/err.txt"; then
	ok "unreadable image: exit 3: $(cat "$TMP/err.txt")"
else
	bad "unreadable image: exit $rc: $(cat "$TMP/err.txt")"
fi
"$LV" --kernel "$KERNEL" --serial "$TMP/serial.log" --vcpus 1 \
	--connect 'qemu+unix:///system?socket=/nonexistent/sock' >/dev/null 2>"$TMP/err.txt"
rc=$?
if [ $rc -eq 3 ] && grep -q 'cannot connect to libvirt at .*start libvirtd' "$TMP/err.txt"; then
	ok "unreachable libvirtd: exit 3: $(cat "$TMP/err.txt")"
else
	bad "unreachable libvirtd: exit $rc: $(cat "$TMP/err.txt")"
fi
"$LV" --kernel "$KERNEL" --serial "$TMP/serial.log" --vcpus 1 --cpus 64 >/dev/null 2>"$TMP/err.txt"
rc=$?
if [ $rc -eq 2 ] && grep -q 'CPU 64 is not in this machine' "$TMP/err.txt"; then
	ok "CPU outside the host: exit 2: $(cat "$TMP/err.txt")"
else
	bad "CPU outside the host: exit $rc: $(cat "$TMP/err.txt")"
fi

# A guest that hangs: the launcher's timeout destroys the domain (exit 4).
"$LV" --kernel "$HANG" --serial "$TMP/serial.log" --vcpus 1 --virt-type qemu --timeout 2 \
	>"$TMP/out.json" 2>"$TMP/err.txt"
rc=$?
dom=$(jq -r .libvirt.domain "$TMP/out.json")
if [ $rc -eq 4 ] && grep -q 'did not finish within 2.0 s under libvirt' "$TMP/err.txt" &&
   [ "$(jq -r .libvirt.end "$TMP/out.json")" = timeout ] &&
   ! virsh -q -c qemu:///system list --name | grep -qx "$dom" &&
   grep -q '^irqlbench-guest v=1 boot' "$TMP/serial.log"; then
	ok "hanging guest: exit 4 after $(jq .times.total_s "$TMP/out.json") s, domain $dom destroyed: $(cat "$TMP/err.txt")"
else
	bad "hanging guest: exit $rc: $(cat "$TMP/err.txt"); domains: $(virsh -q -c qemu:///system list --name | tr '\n' ' ')"
fi

# The real guest, once it exists: one workload through libvirt.
if [ -e "$GUEST" ]; then
	if [ -x "$IRQ" ] && "$IRQ" run --help 2>&1 | grep -q -- '--launcher'; then
		# The same run through both launchers: the records must agree in
		# content (all but id, launcher, provenance, artifacts, timing-driven counters).
		content='{status, kind: .error.kind, workload, params, backend, verdict,
			guest: (.guest // {} | del(.tsc_hz, .apic_timer_hz)),
			phases: [.phases[]? | {idx, name, vcpus: [.vcpus[] | {cpu, counters: (.counters |
				with_entries(select(.key | test("^(cr8_|iterations|late_|priority_)"))))}]}]}'
		"$IRQ" run --guest "$GUEST" --backend tcg --workload irql-churn --vcpus 1 \
			--out "$TMP/direct.json" >/dev/null 2>"$TMP/run-d.txt"
		drc=$?
		"$IRQ" run --guest "$GUEST" --backend tcg --launcher libvirt --workload irql-churn \
			--vcpus 1 --out "$TMP/rec.json" >/dev/null 2>"$TMP/run.txt"
		rc=$?
		lstat=$(jq -r .status "$TMP/rec.json" 2>/dev/null)
		dstat=$(jq -r .status "$TMP/direct.json" 2>/dev/null)
		eq "the record's launcher" "$(jq -r .launcher "$TMP/rec.json")" libvirt
		[ "$ncores" -ne 2 ] ||
			eq "the record's pinning" "$(jq -c .provenance.pinning "$TMP/rec.json")" '{"vcpu":[[1]],"emulator":[0]}'
		eq "the record's provenance.libvirt.virt_type" "$(jq -r .provenance.libvirt.virt_type "$TMP/rec.json")" qemu
		if [ "$(jq -cS "$content" "$TMP/rec.json")" != "$(jq -cS "$content" "$TMP/direct.json")" ]; then
			bad "libvirt and direct records differ: libvirt (exit $rc) $(jq -cS "$content" "$TMP/rec.json" | head -c 600) vs direct (exit $drc) $(jq -cS "$content" "$TMP/direct.json" | head -c 600)"
		elif [ "$lstat" = complete ] && [ $rc -eq 0 ]; then
			ok "irqlbench run --launcher libvirt: complete record equal in content to the direct launch's; pinning $(jq -c .provenance.pinning "$TMP/rec.json"), $(jq .provenance.duration_s "$TMP/rec.json") s"
		elif [ "$dstat" != complete ]; then
			echo "note: the guest fails under both launchers alike ($(jq -r .error.message "$TMP/rec.json")): a guest problem, not the launcher's"
		else
			bad "irqlbench run --launcher libvirt: exit $rc: $(tail -3 "$TMP/run.txt")"
		fi
	else
		"$LV" --kernel "$GUEST" --serial "$TMP/serial.log" --vcpus 1 --virt-type qemu \
			--cmdline "workload=irql-churn" --timeout 60 >"$TMP/out.json" 2>"$TMP/err.txt"
		rc=$?
		if [ $rc -eq 0 ] && grep -q '^@@ end ' "$TMP/serial.log" && grep -q '^R status=ok' "$TMP/serial.log"; then
			ok "real guest (irql-churn) through libvirt: report and verdict ok on serial; $(jq -c .times "$TMP/out.json")"
		else
			bad "real guest through libvirt: exit $rc $(cat "$TMP/err.txt"); serial: $(tail -3 "$TMP/serial.log")"
		fi
	fi
else
	echo "note: $GUEST not built yet: booted the fixture kernel only"
fi

note="libvirt launch $(med "${tot[@]}") s vs direct QEMU $direct s per run"
cleanup	# libvirtd stopped here, so that the summary is the last line
finish "$note"
