#!/usr/bin/env bash
# Two builds side by side: the working tree against a git revision (default HEAD), each in a JVM of its own kept
# alive for the run, whole-model steps alternating, median ratio of each pair. About a minute per case.
# TWOBUILDS_JVM: extra JVM options for both sides (e.g. TWOBUILDS_JVM=-Dresnet4j.conv.clweight=never).
# Usage: bench/two_builds.sh [REV] [PAIRS] [CASE...]
#        bench/two_builds.sh HEAD~1 11 resnet50,8,224,infer resnet20,128,32,train
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source scripts/jdk.sh
resnet4j_build_tools
REV="${1:-HEAD}"
PAIRS="${2:-11}"
shift $(( $# < 2 ? $# : 2 ))
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(resnet50,8,224,infer resnet50,8,224,train resnet20,128,32,infer resnet20,128,32,train)
git rev-parse --verify -q "$REV^{commit}" >/dev/null || { echo "two_builds: '$REV' is not a commit of this repository" >&2; exit 2; }

WORK="$(mktemp -d)"
cleanup() { git worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
echo "building $REV and the working tree..." >&2
git worktree add -q --detach "$WORK/base" "$REV"
(cd "$WORK/base" && mvn -q -B -pl core,ops -am compile >&2)
mvn -q -B -pl bench -am package -DskipTests >&2
probe() { # $1 = build root, $2 = output folder
  mkdir -p "$2"
  "$JAVA_HOME/bin/javac" -nowarn -d "$2" -cp "$1/core/target/classes:$1/ops/target/classes" bench/ab/ModelProbe.java
  echo "$1/core/target/classes:$1/ops/target/classes:$2"
}
BASE_CP="$(probe "$WORK/base" "$WORK/probe-base")"
NEW_CP="$(probe "$ROOT" "$WORK/probe-new")"
"$JAVA_HOME/bin/java" -Dtwobuilds.jvm="${TWOBUILDS_JVM:-}" -cp "bench/target/resnet4j-bench-0.1.0-SNAPSHOT.jar" \
  org.resnet4j.bench.TwoBuilds "$BASE_CP" "$NEW_CP" "$PAIRS" "${CASES[@]}" 2>&1 | grep -v '^WARNING: Using incubator'
