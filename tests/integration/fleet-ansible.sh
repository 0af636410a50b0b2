#!/bin/bash
# fleet/verify.yml end to end over ssh, on two hosts made on this machine:
# each a network namespace of its own (a veth pair, a private /30 of 10.x, no
# other route), running its own sshd (its own config and host key, key
# authentication only with a key made in the test's directory, listening
# only on that namespace's address) in a UTS namespace with its own hostname
# (fleet-a, fleet-b: what their records and verdicts name, as two machines'
# would).  ansible-playbook logs into both over ssh (their host keys checked
# against a known_hosts file made here), runs `irqlbench verify --backend
# model` on each (this tree's build/bin/irqlbench: the hosts share this
# filesystem, so each has its own store directory), fetches each store back
# and merges them; the merged store must hold both hosts' runs and verdicts
# and the hosts' stores only their own.  A second play adds its new runs and
# finds the first play's unchanged.
#
# Nothing is sent anywhere but to the two namespaces' addresses.  On exit
# (also on a signal) the sshds are ended by their process ids, the namespaces
# and veths deleted, the temporary directory removed.  Prints its elapsed
# time.  SKIP where network namespaces or a UTS namespace cannot be made (not
# root, a sandbox without CAP_NET_ADMIN) or ansible-core/openssh-server are
# not installed (make deps).
. "$(dirname "$0")/lib.sh"
need_built
need_root
need_pkg ansible-core openssh-server openssh-client iproute2 sqlite3 jq
need_cmd ansible-playbook sshd ssh-keygen ip unshare
SECONDS=0

