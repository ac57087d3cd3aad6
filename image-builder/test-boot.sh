#!/bin/bash
# Boot the appliance image under qemu and check its init brings the VNF up, from the serial console:
# hugepages allocated, mirror NIC bound to DPDK, IPsec tunnel to the "analytics system" up (kernel ESP in the VM),
# agent started and registered with an EMS running on this host. Then tunnels defined in the EMS come up through the
# agent's enforcer, two of them carrying two DSCP classes (nftables marks + XFRM policy marks). Then the appliance is
# switched to tunnel mode (secmon-init re-run: the NIC back to the kernel with an address, read through af_packet) and
# a VXLAN sent to it gives IPFIX records of the inner flow; last, a deleted appliance stays deleted.
#
#   image-builder/test-boot.sh [--ansible] [IMAGE.qcow2]   (default: target/image/secmon-appliance.qcow2)
#
# --ansible: then run the Ansible appliance role (ansible/site.yml) against the VM over SSH (root, with the key
# the config drive's meta_data.json carries, as Nova's key pair would), changing the hugepages and the mirror mode
# (to tunnel): secmon-init runs again and says so on the console; a second run must change nothing. Without it the
# switch is made by hand (the override file over SSH, secmon-init restarted).
#
# Everything runs inside a network namespace this script creates: the EMS, a strongSwan responder (userspace ESP:
# this host's kernel has none) and qemu (TCG, the management NIC on user networking, the mirror NIC on a tap in the
# namespace). The VM reaches the namespace's loopback as 10.0.2.2 and nothing else. The image is
# not modified (a qcow2 overlay). Cleans up the namespace and every process it started. Needs root, qemu-system-x86,
# genisoimage, strongSwan (charon, swanctl, kernel-libipsec).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
with_ansible=0
if [ "${1:-}" = --ansible ]; then with_ansible=1; shift; fi
image=$(realpath "${1:-$repo/target/image/secmon-appliance.qcow2}")
work=$repo/target/image/boot-test
timeout_s=${SECMON_BOOT_TIMEOUT:-540}
say() { echo "[boot-test] $*"; }
die() { echo "[boot-test] FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespace, strongSwan)"
[ -f "$image" ] || die "no image $image (image-builder/build.sh)"
for t in qemu-system-x86_64 qemu-img genisoimage swanctl ip; do
    command -v $t >/dev/null || die "$t not found (./secmon deps)"
done
charon=/usr/lib/ipsec/charon
[ -x $charon ] || die "$charon not found (strongswan-charon)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java=$JAVA_HOME/bin/java
rm -rf "$work"
mkdir -p "$work/run" "$work/ems" "$work/cfg/openstack/latest"
if [ ! -f "$repo/ems/server/target/classpath.txt" ] || [ ! -f "$repo/ems/ctl/target/classpath.txt" ]; then
    "$repo/secmon" build > "$work/build.log" 2>&1 || die "build failed: $(tail -20 "$work/build.log")"
fi
ns=secmon-boot-$$
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 1
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
inns() { ip netns exec "$ns" "$@"; }
# background jobs run `ip netns exec` itself (not the function), so that $! is the process to stop
ip netns add "$ns"
inns ip link set lo up
# the analytics system behind the tunnel (its collectors' subnet); the EMS is reached in the clear at 10.0.2.2,
# which slirp delivers to this namespace's loopback
inns ip addr add 10.99.0.1/24 dev lo
inns ip addr add 10.98.0.1/24 dev lo # behind a second tunnel, one the EMS defines for the appliance's enforcer
inns ip addr add 10.97.0.1/24 dev lo # behind two more EMS-defined tunnels: DSCP 46 (EF) in one, the rest in the other

# ---- EMS with a scope for the appliance -------------------------------------------------------------------------
port=8480
pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$pw" > "$work/admin-password"
ems_cp="$repo/ems/server/target/secmon-ems-server.jar:$(cat "$repo/ems/server/target/classpath.txt")"
ip netns exec "$ns" "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$ems_cp" org.secmon.ems.server.Main --port $port \
    --host 127.0.0.1 --data-dir "$work/ems" --admin-password-file "$work/admin-password" --tls-self-signed \
    > "$work/ems.log" 2>&1 &
pids+=($!)
ctl() {
    inns env SECMON_CTL_CONFIG="$work/ctl.json" "$java" -XX:TieredStopAtLevel=1 \
        -cp "$repo/ems/ctl/target/secmon-ems-ctl.jar:$(cat "$repo/ems/ctl/target/classpath.txt")" \
        org.secmon.ems.ctl.Ctl "$@"
}
for i in $(seq 1 60); do
    inns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break
    sleep 0.5
done
# HTTPS with the EMS's own certificate: the operator and the appliance pin its fingerprint
for i in $(seq 1 20); do grep -q 'SHA-256 fingerprint' "$work/ems.log" && break; sleep 0.5; done
fp=$(grep -oE 'SHA-256 fingerprint: [0-9A-F:]+' "$work/ems.log" | head -1 | cut -d' ' -f3)
[ -n "$fp" ] || die "the EMS printed no certificate fingerprint: $(tail -5 "$work/ems.log")"
SECMON_PASSWORD=$pw ctl login --ems "https://127.0.0.1:$port" --trust "$fp" -u admin > "$work/ctl.out" 2>&1 \
    || die "cannot log in to the EMS: $(cat "$work/ctl.out" "$work/ems.log" | tail -5)"
cat > "$work/lab.yaml" <<'YAML'
projects: [{name: lab}]
scopes: [{name: mirror, project: lab}]
YAML
ctl apply -f "$work/lab.yaml" >> "$work/ctl.out" 2>&1 || die "ctl apply: $(tail -5 "$work/ctl.out")"
# the appliance joins with a single-use enrollment token, never with a user's password
ctl enroll --scope mirror --name boot-test-1 --out "$work/enrollment-token" >> "$work/ctl.out" 2>&1 \
    || die "ctl enroll: $(tail -3 "$work/ctl.out")"
enrollment=$(cat "$work/enrollment-token")
say "EMS up on the namespace's https://127.0.0.1:$port (the VM: 10.0.2.2:$port, pinned $fp), scope 'mirror', an enrollment token for boot-test-1"

# ---- strongSwan responder: the analytics system's end of the tunnel ----------------------------------------------
psk=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
psk2=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') # the EMS-defined tunnel's
psk_ef=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') # the DSCP 46 tunnel's
psk_be=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') # the other classes' tunnel
cat > "$work/strongswan.conf" <<CONF
charon {
  load = random nonce aes sha1 sha2 hmac kdf gcm pem pkcs1 x509 pubkey curve25519 gmp openssl kernel-libipsec kernel-netlink socket-default updown vici
  piddir = $work/run
  install_routes = yes
  plugins { vici { socket = unix://$work/run/charon.vici } }
  filelog { log { path = $work/charon.log
    default = 1
    ike = 2 } }
}
CONF
mkdir -p "$work/swanctl"
# one responder connection per tunnel: NAME LOCAL_ID REMOTE_ID LOCAL_TS ESP_PROPOSAL. The same IKE proposals for all:
# the responder picks its configuration by identity only after IKE_SA_INIT
responder_conn() {
    cat <<CONF
  $1 {
    version = 2
    proposals = aes256-sha256-modp3072, aes256gcm16-prfsha256-ecp256
    local { auth = psk
            id = $2 }
    remote { auth = psk
             id = $3 }
    children { $1 { local_ts = $4
                    remote_ts = 10.0.2.0/24
                    esp_proposals = $5 } }
  }
CONF
}
cat > "$work/swanctl/swanctl.conf" <<CONF
connections {
$(responder_conn appliance analytics.test boot-test-1 10.99.0.0/24 aes256gcm16-modp3072)
$(responder_conn ems-tunnel analytics-ems.test appliance-ems.test 10.98.0.0/24 aes256gcm16-ecp256)
$(responder_conn class-ef analytics-ef.test appliance-ef.test 10.97.0.0/24 aes256gcm16-ecp256)
$(responder_conn class-be analytics-be.test appliance-be.test 10.97.0.0/24 aes256gcm16-ecp256)
}
secrets { ike-appliance { id = boot-test-1
                          secret = "$psk" }
          ike-ems { id = appliance-ems.test
                    secret = "$psk2" }
          ike-ef { id = appliance-ef.test
                   secret = "$psk_ef" }
          ike-be { id = appliance-be.test
                   secret = "$psk_be" } }
CONF
ip netns exec "$ns" unshare -m sh -c "mount --bind '$work/run' /run && STRONGSWAN_CONF='$work/strongswan.conf' exec $charon" \
    > "$work/charon.out" 2>&1 &
pids+=($!)
for i in $(seq 1 40); do [ -S "$work/run/charon.vici" ] && break; sleep 0.5; done
[ -S "$work/run/charon.vici" ] || die "charon did not start: $(tail -5 "$work/charon.out")"
swanctl --load-all --file "$work/swanctl/swanctl.conf" --uri "unix://$work/run/charon.vici" > "$work/swanctl.out" 2>&1 \
    || die "swanctl --load-all: $(cat "$work/swanctl.out")"
say "strongSwan responder up (id analytics.test, PSK)"

# ---- config drive and VM ----------------------------------------------------------------------------------------
cat > "$work/cfg/openstack/latest/user_data" <<CONF
# SecMon appliance configuration (KEY=VALUE), as Heat or an operator writes it
SECMON_EMS_URL=https://10.0.2.2:$port
SECMON_EMS_FINGERPRINT=$fp
SECMON_ENROLLMENT_TOKEN=$enrollment
SECMON_SCOPE=mirror
SECMON_NAME=boot-test-1
SECMON_HUGEPAGES=128
SECMON_MIRROR_MAC=52:54:00:5e:c0:02
SECMON_DPDK_DRIVER=uio_pci_generic
SECMON_IPSEC_REMOTE=10.0.2.2
SECMON_IPSEC_REMOTE_ID=analytics.test
SECMON_IPSEC_REMOTE_TS=10.99.0.0/24
SECMON_IPSEC_PSK=$psk
SECMON_AGENT_WAIT=400
CONF
ssh-keygen -q -t ed25519 -N "" -C boot-test -f "$work/id_ed25519"
printf '{"uuid": "00000000-0000-4000-8000-000000000001", "name": "boot-test-1", "public_keys": {"boot-test": "%s"}}\n' \
    "$(cat "$work/id_ed25519.pub")" > "$work/cfg/openstack/latest/meta_data.json"
genisoimage -quiet -V config-2 -J -R -o "$work/config.iso" "$work/cfg" || die "genisoimage failed"
# start_vm CONSOLE MIRROR_NETDEV: the VM from a fresh overlay of the image, with the config drive $work/config.iso and
# its mirror NIC (MAC 52:54:00:5e:c0:02) on MIRROR_NETDEV; sets qemu (its pid) and start
start_vm() {
    rm -f "$work/overlay.qcow2"
    qemu-img create -q -f qcow2 -F qcow2 -b "$image" "$work/overlay.qcow2"
    start=$(date +%s)
    # TCG: this machine's /dev/kvm does not work. Nehalem: the SSE4.2 DPDK needs, and no AVX (qemu 7.2's new TCG
    # AVX emulation made the JVM's compiled code crash with SIGSEGV under -cpu max)
    ip netns exec "$ns" qemu-system-x86_64 -machine pc -accel tcg -cpu Nehalem -smp 2 -m 2048 -display none -monitor none \
        -serial "file:$1" \
        -drive file="$work/overlay.qcow2",if=virtio,format=qcow2 \
        -drive file="$work/config.iso",media=cdrom,readonly=on \
        -netdev user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:2022-:22 -device virtio-net-pci,netdev=mgmt,mac=52:54:00:5e:c0:01 \
        -netdev "$2" -device virtio-net-pci,netdev=mirror,mac=52:54:00:5e:c0:02 \
        > "$work/qemu.out" 2>&1 &
    qemu=$!
    pids+=($qemu)
    say "VM booting (TCG), serial console: $1"
}
# await_console CONSOLE PATTERN...: each pattern on the console in turn (within $timeout_s of the boot), said as seen
await_console() {
    local console=$1 seen=0 elapsed
    shift
    local want=("$@")
    while [ $seen -lt ${#want[@]} ]; do
        elapsed=$(( $(date +%s) - start ))
        if grep -aqE "${want[$seen]}" "$console" 2>/dev/null; then
            say "$(printf '%4d s' $elapsed)  $(grep -aoE "${want[$seen]}" "$console" | head -1 | cut -c1-150)"
            seen=$((seen + 1))
            continue
        fi
        if grep -aq "secmon-init: FAILED" "$console" 2>/dev/null; then
            grep -a "secmon-init" "$console" | tail -5 >&2
            die "the appliance init failed (console above)"
        fi
        kill -0 $qemu 2>/dev/null || die "qemu exited: $(tail -5 "$work/qemu.out")"
        [ $elapsed -lt "$timeout_s" ] || { tail -20 "$console" >&2; die "no '${want[$seen]}' on the console after $elapsed s"; }
        sleep 2
    done
}
# the mirror NIC on a tap in this namespace: in port mode DPDK owns it (nothing is sent to it); the switch to tunnel
# mode below gives it back to the VM's kernel with an address this side reaches
tap=smtap$$
inns ip tuntap add dev "$tap" mode tap
inns ip addr add 10.96.0.1/24 dev "$tap"
inns ip link set "$tap" up
start_vm "$work/console.log" "tap,id=mirror,ifname=$tap,script=no,downscript=no"
await_console "$work/console.log" \
    "secmon-init: \[0/4\] configuration: from config drive" \
    "secmon-init: \[1/4\] hugepages: 128 x 2048 kB allocated" \
    "secmon-init: \[2/4\] mirror port: MAC 52:54:00:5e:c0:02, PCI .* bound to uio_pci_generic" \
    "secmon-init: \[3/4\] IPsec: tunnel analytics-1 to 10.0.2.2 up: .*INSTALLED.*kernel ESP" \
    "secmon-init: \[4/4\] agent: heap at most [0-9]+ MB \(memory [0-9]+ MB - hugepages 256 MB - 512 MB" \
    "secmon-init: \[4/4\] agent: (registered with the EMS|connected to the EMS).*the appliance is active"

# ---- cross-checks from the outside ------------------------------------------------------------------------------
sas=$(swanctl --list-sas --uri "unix://$work/run/charon.vici" 2>&1)
echo "$sas" | grep -q "ESTABLISHED" && echo "$sas" | grep -q "INSTALLED" \
    || die "the responder shows no established tunnel: $sas"
say "responder: $(echo "$sas" | grep -m1 ESTABLISHED | sed 's/^ *//')"
ctl get appliances > "$work/appliances.out" 2>&1 || die "ctl get appliances: $(cat "$work/appliances.out")"
grep -q "boot-test-1" "$work/appliances.out" || die "the EMS does not list the appliance: $(cat "$work/appliances.out")"
say "EMS lists appliance boot-test-1: $(grep -m1 boot-test-1 "$work/appliances.out" | tr -s ' ' | cut -c1-120)"
# the enrollment token was used once and is gone from the appliance; no EMS password was ever there
inns ssh -i "$work/id_ed25519" -p 2022 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1 \
    'ls /etc/secmon; ! test -e /etc/secmon/enrollment-token && ! test -e /etc/secmon/ems-password && ! grep -q ENROLLMENT /etc/secmon/appliance.conf && grep -c -e --enrollment-token-file -e --ems-fingerprint /etc/secmon/agent.args' \
    > "$work/enrolled.out" 2>&1 || die "the enrollment token (or a password) is still on the appliance: $(cat "$work/enrolled.out")"
[ "$(tail -1 "$work/enrolled.out")" = 2 ] || die "the agent does not pin the EMS or name its token file: $(cat "$work/enrolled.out")"
say "enrolled: /etc/secmon has $(head -n -1 "$work/enrolled.out" | tr '\n' ' ')(no token, no password); the agent pins the EMS"
# traffic through the tunnel: the analytics side pings the appliance; the VM's kernel ESP answers
inns ping -c 3 -W 5 -I 10.99.0.1 10.0.2.15 > "$work/ping.out" 2>&1 \
    || die "no answer through the tunnel: $(tail -3 "$work/ping.out")"
esp_in=$(swanctl --list-sas --uri "unix://$work/run/charon.vici" 2>/dev/null | grep -m1 -E '^ +in ' | tr -s ' ' || true)
say "tunnel carries traffic: $(grep -oE '[0-9]+ received' "$work/ping.out" || true) of 3 pings answered through ESP (responder's SA:${esp_in})"
# a tunnel defined in the EMS: the agent's enforcer sets it up in the VM's charon next to secmon-init's own
appliance_id=$(ctl get appliances -o json --ids | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
cat > "$work/tunnel.yaml" <<YAML
ike_policies: [{name: boot-ike, ike_version: ikev2, encryption: aes256gcm16, integrity: sha256, dh_group: ecp256}]
ipsec_policies: [{name: boot-esp, encryption: aes256gcm16, pfs_group: ecp256}]
ipsec_tunnels:
  - {name: ems-tunnel, appliance: $appliance_id, ike_policy: boot-ike, ipsec_policy: boot-esp,
     local_address: 10.0.2.15, remote_address: 10.0.2.2, local_id: appliance-ems.test,
     remote_id: analytics-ems.test, local_subnets: [10.0.2.15/32], remote_subnets: [10.98.0.0/24], psk: $psk2}
YAML
ctl apply -f "$work/tunnel.yaml" > "$work/tunnel.out" 2>&1 || die "ctl apply tunnel: $(cat "$work/tunnel.out")"
t0=$(date +%s)
until swanctl --list-sas --uri "unix://$work/run/charon.vici" 2>/dev/null | grep -A8 '^ems-tunnel' | grep -q INSTALLED; do
    [ $(( $(date +%s) - t0 )) -lt 180 ] || die "the EMS-defined tunnel did not come up in 180 s: $(grep -a 'secmon-agent' "$work/console.log" | grep -i 'ipsec\|swanctl' | tail -3)"
    sleep 2
done
inns ping -c 3 -W 5 -I 10.98.0.1 10.0.2.15 > "$work/ping2.out" 2>&1 || die "no answer through the EMS-defined tunnel"
inns ssh -i "$work/id_ed25519" -p 2022 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1 /usr/sbin/swanctl --list-conns > "$work/conns.out" 2>&1 || true
conns=$(grep -oE '^[a-z0-9-]+:' "$work/conns.out" | tr '\n' ' ' || true)
[[ $conns == *analytics-1:* ]] && [[ $conns == *secmon-ems-tunnel:* ]] \
    || die "the VM's charon should have secmon-init's and the enforcer's connections: $(head -5 "$work/conns.out")"
say "EMS-defined tunnel up after $(( $(date +%s) - t0 )) s (enforcer in the VM): $(grep -oE '[0-9]+ received' "$work/ping2.out") of 3 pings; VM's charon: $conns"

# two DSCP classes in two tunnels (kernel ESP in the VM): the EMS defines a tunnel for DSCP 46 (EF) and one for the
# rest, both between the same subnets; the enforcer's nftables rules mark EF packets for the first tunnel's policy
vm() {
    inns ssh -i "$work/id_ed25519" -p 2022 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1 "$@"
}
# the agent runs hardened (its unit): no new privileges, a read-only system, only the capabilities it needs
vm 'pid=$(systemctl show -p MainPID --value secmon-agent); grep -E "^(NoNewPrivs|CapBnd):" /proc/$pid/status; systemctl show -p ProtectSystem -p ProtectHome secmon-agent' \
    > "$work/hardening.out" 2>&1 || die "cannot read the agent's process state: $(cat "$work/hardening.out")"
grep -q "^NoNewPrivs:[[:space:]]*1" "$work/hardening.out" || die "the agent may gain privileges: $(cat "$work/hardening.out")"
grep -q "^ProtectSystem=strict" "$work/hardening.out" && grep -q "^ProtectHome=yes" "$work/hardening.out" \
    || die "the agent's unit does not protect the system: $(cat "$work/hardening.out")"
capbnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "$work/hardening.out")
[ -n "$capbnd" ] && [ "$capbnd" != 000001ffffffffff ] && [ "$capbnd" != 000003ffffffffff ] \
    || die "the agent has every capability: $(cat "$work/hardening.out")"
say "agent hardened: NoNewPrivs 1, ProtectSystem strict, ProtectHome yes, CapBnd $capbnd (and it exports, runs tunnels)"
# the agent's Prometheus metrics on the management address (SECMON_METRICS_PORT, 9465): refused without a scrape
# token, served with the EMS's (the EMS tells the appliance the tokens' hashes when one is created)
ctl scrape-token create boot-prometheus --out "$work/scrape.token" > "$work/scrape.out" 2>&1 \
    || die "ctl scrape-token create: $(cat "$work/scrape.out")"
scrape=$(cat "$work/scrape.token")
code=$(vm curl -s -o /dev/null -w '%{http_code}' http://10.0.2.15:9465/metrics 2>&1 || true)
[ "$code" = 401 ] || die "the agent's metrics without a scrape token answered '$code', not 401"
t0=$(date +%s)
until vm "curl -s -H 'Authorization: Bearer $scrape' http://10.0.2.15:9465/metrics" > "$work/metrics.out" 2>&1 \
        && grep -q '^secmon_rx_packets_total ' "$work/metrics.out"; do
    [ $(( $(date +%s) - t0 )) -lt 60 ] || die "the agent's metrics did not take the EMS's scrape token in 60 s: $(head -3 "$work/metrics.out")"
    sleep 2
done
say "agent metrics on 10.0.2.15:9465: 401 without a token, $(grep -c '^secmon_' "$work/metrics.out") secmon series with the EMS's scrape token ($(grep '^secmon_rx_packets_total ' "$work/metrics.out"))"
cat > "$work/dscp.yaml" <<YAML
ipsec_tunnels:
  - {name: class-ef, appliance: $appliance_id, ike_policy: boot-ike, ipsec_policy: boot-esp, dscp: 46,
     local_address: 10.0.2.15, remote_address: 10.0.2.2, local_id: appliance-ef.test, remote_id: analytics-ef.test,
     local_subnets: [10.0.2.15/32], remote_subnets: [10.97.0.0/24], psk: $psk_ef}
  - {name: class-be, appliance: $appliance_id, ike_policy: boot-ike, ipsec_policy: boot-esp,
     local_address: 10.0.2.15, remote_address: 10.0.2.2, local_id: appliance-be.test, remote_id: analytics-be.test,
     local_subnets: [10.0.2.15/32], remote_subnets: [10.97.0.0/24], psk: $psk_be}
YAML
ctl apply -f "$work/dscp.yaml" > "$work/dscp.out" 2>&1 || die "ctl apply DSCP tunnels: $(cat "$work/dscp.out")"
t0=$(date +%s)
child_in() { # packets the responder received on a tunnel's child SA
    swanctl --list-sas --ike "$1" --uri "unix://$work/run/charon.vici" 2>/dev/null \
        | grep -m1 -E '^ +in ' | grep -oE '[0-9]+ packets' | grep -oE '[0-9]+' || echo 0
}
until swanctl --list-sas --uri "unix://$work/run/charon.vici" 2>/dev/null | grep -A8 '^class-ef' | grep -q INSTALLED \
      && swanctl --list-sas --uri "unix://$work/run/charon.vici" 2>/dev/null | grep -A8 '^class-be' | grep -q INSTALLED \
      && vm nft list table inet secmon_dscp > /dev/null 2>&1; do
    [ $(( $(date +%s) - t0 )) -lt 180 ] || die "the DSCP tunnels did not come up in 180 s: $(vm cat /var/lib/secmon/ipsec/last-load.log 2>&1 | tail -3)"
    sleep 2
done
# a collector that takes every datagram (a closed port would answer each with an ICMP error back through the
# tunnels, traffic the count below is not about); it reports how many arrived
ip netns exec "$ns" python3 -c 'import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.97.0.1",5099)); s.settimeout(60); n=0
try:
    while True: s.recv(2048); n+=1; s.settimeout(3)
except socket.timeout: pass
print(n)' > "$work/dscp-received.out" 2>&1 &
sink=$!
pids+=($sink)
# everything else the VM sends to 10.97.0.0/24 meanwhile also travels in a tunnel: the EMS in this namespace reaches
# the appliance's agent (http://10.0.2.15:7070) only through the tunnels, with the newest route's source 10.97.0.1, so
# the agent's answers to health checks and notifications leave the VM with DSCP 0 into class-be. Seen on the decrypted
# side (the responder's TUN device) and accounted for below. Only those to 10.97.0.0/24: the agent's answers to
# 10.98.0.1 travel in the other EMS-defined tunnel (counting them here failed a run: 33 = 30 + 3, not 30 + 6)
ip netns exec "$ns" tcpdump -i ipsec0 -n --immediate-mode -U -w "$work/dscp-other.pcap" \
    'src host 10.0.2.15 and dst net 10.97.0.0/24 and not (udp and dst port 5099)' > "$work/dscp-tcpdump.out" 2>&1 &
other_pid=$!
pids+=($other_pid)
sleep 1.5
ef0=$(child_in class-ef); be0=$(child_in class-be); window0=$(date +%s.%N)
# 20 datagrams with DSCP 46 (TOS 0xb8) and 30 with DSCP 0, as exporters with those classes send them
vm python3 - > "$work/dscp-send.out" 2>&1 <<'PY' || die "sending from the VM failed: $(cat "$work/dscp-send.out")"
import socket, time
for tos, n in ((0xb8, 20), (0, 30)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    for _ in range(n):
        s.sendto(b"x" * 200, ("10.97.0.1", 5099))
        time.sleep(0.01)
PY
wait $sink || true
[ "$(cat "$work/dscp-received.out")" = 50 ] || die "the collector behind the DSCP tunnels received $(cat "$work/dscp-received.out") of 50 datagrams"

window1=$(date +%s.%N); ef=$(( $(child_in class-ef) - ef0 )); be=$(( $(child_in class-be) - be0 ))
sleep 0.5
kill -INT $other_pid 2>/dev/null; wait $other_pid 2>/dev/null || true
# the other packets that arrived between the two readings of the counters
tcpdump -r "$work/dscp-other.pcap" -n -tt 2>/dev/null | awk -v a="$window0" -v b="$window1" '$1 > a && $1 < b' \
    > "$work/dscp-other.txt"
other=$(wc -l < "$work/dscp-other.txt")
other_seen=$(awk '{print $3, $4, $5}' "$work/dscp-other.txt" | sort | uniq -c | sort -rn | head -3 | tr -s ' ' | tr '\n' ';')
marked=$(vm nft list chain inet secmon_dscp output 2>/dev/null | grep -oE 'packets [0-9]+' | head -1 | grep -oE '[0-9]+' || echo "?")
[ "$ef" = 20 ] && [ "$be" = $(( 30 + other )) ] \
    || die "DSCP steering: the EF tunnel got $ef packets (want 20), the other $be (want 30 + $other other packets from the VM: $other_seen); marked in the VM: $marked; VM policies: $(vm ip xfrm policy 2>&1 | grep -E 'priority|mark' | tr -s ' ' | head -8 | tr '\n' ';')"
[ "$marked" = 20 ] || die "the VM's nftables rule marked $marked packets, want 20"
say "two DSCP classes in two tunnels: EF (DSCP 46) -> class-ef $ef packets, DSCP 0 -> class-be $be packets = 30 + $other other (${other_seen:-none}) (kernel ESP; marked by the enforcer's nftables rule: $marked)"
grep -aqF -e "$pw" -e "$psk" -e "$psk2" -e "$psk_ef" -e "$psk_be" -e "$enrollment" "$work/console.log" && die "a secret (EMS password, enrollment token or PSK) appeared on the serial console"

# a deleted appliance stays deleted: the agent gets 401, keeps monitoring, and does not register again
deleted_check() {
    # its tunnels first (the EMS refuses to delete what is still referenced), then the appliance itself
    ctl delete ipsec_tunnels ems-tunnel class-ef class-be > "$work/delete.out" 2>&1 \
        || die "ctl delete ipsec_tunnels: $(cat "$work/delete.out")"
    ctl delete appliance "$appliance_id" >> "$work/delete.out" 2>&1 || die "ctl delete appliance: $(cat "$work/delete.out")"
    local t0; t0=$(date +%s)
    until vm curl -s http://127.0.0.1:7070/health 2>/dev/null | grep -q revoked; do
        [ $(( $(date +%s) - t0 )) -lt 120 ] || die "the agent did not notice its deletion in 120 s: $(vm curl -s http://127.0.0.1:7070/health 2>&1)"
        sleep 2
    done
    sleep 15
    ctl get appliances > "$work/appliances2.out" 2>&1 || die "ctl get appliances: $(cat "$work/appliances2.out")"
    grep -q boot-test-1 "$work/appliances2.out" && die "the deleted appliance registered again: $(cat "$work/appliances2.out")"
    say "deleted appliance stays deleted: the agent reports it was revoked ($(( $(date +%s) - t0 )) s), the EMS lists no boot-test-1"
}
# ---- tunnel mode: the running appliance switched to it, the mirrors sent to its mirror NIC's address as VXLAN -------
# (SECMON_MIRROR_MODE=tunnel, what Heat sets for OVN's tap_mirror; here set over the boot configuration by the
# Ansible role, or by hand without --ansible, and secmon-init re-run): secmon-init takes the NIC back from DPDK, the
# VM's kernel answers ARP and ping on it, the agent reads it through DPDK's af_packet driver, terminates the tunnel and
# exports the inner flows with their observation point; IPFIX in the clear to a collector on the namespace's loopback
cport=4739
tunnel_setup() {
    cat > "$work/tunnel-mode.yaml" <<YAML
classification_objects: [{scope: mirror, name: any}]
rules: [{scope: mirror, name: everything, classification_object: any, priority: 100, action: forward}]
policies: [{scope: mirror, name: monitor-all, rules: [everything]}]
collectors: [{scope: mirror, name: lab, address: 10.0.2.2, port: $cport, type: ipfix}]
netflow_configs: [{scope: mirror, active_timeout: 10, inactive_timeout: 3}]
netflow_monitors: [{scope: mirror, name: by-tunnel, match_fields: [src_addr, dst_addr, protocol, src_port, dst_port,
                    observation_point]}]
netflow_associations: [{scope: mirror, name: netflow, policy: monitor-all, collector: lab, monitor: by-tunnel}]
YAML
    ctl apply -f "$work/tunnel-mode.yaml" > "$work/tunnel-mode.out" 2>&1 \
        || die "ctl apply (NetFlow for tunnel mode): $(cat "$work/tunnel-mode.out")"
    # (max_flows left at its default, 2,000,000 flows, ~340 MB: they fit the heap secmon-init gives the agent on this
    # 2 GB VM; with the JVM's default heap, a quarter of the memory, the plugin refused to start)
    # the collector: every datagram taken (a closed port would make the exporter mark it down), copied by tcpdump
    ip netns exec "$ns" /usr/bin/python3 -c "import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$cport))
while True: s.recv(65535)" > "$work/tunnel-sink.out" 2>&1 &
    pids+=($!)
    ip netns exec "$ns" tcpdump -i lo -n -U -w "$work/tunnel-export.pcap" "udp and dst port $cport" \
        > "$work/tunnel-tcpdump.out" 2>&1 &
    pids+=($!)
}
tunnel_mode_check() {
    local t0 line
    line=$(grep -aoE "secmon-init: \[2/4\] mirror port: MAC 52:54:00:5e:c0:02, [a-z0-9]+ \(taken back from uio_pci_generic[^)]*\) keeps its address 10.96.0.2/24 .*decap auto" "$work/console.log" | tail -1)
    [ -n "$line" ] || die "secmon-init did not switch the mirror port to tunnel mode: $(grep -a 'secmon-init' "$work/console.log" | tail -4)"
    say "${line:0:160}"
    grep -a "secmon-init: " "$work/console.log" | tail -1 | grep -q "the appliance is active" \
        || die "the appliance is not active after the switch: $(grep -a 'secmon-init' "$work/console.log" | tail -3)"
    # the VM's kernel answers on the mirror address (what a hypervisor's tunnel needs: ARP, then the datagrams)
    inns ping -c 3 -W 5 -I "$tap" 10.96.0.2 > "$work/tunnel-ping.out" 2>&1 \
        || die "the mirror address does not answer in tunnel mode: $(tail -3 "$work/tunnel-ping.out")"
    # a hypervisor's VXLAN (VNI 42) to the mirror address, carrying one UDP flow 10.42.0.1 -> 10.42.0.2:7042
    inns ip link add vx42 type vxlan id 42 remote 10.96.0.2 local 10.96.0.1 dstport 4789 dev "$tap"
    inns ip addr add 10.42.0.1/24 dev vx42
    inns ip link set vx42 up
    inns ip neigh add 10.42.0.2 lladdr 02:00:00:42:00:02 dev vx42 nud permanent
    t0=$(date +%s)
    # tshark's fields per export packet: sources, destination ports and observation points, one per record
    until { inns tshark -r "$work/tunnel-export.pcap" -d "udp.port==$cport,cflow" -T fields -E separator='|' \
              -e cflow.srcaddr -e cflow.dstport -e cflow.observation_point_id 2>/dev/null || true; } \
              > "$work/tunnel-flows.out"
          awk -F'|' '{ n = split($1, a, ","); split($2, b, ","); split($3, c, ",")
                       for (i = 1; i <= n; i++) if (a[i] == "10.42.0.1" && b[i] == "7042" && c[i] == "42") found = 1 }
                     END { exit !found }' "$work/tunnel-flows.out"; do
        [ $(( $(date +%s) - t0 )) -lt 240 ] || die "no IPFIX record of the inner flow 10.42.0.1 -> 10.42.0.2:7042 with observation point 42 in 240 s: $(tail -3 "$work/tunnel-flows.out"); agent: $(vm 'journalctl -u secmon-agent --no-pager | tail -5' 2>&1)"
        inns bash -c 'for i in 1 2 3 4 5; do echo tunnelled$i > /dev/udp/10.42.0.2/7042; done'
        sleep 5
    done
    say "tunnel mode ($(( $(date +%s) - t0 )) s): the mirror address answers ping ($(grep -oE '[0-9]+ received' "$work/tunnel-ping.out")), a VXLAN sent to it gives IPFIX records of the inner flow with observation point 42"
    return 0
}
if [ $with_ansible = 0 ]; then
    # what the Ansible role does below, by hand: settings over the boot configuration, secmon-init re-run
    tunnel_setup
    vm 'printf "SECMON_MIRROR_MODE=tunnel\nSECMON_MIRROR_ADDRESS=10.96.0.2/24\n" > /etc/secmon/appliance.override.conf && chmod 600 /etc/secmon/appliance.override.conf && systemctl restart secmon-init' \
        > "$work/switch.out" 2>&1 || die "secmon-init re-run in tunnel mode: $(tail -3 "$work/switch.out"); $(grep -a 'secmon-init' "$work/console.log" | tail -3)"
    tunnel_mode_check
    deleted_check
    say "PASS in $(( $(date +%s) - start )) s of boot"
    exit 0
fi
say "PASS in $(( $(date +%s) - start )) s of boot (the Ansible part follows)"

# ---- the Ansible appliance role against the running VM ----------------------------------------------------------
cat > "$work/inventory.yml" <<YAML
all:
  children:
    appliances:
      hosts:
        boot-test-1:
          ansible_host: 127.0.0.1
          ansible_port: 2022
          ansible_user: root
          ansible_ssh_private_key_file: $work/id_ed25519
          ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          ansible_python_interpreter: /usr/bin/python3
          appliance_hugepages: 160
          appliance_mirror_mode: tunnel
          appliance_mirror_address: 10.96.0.2/24
YAML
tunnel_setup
for run in 1 2; do
    t0=$(date +%s)
    ip netns exec "$ns" env PATH=/usr/sbin:/usr/bin:/sbin:/bin ANSIBLE_CONFIG="$repo/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 \
        ansible-playbook -i "$work/inventory.yml" "$repo/ansible/site.yml" --limit appliances \
        > "$work/ansible-run$run.log" 2>&1 || die "ansible run $run: $(grep -E 'fatal|FAILED|msg' "$work/ansible-run$run.log" | head -5)"
    recap=$(grep -E '^boot-test-1 +:' "$work/ansible-run$run.log" | tr -s ' ')
    say "ansible run $run ($(( $(date +%s) - t0 )) s): $recap"
done
echo "$recap" | grep -q "changed=0 " || die "the second Ansible run changed something"
grep -aq "secmon-init: \[1/4\] hugepages: 160 x 2048 kB" "$work/console.log" \
    || die "secmon-init did not apply the role's hugepages (console: $(grep -a 'secmon-init' "$work/console.log" | tail -3))"
say "$(grep -aoE 'secmon-init: \[1/4\] hugepages: 160 [^(]*' "$work/console.log" | head -1) after the role"
grep -aqE "secmon-init: \[4/4\] agent: heap at most [0-9]+ MB \(memory [0-9]+ MB - hugepages 320 MB" "$work/console.log" \
    || die "secmon-init did not size the agent's heap from the role's hugepages (console: $(grep -a 'heap at most' "$work/console.log" | tail -2))"
say "$(grep -aoE 'secmon-init: \[4/4\] agent: heap at most [^)]*\)' "$work/console.log" | tail -1)"
tunnel_mode_check
deleted_check
say "PASS with Ansible"
