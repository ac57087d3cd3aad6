#!/usr/bin/env bash
# Builds libsecmon_dpdk.so, the tiny C shim over DPDK's inline fast-path functions, into $1.
# Without DPDK development files this prints why and builds nothing: the data plane then uses the pure-Java
# capture source and the DPDK tests report themselves skipped.
set -eu -o pipefail
out=${1:?output directory}
src=$(cd "$(dirname "$0")" && pwd)/secmon_dpdk.c
if ! command -v gcc >/dev/null 2>&1; then
    echo "[secmon] gcc not found: DPDK shim not built (DPDK source unavailable)"
    exit 0
fi
if ! pkg-config --exists libdpdk 2>/dev/null; then
    echo "[secmon] libdpdk not found by pkg-config: DPDK shim not built (install libdpdk-dev to enable DPDK)"
    exit 0
fi
mkdir -p "$out"
lib=$out/libsecmon_dpdk.so
if [ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "$0" ]; then
    exit 0
fi
# shellcheck disable=SC2046
gcc -O3 -fPIC -shared -Wall -Wextra -Werror -o "$lib.tmp" "$src" \
    $(pkg-config --cflags libdpdk) -Wl,-z,now -Wl,--no-as-needed -lrte_bus_vdev $(pkg-config --libs libdpdk)
mv "$lib.tmp" "$lib"
echo "[secmon] built $lib against DPDK $(pkg-config --modversion libdpdk)"
