#!/bin/bash
# Real TLS and HTTP/1.1 on loopback, captured by tcpdump: openssl s_server and s_client (TLS 1.3 and 1.2, server
# names, ALPN), python's http.server and curl. Usage: traffic.sh OUT.pcap TLS_PORT HTTP_PORT
set -euo pipefail
out=$1 tls=$2 http=$3
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
python=/usr/bin/python3

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
    -subj /CN=secmon.test 2>/dev/null
tcpdump -i lo --immediate-mode -U -s 0 -w "$out" "tcp port $tls or tcp port $http" 2>"$work/tcpdump.log" &
pids+=($!)
openssl s_server -accept "127.0.0.1:$tls" -cert "$work/cert.pem" -key "$work/key.pem" -alpn h2,http/1.1 \
    -www -quiet >"$work/s_server.log" 2>&1 &
pids+=($!)
echo hello >"$work/index.html"
$python -m http.server --bind 127.0.0.1 --directory "$work" "$http" >"$work/http.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    if grep -q "listening on" "$work/tcpdump.log" && (exec 3<>"/dev/tcp/127.0.0.1/$tls") 2>/dev/null \
        && (exec 3<>"/dev/tcp/127.0.0.1/$http") 2>/dev/null; then
        break
    fi
    sleep 0.1
done

openssl s_client -connect "127.0.0.1:$tls" -servername www.secmon.test -alpn h2,http/1.1 -tls1_3 \
    </dev/null >/dev/null 2>&1
openssl s_client -connect "127.0.0.1:$tls" -servername legacy.secmon.test -alpn http/1.1 -tls1_2 \
    </dev/null >/dev/null 2>&1
openssl s_client -connect "127.0.0.1:$tls" -noservername -tls1_3 </dev/null >/dev/null 2>&1
curl -s -o /dev/null -H "Host: shop.secmon.test" -A "secmon-test/1.0" "http://127.0.0.1:$http/index.html"
curl -s -o /dev/null -X POST -d x=1 -H "Host: api.secmon.test:8080" "http://127.0.0.1:$http/"
sleep 0.5
kill -INT "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
