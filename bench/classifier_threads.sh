#!/usr/bin/env bash
# One shared Classifier (ResNet-18, 64x64, one image per call) called from 1, 2 and 4 threads: ClassifierThreadsBench
# under JMH's -t N, in rounds, each round running every thread count once in a fresh JVM. Prints per thread count
# the median predictions/s and the median of the rounds' ratios to one thread with their range: on a host whose
# speed drifts between minutes, a ratio of runs taken side by side, not minutes apart.
# Usage: bench/classifier_threads.sh [ROUNDS] [KERNEL_THREADS]
#   KERNEL_THREADS: -Dresnet4j.threads for the CPU kernels (default: every core)
#        bench/classifier_threads.sh 3 1
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source scripts/jdk.sh
resnet4j_build_tools
ROUNDS="${1:-3}"
KERNEL_THREADS="${2:-}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "classifier_threads: ROUNDS must be a positive integer, got '$ROUNDS'" >&2; exit 2; }
[[ -z "$KERNEL_THREADS" || "$KERNEL_THREADS" =~ ^[1-9][0-9]*$ ]] || {
  echo "classifier_threads: KERNEL_THREADS must be a positive integer, got '$KERNEL_THREADS'" >&2; exit 2; }

JAR=bench/target/resnet4j-bench-0.1.0-SNAPSHOT.jar
echo "building the benchmarks..." >&2
mvn -q -B -pl bench -am package -DskipTests >&2
run() {
  local extra=()
  # a -jvmArgsAppend given here replaces the @Fork one, so it repeats that one's flags (without them: the scalar path)
  [ -z "$KERNEL_THREADS" ] || extra=(-jvmArgsAppend
    "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g -Dresnet4j.threads=$KERNEL_THREADS")
  "$JAVA_HOME/bin/java" -cp "$JAR:bench/target/lib/*" org.openjdk.jmh.Main ClassifierThreadsBench -t "$1" \
    -wi 2 -w 3 -i 3 -r 4 "${extra[@]}" 2>/dev/null | awk '/^ClassifierThreadsBench.predict/ {print $(NF-3)}'
}
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  line="$r"
  for t in 1 2 4; do
    score=$(run "$t")
    line="$line $score"
    echo "round $r: $t thread(s) $score predictions/s (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
  done
  echo "$line" >> "$RESULTS"
done
python3 - "$RESULTS" "${KERNEL_THREADS:-every core}" <<'PYEOF'
import statistics, sys
rows = [list(map(float, line.split()[1:])) for line in open(sys.argv[1])]
print("kernel threads: %s; %d rounds" % (sys.argv[2], len(rows)))
print("%-8s %14s %10s  %s" % ("callers", "predictions/s", "vs 1", "rounds' range"))
for i, t in enumerate((1, 2, 4)):
    ratios = [row[i] / row[0] for row in rows]
    print("%-8d %14.1f %9.2fx  %.2f-%.2f" % (t, statistics.median(row[i] for row in rows), statistics.median(ratios),
                                             min(ratios), max(ratios)))
PYEOF
