#!/usr/bin/env bash
# Side by side: our JMH benchmarks, then the same cases through numpy/OpenBLAS and PyTorch (2 threads),
# in the same sitting, printed as one table (case, ours, theirs, ratio). About 12 minutes.
# Usage: bench/side_by_side.sh            (from anywhere; builds the bench jar if needed)
#        bench/side_by_side.sh sgemm      (the SGEMM rows only, against numpy/OpenBLAS: about two minutes)
#        JMH_ARGS="-i 5" bench/side_by_side.sh   (extra JMH options)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source scripts/jdk.sh
resnet4j_build_tools
resnet4j_reference_python numpy torch

ONLY="${1:-all}"
[[ "$ONLY" == all || "$ONLY" == sgemm ]] || { echo "side_by_side: the one argument is 'sgemm' (the GEMM rows only), got '$ONLY'" >&2; exit 2; }
JAR=bench/target/resnet4j-bench-0.1.0-SNAPSHOT.jar
echo "building the benchmarks..." >&2
mvn -q -B -pl bench -am package -DskipTests >&2

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
# short settings so the whole comparison stays near ten minutes; every case forks one fresh JVM
JMH_SETTINGS=(-f 1 -wi 3 -w 1 -i 5 -r 1)
run_jmh() {
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$JAR:bench/target/lib/*" org.openjdk.jmh.Main "${JMH_SETTINGS[@]}" ${JMH_ARGS:-} \
    -rf json -rff "$1" "${@:2}" >&2
}
echo "running JMH (ours)..." >&2
run_jmh "$OUT/gemm.json" 'GemmBench' -p shape=256,512,1024,2048
if [ "$ONLY" = sgemm ]; then
  echo "running numpy/OpenBLAS (2 threads)..." >&2
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
    "$PY" bench/side_by_side.py "$OUT/gemm.json" numpy
  exit 0
fi
# forward and forwardBackward (the side-by-side has no per-gradient rows)
run_jmh "$OUT/conv.json" 'ConvBench.forward'
run_jmh "$OUT/bn.json" 'BatchNormBench'
run_jmh "$OUT/model.json" 'ModelBench'
"$PY" - "$OUT" <<'PYEOF'
import json, sys, os
d = sys.argv[1]
runs = []
for f in ("gemm.json", "conv.json", "bn.json", "model.json"):
    with open(os.path.join(d, f)) as fh:
        runs += json.load(fh)
with open(os.path.join(d, "all.json"), "w") as fh:
    json.dump(runs, fh)
PYEOF

echo "running numpy/OpenBLAS and PyTorch (2 threads)..." >&2
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine for old OpenBLAS builds; they slow a
# current one down, so they are unset for the reference run only (the script prints the core it used).
# The PyTorch half runs in the same process afterwards with the same environment.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
  "$PY" bench/side_by_side.py "$OUT/all.json"

echo "peak resident memory, ResNet-50 training N=8 224x224, 3 steps (/usr/bin/time)..." >&2
peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
train_steps=(-cp "$JAR:bench/target/lib/*" org.resnet4j.bench.TrainSteps resnet50 8 224 3)
java_cmd=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
ours_default_kb=$(peak_kb "${java_cmd[@]}" "${train_steps[@]}")
# shellcheck disable=SC2086  # RESNET4J_GC_OPTS is a list of options
ours_launcher_kb=$(peak_kb "${java_cmd[@]}" $RESNET4J_GC_OPTS "${train_steps[@]}")
theirs_kb=$(OMP_NUM_THREADS=2 peak_kb "$PY" -c '
import torch, torchvision
torch.set_num_threads(2)
m = torchvision.models.resnet50(); m.train()
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
x = torch.randn(8, 3, 224, 224); y = torch.arange(8) % 10
for _ in range(3):
    opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
')
"$PY" - "$ours_launcher_kb" "$ours_default_kb" "$theirs_kb" "$RESNET4J_GC_OPTS" <<'PYEOF'
import sys
launcher, default, theirs, opts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for case, ours in (("peak RSS resnet50 train N=8", launcher), ("  same, JVM defaults (G1)", default)):
    print("%-34s %9.2f GB %9.2f GB  %-15s %6.2fx  (memory: lower is better, ours/theirs)" % (case, ours / 2**20, theirs / 2**20, "PyTorch", ours / theirs))
print("(ours as ./resnet4j runs it: %s; the second line without it)" % opts)
PYEOF
