#!/usr/bin/env bash
# Our OpenCL path next to PyTorch on CUDA, on one GPU in one sitting: SGEMM and whole models
# (inference and training step), printed as one table. Needs an OpenCL driver for the GPU and a
# PyTorch with CUDA for /usr/bin/python3 (or $PYTHON).
# Usage: bench/gpu_side_by_side.sh                        (builds the bench jar if needed)
#        DEVICE=opencl:NVIDIA MODELS=resnet20_128,resnet50_32 GEMMS=1024,4096 bench/gpu_side_by_side.sh
#        BENCH_CP='dir/*' bench/gpu_side_by_side.sh     (prebuilt jars, e.g. on a machine without Maven)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${BENCH_CP:-}" ]; then
  # shellcheck source=../scripts/jdk.sh
  source scripts/jdk.sh
  resnet4j_find_jdk
  resnet4j_need_maven
  echo "building the benchmarks..." >&2
  mvn -q -B -pl bench -am package -DskipTests >&2
  BENCH_CP="bench/target/resnet4j-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*"
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
PY="${PYTHON:-/usr/bin/python3}"
DEVICE="${DEVICE:-opencl}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
run_jmh() {
  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" \
    org.openjdk.jmh.Main -f 1 -wi 2 -w 2 -i 3 -r 3 ${JMH_ARGS:-} -p device="$DEVICE" -rf json -rff "$1" "${@:2}" >&2
}
echo "running JMH on $DEVICE (ours)..." >&2
run_jmh "$OUT/gemm.json" GemmBench -p shape="${GEMMS:-1024,4096}"
run_jmh "$OUT/model.json" ModelBench -p model="${MODELS:-resnet20_128,resnet50_32}"
"$PY" -c 'import json,sys; json.dump(sum((json.load(open(f)) for f in sys.argv[2:]), []), open(sys.argv[1], "w"))' \
  "$OUT/all.json" "$OUT/gemm.json" "$OUT/model.json"
echo "running PyTorch on CUDA..." >&2
"$PY" bench/gpu_side_by_side.py "$OUT/all.json"
