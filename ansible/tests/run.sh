#!/bin/bash
# Ansible checks: syntax of both playbooks, ansible-lint (production profile, offline), then real runs of
# site.yml's consul, ems and console roles against a fresh Debian bookworm chroot (community.general.chroot
# connection), twice: the second run must change nothing. The appliance role runs against a booted appliance VM
# in image-builder/test-boot.sh --ansible. Needs root, debootstrap, ansible, ansible-lint.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(dirname "$here")
work=$repo/target/ansible-test
say() { echo "[ansible-test] $*"; }
die() { echo "[ansible-test] FAIL: $*" >&2; exit 1; }
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH # Debian's ansible runs on the system python3
export ANSIBLE_CONFIG=$here/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
cd "$here"

say "syntax"
ansible-playbook --syntax-check site.yml openstack.yml >/dev/null || die "syntax check"
say "ansible-lint (production profile)"
ansible-lint --offline -q -p site.yml openstack.yml roles || die "ansible-lint"

[ "$(id -u)" = 0 ] || { say "not root: skipping the chroot runs"; exit 0; }
command -v debootstrap >/dev/null || die "debootstrap not found (./secmon deps)"
mirror=$("$repo/scripts/debian-mirror")

# the distributions the ems and console roles install (built from this checkout)
"$repo/scripts/make-dist" ems "$repo/target/dist/ems" | tail -1
"$repo/scripts/make-dist" console "$repo/target/dist/console" | tail -1

