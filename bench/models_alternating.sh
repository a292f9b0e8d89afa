#!/usr/bin/env bash
# Whole models, ours against PyTorch (2 threads), alternating: each round runs every case on both sides, every
# other round PyTorch first, each side in a fresh process (warm-up: three steps and at least WARMUP seconds, then the
# mean over SECONDS). The warm-up matters for ours: the JIT compiles the kernels over the first steps (ResNet-20's
# training step at N=128 needs about ten steps, 2 s, to reach its speed), and a short window otherwise times the
# compilation rather than the kernels; PyTorch gets the same warm-up.
# Prints per case the median images/s of each side and the median of the rounds' ratios with their range: on
# a host whose speed drifts between minutes, a ratio of two runs taken side by side, not minutes apart.
# Usage: bench/models_alternating.sh [ROUNDS] [SECONDS] [CASE...]   CASE = resnet20_128|resnet50_8:inference|train
#        bench/models_alternating.sh 5 5 resnet50_8:train
#        WARMUP=0 bench/models_alternating.sh 3 5      (WARMUP: seconds of warm-up per run, default 10)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source scripts/jdk.sh
resnet4j_build_tools
resnet4j_reference_python torch torchvision
ROUNDS="${1:-5}"
SECONDS_PER_RUN="${2:-5}"
WARMUP="${WARMUP:-10}"
shift $(( $# < 2 ? $# : 2 ))
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(resnet20_128:inference resnet20_128:train resnet50_8:inference resnet50_8:train)
for c in "${CASES[@]}"; do
  [[ "$c" =~ ^(resnet20_128|resnet50_8):(inference|train)$ ]] || {
    echo "models_alternating: a case is resnet20_128|resnet50_8:inference|train, got '$c'" >&2; exit 2; }
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "models_alternating: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
[[ "$WARMUP" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "models_alternating: WARMUP must be seconds (a number >= 0), got '$WARMUP'" >&2; exit 2; }

JAR=bench/target/resnet4j-bench-0.1.0-SNAPSHOT.jar
echo "building the benchmarks..." >&2
mvn -q -B -pl bench -am package -DskipTests >&2
ours() {
  # shellcheck disable=SC2086  # RESNET4J_GC_OPTS is a list of options
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $RESNET4J_GC_OPTS -Xmx8g \
    -cp "$JAR:bench/target/lib/*" org.resnet4j.bench.ModelThroughput "$1" "$2" "$SECONDS_PER_RUN" "$WARMUP" 2>/dev/null
}
theirs() {
  OMP_NUM_THREADS=2 "$PY" bench/side_by_side.py --model "$1" "$2" "$SECONDS_PER_RUN" "$WARMUP"
}
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CASES[@]}"; do
    model="${c%%:*}" mode="${c##*:}"
    if (( r % 2 )); then o=$(ours "$model" "$mode"); t=$(theirs "$model" "$mode")
    else t=$(theirs "$model" "$mode"); o=$(ours "$model" "$mode"); fi
    echo "$c $o $t" >> "$RESULTS"
    echo "round $r: $c ours $o, PyTorch $t img/s" >&2
  done
done
"$PY" - "$RESULTS" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    case, ours, theirs = line.split()
    rows.setdefault(case, []).append((float(ours), float(theirs)))
print("%-24s %12s %12s %8s  %s" % ("case", "ours img/s", "PyTorch", "ratio", "rounds' range"))
for case, pairs in rows.items():
    ratios = [o / t for o, t in pairs]
    print("%-24s %12.2f %12.2f %7.2fx  %.2f-%.2f (%d rounds)" % (case, statistics.median(o for o, _ in pairs),
          statistics.median(t for _, t in pairs), statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
PYEOF
