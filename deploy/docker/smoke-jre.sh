#!/usr/bin/env bash
# Links the Java runtime of deploy/docker/Dockerfile with a local JDK 17 (jlink, the module list
# of the Dockerfile's JLINK_MODULES) and runs the node jar on it through the launcher, outside a
# container: mTLS between node processes and the SQLite store (`sluice demo mesh`), a CSV read
# through DuckDB (`sluice dataset add`) and the container health check (`sluice node health`).
# It checks the module list and the native libraries on this machine's glibc; it does not build
# or run the image.
#
# Needs the jar (./sluice builds it on first use) and a JDK 17 with jmods (JDK_HOME, else the
# jlink on PATH). SMOKE_HEALTH_PORT (default 18081) must be free on loopback.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/connector-node/target/sluice.jar"
JLINK="${JDK_HOME:+$JDK_HOME/bin/}jlink"
PORT="${SMOKE_HEALTH_PORT:-18081}"

[ -f "$JAR" ] || { echo "smoke-jre: no $JAR; build it first (e.g. ./sluice --version)" >&2; exit 1; }
modules="$(sed -n 's/^ARG JLINK_MODULES=//p' "$ROOT/deploy/docker/Dockerfile")"
[ -n "$modules" ] || { echo "smoke-jre: no ARG JLINK_MODULES in the Dockerfile" >&2; exit 1; }

work="$(mktemp -d)"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then kill "$node_pid"; wait "$node_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== jlink $modules"
"$JLINK" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$work/jre"
export JAVA_HOME="$work/jre" SLUICE_SKIP_BUILD=1
sluice() { "$ROOT/sluice" "$@"; }

echo "== sluice demo mesh (mTLS between three node processes, SQLite stores)"
sluice demo mesh --dir "$work/space" >"$work/mesh.log" 2>&1 || { cat "$work/mesh.log"; exit 1; }
grep -q "revoked participant was refused" "$work/mesh.log" || { cat "$work/mesh.log"; exit 1; }

echo "== sluice node start with health.listen 127.0.0.1:$PORT"
cd "$work/space/fund"
sed -i 's/^listen: .*/listen: "127.0.0.1:0"/' node.yaml
printf 'health:\n  listen: "127.0.0.1:%s"\n' "$PORT" >>node.yaml
# not through the shell function: $! must be the launcher, which execs java with the same pid
"$ROOT/sluice" node start --config node.yaml >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 60); do
  if sluice node health --address "127.0.0.1:$PORT" --timeout 1s >/dev/null 2>&1; then break; fi
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 1
done
echo "   $(sluice node health --address "127.0.0.1:$PORT")"

echo "== sluice dataset add (DuckDB reads a CSV)"
printf 'person_id,amount\np1,10\np2,20\n' >claims.csv
sluice dataset add --config node.yaml --id claims --source claims.csv \
  --policy "$ROOT/deploy/policies/claims-matching-offer.json"

echo "== SIGTERM"
kill "$node_pid"
wait "$node_pid"
node_pid=""
if sluice node health --address "127.0.0.1:$PORT" >/dev/null 2>&1; then
  echo "smoke-jre: the health port still answers after the node stopped" >&2
  exit 1
fi
echo "smoke-jre: OK with modules $modules"