tag=$$
NS=(irqlb-fleet-$tag-a irqlb-fleet-$tag-b)
HOSTS=(fleet-a fleet-b)
VETH=(vf${tag}a vf${tag}b)
PIDS=()
made_run_sshd=
cleanup() {
	local p ns
	# ansible's ssh masters (ControlPersist) first, then the sshds
	for p in "$T"/cp/*; do [ -S "$p" ] && ssh -S "$p" -O exit fleet >/dev/null 2>&1; done
	# the sessions end with their connections, and their sshd reaps them
	# (a session orphaned by its sshd would wait for PID 1 to reap it)
	for p in $(seq 20); do
		pgrep -P "$(printf '%s,' "${PIDS[@]}" 0)" >/dev/null || break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for ns in "${NS[@]}"; do
		# whatever still runs in our namespaces is ours (an ssh session)
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for p in "${VETH[@]}"; do ip link del "$p" 2>/dev/null; done
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# the namespaces may be made here at all
ip netns add "${NS[0]}" 2>"$T/netns.err" || skip "cannot make a network namespace: $(head -n 1 "$T/netns.err")"
ip netns add "${NS[1]}" 2>"$T/netns.err" || bail "second network namespace: $(head -n 1 "$T/netns.err")"
ip netns exec "${NS[0]}" unshare --uts true 2>"$T/uts.err" ||
	skip "cannot make a UTS namespace for a second hostname: $(head -n 1 "$T/uts.err")"

# a 10.x /24 that no address or route of this machine has: 10.R.S.0/30 for
# host a (.1 ours, .2 its), 10.R.S.4/30 for host b
for try in 1 2 3 4 5 6 7 8; do
	net=10.$((200 + RANDOM % 50)).$((RANDOM % 250))
	[ -z "$(ip -4 addr show | grep -F " $net.")$(ip -4 route show | grep -F "$net.")" ] && break
	net=
done
[ -n "$net" ] || bail "no free 10.x /24 for the test hosts"
ADDR=($net.2 $net.6)
PEER=($net.1 $net.5)

ssh-keygen -q -t ed25519 -N '' -C irqlbench-fleet-test -f "$T/client_key" || bail "ssh-keygen"
: >"$T/known_hosts"
[ -d /run/sshd ] || { mkdir -p /run/sshd && made_run_sshd=1; }	# sshd's privilege separation
for i in 0 1; do
	ns=${NS[$i]} h=${HOSTS[$i]} d=$T/${HOSTS[$i]}
	mkdir -p "$d"
	ip link add "${VETH[$i]}" type veth peer name "${VETH[$i]}n" || bail "veth ${VETH[$i]}"
	ip link set "${VETH[$i]}n" netns "$ns"
	ip addr add "${PEER[$i]}/30" dev "${VETH[$i]}"
	ip link set "${VETH[$i]}" up
	ip netns exec "$ns" ip addr add "${ADDR[$i]}/30" dev "${VETH[$i]}n"
	ip netns exec "$ns" ip link set "${VETH[$i]}n" up
	ip netns exec "$ns" ip link set lo up
	ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$d/host_key" || bail "host key of $h"
	echo "${ADDR[$i]} $(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$T/known_hosts"
	cat >"$d/sshd_config" <<-EOF
	ListenAddress ${ADDR[$i]}:22
	HostKey $d/host_key
	PidFile $d/sshd.pid
	AuthorizedKeysFile $T/client_key.pub
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PrintMotd no
	PrintLastLog no
	X11Forwarding no
	AllowTcpForwarding no
	Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
	/usr/sbin/sshd -t -f "$d/sshd_config" 2>"$T/sshd.err" || bail "sshd config of $h: $(head -n 1 "$T/sshd.err")"
	# its own hostname in a UTS namespace, the sshd in front (-D) so that its
	# pid is the one started here
	ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec /usr/sbin/sshd -D -e -f "$1"' \
		"$h" "$d/sshd_config" 2>"$d/sshd.log" &
	PIDS+=($!)
done
# each sshd listening on its address, and on no other
for i in 0 1; do
	for w in $(seq 50); do
		ip netns exec "${NS[$i]}" ss -Htln 2>/dev/null | grep -q " ${ADDR[$i]}:22 " && break
		sleep 0.1
	done
	eq "sshd of ${HOSTS[$i]} listens on ${ADDR[$i]}:22 alone" \
		"$(ip netns exec "${NS[$i]}" ss -Htln | awk '{print $4}' | paste -sd' ')" "${ADDR[$i]}:22"
done
ok "no sshd listens outside the namespaces" test -z "$(ss -Htln | awk '$4 ~ /:22$/')"

# the inventory: the two hosts by their namespace addresses, the test's key,
# the known host keys; each host's own store directory and remote tmp
cat >"$T/inventory.ini" <<EOF
[irqlbench]
fleet-a ansible_host=${ADDR[0]} irqlbench_policies='["l61", "fixed"]'
fleet-b ansible_host=${ADDR[1]} irqlbench_policies='["unfixed"]'

[irqlbench:vars]
ansible_user=root
ansible_port=22
ansible_ssh_private_key_file=$T/client_key
ansible_ssh_common_args=-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=$T/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes
ansible_python_interpreter=/usr/bin/python3
irqlbench_root=$ROOT
irqlbench_bin=$IRQLBENCH
irqlbench_backend=model
irqlbench_store_dir=$T/stores/{{ inventory_hostname }}
irqlbench_fleet_dir=$T/fleet
irqlbench_controller_bin=$IRQLBENCH
EOF
: >"$T/ansible.cfg"
play() {
	env ANSIBLE_CONFIG="$T/ansible.cfg" ANSIBLE_HOME="$T/ansible-home" ANSIBLE_LOCAL_TEMP="$T/ansible-local" \
		ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s" \
		ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp" ANSIBLE_REMOTE_TEMP="$T/remote-tmp" ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_FORKS=2 \
		ansible-playbook -i "$T/inventory.ini" "$ROOT/fleet/verify.yml" "$@"
}
t0=$SECONDS
play >"$T/play1.log" 2>&1
rc=$?
eq "ansible-playbook fleet/verify.yml: exit (play took $((SECONDS - t0)) s)" $rc 0
[ $rc -eq 0 ] || sed 's/^/      | /' "$T/play1.log" | tail -40
expect_grep "^fleet-a +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0" "$T/play1.log" "fleet-a: reached, nothing failed"
expect_grep "^fleet-b +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0" "$T/play1.log" "fleet-b: reached, nothing failed"
for i in 0 1; do
	expect_grep "Accepted publickey for root from ${PEER[$i]} " "$T/${HOSTS[$i]}/sshd.log" \
		"${HOSTS[$i]}'s sshd: the play logged in with the test's key from ${PEER[$i]}"
done

M=$T/fleet/irqlbench.db
q() { sqlite3 "$1" "$2"; }
# each host's store: its own runs only, made under its own hostname
for h in fleet-a fleet-b; do
	eq "$h's store: only $h's runs and verdicts" \
		"$(q "$T/stores/$h/irqlbench.db" 'select distinct hostname from runs; select distinct host from verdicts' | paste -sd' ')" "$h $h"
	ok "$h's verdict files came back to the controller" \
		test -n "$(find "$T/fleet/hosts/$h/verify" -name verdict.json)"
done
na=$(q "$T/stores/fleet-a/irqlbench.db" 'select count(*) from runs')
nb=$(q "$T/stores/fleet-b/irqlbench.db" 'select count(*) from runs')
eq "merged store: each host's runs" \
	"$(q "$M" 'select hostname, count(*) from runs group by 1 order by 1' | paste -sd' ')" "fleet-a|$na fleet-b|$nb"
eq "merged store: both hosts' verdicts" \
	"$(q "$M" 'select host, variant_or_policy from (select host, coalesce(policy, variant) variant_or_policy, verdict from verdicts) order by 1, 2' | paste -sd' ')" \
	"fleet-a|fixed fleet-a|l61 fleet-b|unfixed"
eq "results verdicts: fleet-a FIXED twice, fleet-b UNFIXED" \
	"$("$IRQLBENCH" results verdicts --db "$M" --json | jq -r '[.verdicts[] | .host + ":" + .verdict] | sort | join(" ")')" \
	"fleet-a:FIXED fleet-a:FIXED fleet-b:UNFIXED"
expect_grep "merged $((na + nb)) runs and 3 verdicts from 2 stores, 0 runs and 0 verdicts unchanged" "$T/play1.log" \
	"the play printed the merge's summary"
ok "merged store: each run's record and serial log in its runs/<id>/" \
	test "$(find "$T/fleet/runs" -name record.json | wc -l)" -eq $((na + nb)) -a \
	"$(find "$T/fleet/runs" -name '*.serial.log' | wc -l)" -eq $((na + nb))

# a second play: new runs from both hosts, the first play's unchanged
t0=$SECONDS
play >"$T/play2.log" 2>&1
eq "second play: exit (took $((SECONDS - t0)) s)" $? 0
expect_grep "merged $((na + nb)) runs and 3 verdicts from 2 stores, $((na + nb)) runs and 3 verdicts unchanged" \
	"$T/play2.log" "second play: the new runs merged, the first play's unchanged"
eq "merged store after two plays" "$(q "$M" 'select count(*) from runs; select count(*) from verdicts' | paste -sd' ')" \
	"$((2 * (na + nb))) 6"
finish "elapsed ${SECONDS}s"
