#!/bin/bash
# Validate every SecMon Heat template with Heat's own engine (heat/validate.py), then prove the validation bites:
# copies of the templates with one mistake each (a wrong property, a bad get_resource, a bad get_attr, an unknown
# resource type, a parameter outside its constraints, a mistake in a nested template) must be refused with the
# expected message. Needs Debian's python3-heat and python3-heatclient. Takes about 30 s.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3 # Debian's Heat lives in the system python, not in a pyenv/virtualenv one
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; failures=$((failures + 1)); }
validate() { (cd "$1" && timeout 120 $py "$here/validate.py" "${@:2}" 2>&1); }
env=(-e environments/secmon.yaml -e environments/example.yaml)
appliance_params=(-e environments/secmon.yaml -P image=secmon-appliance -P flavor=m1.medium -P key_name=ops
    -P management_network=mgmt -P mirror_network=mirror -P security_group=sg -P ems_url=https://10.20.0.5:8443
    -P enrollment_token=an-enrollment-token-0123456789 -P scope=tenant-a -P mirrored_ports=web-1,db-1)

echo "valid templates:"
for t in "secmon.yaml ${env[*]}" "secmon-ha.yaml ${env[*]}" "secmon-ha.yaml ${env[*]} -P ems_servers=5" \
         "appliance.yaml ${appliance_params[*]}" \
         "appliance.yaml ${appliance_params[*]} -P mirror_backend=tap_mirror -P dedup_ms=20" \
         "tap-flow.yaml -P tap_service=ts -P ports=a,b -P index=1"; do
    out=$(validate "$here" $t)
    [[ $out == valid* ]] && ok "$out" || bad "$t: $out"
done

# mutate FILE SED-EXPRESSION EXPECTED-MESSAGE-REGEX DESCRIPTION [TEMPLATE ARGS...]: a copy with one mistake
mutate() {
    local file=$1 expr=$2 expect=$3 what=$4; shift 4
    rm -rf "$work/t" && cp -r "$here" "$work/t"
    sed -i "$expr" "$work/t/$file"
    cmp -s "$here/$file" "$work/t/$file" && { bad "$what: the mutation changed nothing in $file"; return; }
    local out; out=$(validate "$work/t" "$@")
    if [[ $out == INVALID* ]] && [[ $out =~ $expect ]]; then ok "$what: ${out:0:150}"; else bad "$what: got: $out"; fi
}
echo "refused mistakes:"
mutate secmon.yaml 's/      scaling_adjustment: 1$/      scaling_adjustmnt: 1/' "Unknown Property scaling_adjustmnt" \
    "wrong property" secmon.yaml "${env[@]}"
mutate secmon.yaml 's/auto_scaling_group_id: {get_resource: appliances}/auto_scaling_group_id: {get_resource: appliancez}/' \
    'reference "appliancez"' "bad get_resource" secmon.yaml "${env[@]}"
mutate secmon.yaml 's/{get_attr: \[ems_floating_ip, floating_ip_address\]}/{get_attr: [ems_floating_ip, floating_address]}/' \
    "Referenced Attribute \(ems_floating_ip floating_address\)" "bad get_attr" secmon.yaml "${env[@]}"
mutate secmon.yaml 's/type: OS::Neutron::FloatingIP/type: OS::Neutron::FloatingIp/' \
    "Resource Type \(OS::Neutron::FloatingIp\) could not be found" "unknown resource type" secmon.yaml "${env[@]}"
mutate environments/example.yaml 's/appliance_count: 2/appliance_count: 99/' "appliance_count.*1 to 50" \
    "parameter out of range" secmon.yaml "${env[@]}"
mutate appliance.yaml 's/      port_security_enabled: false/      port_security: false/' \
    "appliance.yaml.*Unknown Property port_security" "wrong property in the nested appliance" secmon.yaml "${env[@]}"
mutate appliance.yaml 's/port: {get_resource: mirror_port}/port: {get_resource: mirror_prt}/' \
    'reference "mirror_prt"' "bad get_resource in the nested appliance" secmon.yaml "${env[@]}"
mutate appliance.yaml 's/{get_attr: \[mirror_port, mac_address\]}/{get_attr: [mirror_port, mac]}/' \
    "Referenced Attribute \(mirror_port mac\)" "bad get_attr in the nested appliance" secmon.yaml "${env[@]}"
mutate tap-flow.yaml 's/type: OS::Neutron::TaaS::TapFlow/type: OS::Neutron::TaaS::TapFlows/' \
    "OS::Neutron::TaaS::TapFlows" "unknown type two levels down (tap flow)" secmon.yaml "${env[@]}"
mutate appliance.yaml 's/allowed_values: \[tap_service, tap_mirror\]/allowed_values: [tap_service]/' \
    "mirror_backend.*tap_service" "the OVN backend refused when not allowed" appliance.yaml "${appliance_params[@]}" \
    -P mirror_backend=tap_mirror
mutate ems-server.yaml 's/      protocol_port: 8443$/      protocol_prt: 8443/' "Unknown Property protocol_prt" \
    "HA: wrong property in the nested EMS server (its pool member)" secmon-ha.yaml "${env[@]}"
mutate secmon-ha.yaml 's/policies: \[anti-affinity\]/policies: [anti-afinity]/' "anti-afinity" \
    "HA: a server group policy Nova does not know" secmon-ha.yaml "${env[@]}"
mutate secmon-ha.yaml 's/loadbalancer: {get_resource: ems_lb}/loadbalancer: {get_resource: ems_lbb}/' \
    'reference "ems_lbb"' "HA: listener on a load balancer that is not there" secmon-ha.yaml "${env[@]}"
mutate environments/example.yaml 's/appliance_count: 2/appliance_count: 2\n  ems_servers: 4/' "ems_servers.*3 or 5" \
    "HA: an even number of Consul servers refused" secmon-ha.yaml "${env[@]}"
mutate environments/secmon.yaml 's#../appliance.yaml#../appliances.yaml#' "appliances.yaml" \
    "registry pointing at a missing template" secmon.yaml "${env[@]}"

if [ $failures -gt 0 ]; then
    echo "heat: $failures check(s) FAILED"
    exit 1
fi
echo "heat: all templates valid, all mistakes refused"
