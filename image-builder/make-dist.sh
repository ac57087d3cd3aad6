#!/bin/bash
# Assemble the appliance's /opt/secmon: the agent's jars, the plugins, a jlink-built Java runtime with only the
# modules the agent needs, and bin/secmon-agent. Used by build.sh (and by the Ansible appliance role).
#
#   image-builder/make-dist.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
dist=${1:?usage: make-dist.sh DIR}
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$jdk/bin/jlink" ] || { echo "[dist] error: no jlink in $jdk (set JAVA_HOME to a JDK >= 25)" >&2; exit 1; }
echo "[dist] building the agent"
JAVA_HOME=$jdk "$repo/secmon" build >/dev/null
lib=$repo/appliance/agent/target
[ -f "$lib/classpath.txt" ] || { echo "[dist] error: $lib/classpath.txt missing after the build" >&2; exit 1; }
rm -rf "$dist"
mkdir -p "$dist/lib" "$dist/plugins" "$dist/bin"
cp "$lib/secmon-agent.jar" "$dist/lib/"
tr ':' '\n' < "$lib/classpath.txt" | while read -r j; do [ -n "$j" ] && cp "$j" "$dist/lib/"; done
cp "$lib"/plugins/*.jar "$dist/plugins/"
# the modules the jars use (jdeps), plus the logging and unsupported modules libraries reach reflectively
modules=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 -q \
    --class-path "$dist/lib/*" "$dist/lib/secmon-agent.jar" "$dist"/plugins/*.jar)
modules=$modules,java.logging,jdk.unsupported,jdk.crypto.ec,jdk.zipfs
echo "[dist] jlink runtime: $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
    --output "$dist/runtime"
cat > "$dist/bin/secmon-agent" <<'SH'
#!/bin/bash
# The SecMon appliance agent. Arguments: those in /etc/secmon/agent.args (one per line, written by secmon-init),
# then the ones given here.
home=$(dirname "$(dirname "$(readlink -f "$0")")")
args=()
if [ -f /etc/secmon/agent.args ]; then
    mapfile -t args < <(grep -v '^$' /etc/secmon/agent.args)
fi
exec "$home/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC ${SECMON_JAVA_OPTS:-} \
    -Dsecmon.plugins.dir="$home/plugins" -cp "$home/lib/*" org.secmon.agent.AgentCommand "${args[@]}" "$@"
SH
chmod 755 "$dist/bin/secmon-agent"
git -C "$repo" describe --always --dirty > "$dist/VERSION" 2>/dev/null || echo unknown > "$dist/VERSION"
echo "[dist] $dist: $(du -sh "$dist" | cut -f1) (runtime $(du -sh "$dist/runtime" | cut -f1))"