root=$work/chroot
cleanup() {
    for m in proc sys dev/pts dev; do umount -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
rm -rf "$work"
mkdir -p "$work"
say "debootstrap bookworm (minbase + python3) from $mirror"
start=$(date +%s)
debootstrap --variant=minbase --include=python3,python3-apt,ca-certificates bookworm "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 || die "debootstrap: $(tail -5 "$work/debootstrap.log")"
say "chroot ready in $(( $(date +%s) - start )) s"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

master_token=$(cat /proc/sys/kernel/random/uuid)
ems_token=$(cat /proc/sys/kernel/random/uuid)
consul_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/inventory.yml" <<YAML
all:
  hosts:
    chroot:
      ansible_connection: community.general.chroot
      ansible_host: $root
      ansible_python_interpreter: /usr/bin/python3
  children:
    consul_servers: {hosts: {chroot: {}}}
    ems_servers: {hosts: {chroot: {}}}
    consoles: {hosts: {chroot: {}}}
  vars:
    consul_debian_mirror: $mirror
    consul_start: false
    ems_start: false
    ems_admin_password: chroot-test-password
    consul_acl_master_token: $master_token
    consul_ems_token: $ems_token
    consul_bind_address: 127.0.0.1
    consul_http_port: $consul_port
    console_ems_url: https://ems.test:8443
YAML
for run in 1 2; do
    start=$(date +%s)
    ansible-playbook -i "$work/inventory.yml" site.yml > "$work/run$run.log" 2>&1 \
        || die "run $run failed: $(grep -E 'fatal|FAILED|ERROR' "$work/run$run.log" | head -5)"
    recap=$(grep -E '^chroot +:' "$work/run$run.log")
    say "run $run ($(( $(date +%s) - start )) s): $(echo "$recap" | tr -s ' ')"
done
echo "$recap" | grep -q "changed=0 " || die "the second run changed something: $(grep -B3 '^changed:' "$work/run2.log" | head -20)"

# what the roles installed works inside the chroot
# (into a file: in a pipe to head/grep -q, consul — a Go program — may die of SIGPIPE writing its second line, and
# pipefail then failed this check under load)
chroot "$root" consul version > "$work/consul-version.out" 2>&1 \
    || die "consul does not run in the chroot: $(head -3 "$work/consul-version.out")"
grep -q "^Consul v" "$work/consul-version.out" || die "consul in the chroot is not Consul: $(head -3 "$work/consul-version.out")"
chroot "$root" /opt/secmon-ems/bin/secmon-ems --help 2>&1 | grep -q -- "--store" || die "the EMS does not run"
grep -q -- "--consul-url" "$root/etc/secmon/ems.args" || die "ems.args does not use the consul store"
[ "$(stat -c %a "$root/etc/secmon/ems-admin-password")" = 600 ] || die "the admin password file is not private"
[ -L "$root/etc/systemd/system/multi-user.target.wants/secmon-ems.service" ] || die "secmon-ems is not enabled"
[ -L "$root/etc/systemd/system/multi-user.target.wants/consul.service" ] || die "consul is not enabled"
[ "$(readlink "$root/usr/local/bin/secmon-console")" = /opt/secmon-console/bin/secmon-console ] && [ -x "$root/opt/secmon-console/bin/secmon-console" ] || die "secmon-console is not on the PATH"
[ "$(readlink "$root/usr/local/bin/secmonctl")" = /opt/secmon-console/bin/secmonctl ] || die "secmonctl is not on the PATH"
grep -q "complete -F _complete_secmonctl" "$root/usr/share/bash-completion/completions/secmonctl" \
    || die "secmonctl's bash completion is not installed"
# the installed secmonctl runs on the target's own runtime, and bash there completes its subcommands
chroot "$root" /usr/local/bin/secmonctl --version >/dev/null || die "secmonctl does not run on the target"
[ "$(chroot "$root" bash -c 'source /usr/share/bash-completion/completions/secmonctl; COMP_WORDS=(secmonctl scrape); COMP_CWORD=1; _complete_secmonctl secmonctl scrape secmonctl; echo "${COMPREPLY[*]}"')" = scrape-token ] \
    || die "bash on the target does not complete secmonctl's subcommands"
grep -rq "chroot-test-password" "$work"/run*.log && die "the admin password appeared in Ansible's output"
[ "$(stat -c %a "$root/etc/secmon/consul-token")" = 600 ] || die "the EMS's Consul token file is not private"
grep -q -- "--consul-token-file" "$root/etc/secmon/ems.args" || die "ems.args does not pass the Consul token file"

# Consul's ACLs for real: the consul the role installed, started by hand (no systemd here) with the role's
# configuration; the role then creates the EMS's policy and token in it (run 3), and a 4th run changes nothing
say "consul with the role's ACL configuration on 127.0.0.1:$consul_port"
chroot "$root" /usr/bin/consul agent -config-dir=/etc/consul.d -dns-port=-1 -grpc-port=-1 \
    -serf-lan-port="$((consul_port + 1))" -serf-wan-port=-1 -server-port="$((consul_port + 2))" \
    > "$work/consul.log" 2>&1 &
consul_pid=$!
stop_consul() { kill "$consul_pid" 2>/dev/null || true; wait "$consul_pid" 2>/dev/null || true; cleanup; }
trap stop_consul EXIT
for run in 3 4; do
    ansible-playbook -i "$work/inventory.yml" site.yml -e consul_configure_acl=true \
        > "$work/run$run.log" 2>&1 || die "run $run (ACL) failed: $(grep -E 'fatal|FAILED|ERROR' "$work/run$run.log" | head -5)"
    recap=$(grep -E '^chroot +:' "$work/run$run.log")
    say "run $run: $(echo "$recap" | tr -s ' ')"
done
echo "$recap" | grep -q "changed=0 " || die "the 4th run changed something: $(grep -B3 '^changed:' "$work/run4.log" | head -20)"
kv() { curl -s -o /dev/null -w '%{http_code}' -X "$1" ${2:+-H "X-Consul-Token: $2"} --data x "http://127.0.0.1:$consul_port/v1/kv/$3"; }
[ "$(kv PUT "$ems_token" secmon/ansible-test)" = 200 ] || die "the EMS's token cannot write secmon/"
[ "$(kv PUT "$ems_token" other/x)" = 403 ] || die "the EMS's token writes outside secmon/"
[ "$(kv GET "" secmon/ansible-test)" = 403 ] || die "Consul answers without a token"
[ "$(kv GET "$master_token" secmon/ansible-test)" = 200 ] || die "the management token does not work"
grep -rq -e "$master_token" -e "$ems_token" "$work"/run*.log && die "a Consul token appeared in Ansible's output"
stop_consul
trap cleanup EXIT

# a three-server cluster from the role: two copies of the chroot, the consul role on all three as one inventory
# group (each joins the others), twice (the second changes nothing); then the three Consul servers, started by
# hand in their chroots on 127.0.0.11-13, elect a leader with three Raft peers
say "consul role on three hosts: one cluster"
cleanup
nodes=("$root" "$work/node1" "$work/node2")
for i in 1 2; do cp -a "$root" "${nodes[$i]}"; done
for i in 0 1 2; do rm -rf "${nodes[$i]:?}/var/lib/consul/"*; done # the single server's node id and Raft state
{
    echo "all:"
    echo "  children:"
    echo "    consul_servers:"
    echo "      hosts:"
    for i in 0 1 2; do
        echo "        node$i: {ansible_connection: community.general.chroot, ansible_host: ${nodes[$i]},"
        echo "                ansible_python_interpreter: /usr/bin/python3, consul_bind_address: 127.0.0.1$((i + 1)),"
        echo "                consul_client_address: 127.0.0.1$((i + 1))}"
    done
    echo "  vars: {consul_debian_mirror: $mirror, consul_start: false, consul_configure_acl: false,"
    echo "         consul_acl_master_token: $master_token, consul_ems_token: $ems_token, consul_http_port: 8500}"
} > "$work/cluster.yml"
printf -- '- name: Consul servers\n  hosts: consul_servers\n  roles: [consul]\n' > "$work/cluster-play.yml"
mount_nodes() {
    for n in "${nodes[@]}"; do
        mount -t proc proc "$n/proc"; mount -t sysfs sys "$n/sys"; mount --bind /dev "$n/dev"
        mount --bind /dev/pts "$n/dev/pts"
    done
}
umount_nodes() {
    for n in "${nodes[@]}"; do
        for m in proc sys dev/pts dev; do umount -l "$n/$m" 2>/dev/null || true; done
    done
}
trap umount_nodes EXIT
mount_nodes
for run in 5 6; do
    ansible-playbook -i "$work/cluster.yml" "$work/cluster-play.yml" > "$work/run$run.log" 2>&1 \
        || die "run $run (cluster) failed: $(grep -E 'fatal|FAILED|ERROR' "$work/run$run.log" | head -5)"
    say "run $run (three hosts): $(grep -E '^node[0-9] +:' "$work/run$run.log" | tr -s ' ' | tr '\n' ';')"
done
[ "$(grep -E '^node[0-9] +:' "$work/run6.log" | grep -c 'changed=0 ')" = 3 ] \
    || die "the second cluster run changed something: $(grep -B3 '^changed:' "$work/run6.log" | head -20)"
grep -q 'retry_join = \["127.0.0.12", "127.0.0.13"\]' "${nodes[0]}/etc/consul.d/secmon.hcl" \
    || die "node0 does not join the others: $(grep -E 'bootstrap|retry' "${nodes[0]}/etc/consul.d/secmon.hcl")"
pids=()
for i in 0 1 2; do
    chroot "${nodes[$i]}" /usr/bin/consul agent -config-dir=/etc/consul.d -dns-port=-1 -grpc-port=-1 \
        > "$work/consul-node$i.log" 2>&1 &
    pids+=($!)
done
stop_cluster() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; \
    umount_nodes; }
trap stop_cluster EXIT
peers=""
for _ in $(seq 60); do
    peers=$(curl -s http://127.0.0.11:8500/v1/status/peers || true)
    leader=$(curl -s http://127.0.0.13:8500/v1/status/leader || true)
    [ "$(grep -o '127.0.0.1[123]:8300' <<< "$peers" | sort -u | wc -l)" = 3 ] && [[ $leader == *:8300* ]] && break
    sleep 1
done
[ "$(grep -o '127.0.0.1[123]:8300' <<< "$peers" | sort -u | wc -l)" = 3 ] \
    || die "no three-server cluster: peers $peers; $(tail -5 "$work/consul-node0.log")"
say "cluster: Raft peers $peers, leader $leader"
stop_cluster
trap - EXIT
say "PASS: consul, ems and console installed in a chroot; second run changed nothing; Consul denies by default, the EMS's token reaches secmon/ only; the consul role on three hosts forms one three-server cluster"
