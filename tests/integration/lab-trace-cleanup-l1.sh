# In-L1 half of lab-trace-cleanup.sh (busybox sh, $1 = the results share).
# Loads the distro's kvm_amd, then checks that the trace collector's tracefs
# instance disappears when the collector ends by SIGINT, SIGTERM, SIGKILL
# (the reaper child) and normally.  Writes "<how> before=<0|1> after=<0|1>"
# lines to $1/cleanup.txt.
OUT=$1
exec >"$OUT/l1.log" 2>&1
K=/host/lib/modules/$(uname -r)/kernel
for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko drivers/crypto/ccp/ccp.ko arch/x86/kvm/kvm-amd.ko; do
	insmod "$K/$m" || echo "insmod $m failed"
done
mount -o bind /dev /host/dev
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t tracefs tracefs /host/sys/kernel/tracing
# no tmpfs over /host/tmp: the project may live under the host's /tmp (CI)
mount -t tmpfs tmpfs /host/run
KT=$(cat "$OUT/kvmtrace.path")
I=/sys/kernel/tracing/instances
: >"$OUT/cleanup.txt"
for how in INT TERM KILL normal; do
	if [ $how = normal ]; then
		chroot /host /usr/bin/env --default-signal=INT "$KT" -- /bin/sleep 1 >/dev/null 2>&1 &
	else
		chroot /host /usr/bin/env --default-signal=INT "$KT" -- /bin/sleep 30 >/dev/null 2>&1 &
	fi
	pid=$!
	sleep 0.7
	before=0; [ -n "$(ls $I | grep "^irqlbench-")" ] && before=1
	ls $I
	[ $how = normal ] || kill -$how $pid
	wait $pid
	sleep 0.5
	after=0; [ -n "$(ls $I | grep "^irqlbench-")" ] && after=1
	echo "$how before=$before after=$after" | tee -a "$OUT/cleanup.txt"
	pkill sleep 2>/dev/null
	for d in $I/irqlbench-*; do [ -d "$d" ] && rmdir "$d"; done
done
