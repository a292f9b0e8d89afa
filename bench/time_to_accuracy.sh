#!/usr/bin/env bash
# Time to accuracy, the users' figure: runs `./resnet4j train` (the main job: the default recipe, or the options
# given) and then PyTorch on the same recipe, read back from the run's checkpoint (epochs, batch, lr, momentum,
# weight decay, schedule, warm-up, label smoothing, augmentation, test-time flip, seed, data), on the same 2
# threads; prints per epoch each side's wall time since training started (evaluation included) and test accuracy,
# the time each first reached TARGET, and each whole process's wall time.
# Usage: bench/time_to_accuracy.sh [TARGET] [train options...]      e.g. bench/time_to_accuracy.sh 0.93 --epochs 4
# The PyTorch side replays CIFAR ResNet-20 with SGD and a cosine or constant schedule (bench/time_to_accuracy.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source scripts/jdk.sh
resnet4j_build_tools
resnet4j_reference_python torch numpy
TARGET=0.93
if [[ "${1:-}" =~ ^0?\.[0-9]+$ ]]; then TARGET="$1"; shift; fi
OUT="$(mktemp -d /tmp/time_to_accuracy.XXXXXX)"
echo "time_to_accuracy: output in $OUT (target $TARGET)" >&2

start=$(date +%s%N)
./resnet4j train --out "$OUT/ours" "$@" | tee "$OUT/ours.log" >&2
ours_wall=$(( ($(date +%s%N) - start) / 1000000 ))

mapfile -t TORCH_ARGS < <("$PY" - "$OUT/ours/checkpoint.safetensors" <<'PYEOF'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    meta = json.loads(f.read(n)).get("__metadata__", {})
run = {k[len("info.run."):]: v for k, v in meta.items() if k.startswith("info.run.")}
if meta.get("info.model") != "resnet20" or run.get("optimizer") != "sgd" or run.get("schedule") not in ("cosine", "none"):
    sys.exit("time_to_accuracy: the PyTorch side replays resnet20 with SGD and a cosine or constant schedule; this run used "
             "%s, %s, %s" % (meta.get("info.model"), run.get("optimizer"), run.get("schedule")))
args = ["--data", run["data"], "--epochs", run["epochs"], "--batch-size", run["batch_size"], "--lr", run["lr"],
        "--momentum", run["momentum"], "--weight-decay", run["weight_decay"], "--schedule", run["schedule"],
        "--warmup", run["warmup"], "--label-smoothing", run["label_smoothing"], "--seed", run["seed"]]
if run.get("limit"):
    sys.exit("time_to_accuracy: the run used --limit; the PyTorch side trains on the whole data set")
if run["nesterov"] == "true": args.append("--nesterov")
if run["augment"] != "true": args.append("--no-augment")
if run.get("eval_flip") == "true": args.append("--eval-flip")
print("\n".join(args))
PYEOF
)
echo "PyTorch: bench/time_to_accuracy.py ${TORCH_ARGS[*]}" >&2
start=$(date +%s%N)
OMP_NUM_THREADS=2 "$PY" bench/time_to_accuracy.py --threads 2 "${TORCH_ARGS[@]}" | tee "$OUT/torch.log" >&2
torch_wall=$(( ($(date +%s%N) - start) / 1000000 ))

"$PY" - "$OUT/ours/metrics.csv" "$OUT/torch.log" "$TARGET" "$ours_wall" "$torch_wall" <<'PYEOF'
import csv, sys
metrics, torch_log, target = sys.argv[1], sys.argv[2], float(sys.argv[3])
ours_wall, torch_wall = float(sys.argv[4]) / 1000, float(sys.argv[5]) / 1000  # milliseconds
ours = [(int(r["epoch"]), float(r["elapsed_s"]), float(r["test_acc"])) for r in csv.DictReader(open(metrics)) if r["kind"] == "epoch"]
theirs = []
for line in open(torch_log):
    f = line.split()
    theirs.append((int(f[1]), float(f[3]), float(f[5])))
print("%5s  %10s %9s  %10s %9s" % ("epoch", "ours s", "acc", "PyTorch s", "acc"))
for i in range(max(len(ours), len(theirs))):
    o = ours[i] if i < len(ours) else None
    t = theirs[i] if i < len(theirs) else None
    print("%5d  %10s %9s  %10s %9s" % (i + 1, "%.1f" % o[1] if o else "-", "%.2f%%" % (100 * o[2]) if o else "-",
                                        "%.1f" % t[1] if t else "-", "%.2f%%" % (100 * t[2]) if t else "-"))
def reached(rows):
    return next(((e, s) for e, s, a in rows if a >= target), None)
ro, rt = reached(ours), reached(theirs)
say = lambda r: "epoch %d, %.1f s (%.1f min)" % (r[0], r[1], r[1] / 60) if r else "not reached"
print("time to %.2f%%: ours %s; PyTorch %s" % (100 * target, say(ro), say(rt)))
if ro and rt:
    print("ratio (PyTorch's time / ours): %.2fx" % (rt[1] / ro[1]))
print("whole process, start to exit: ours %.1f s (%.1f min), PyTorch %.1f s (%.1f min)" % (ours_wall, ours_wall / 60, torch_wall, torch_wall / 60))
per_ours, per_theirs = ours[-1][1] / len(ours), theirs[-1][1] / len(theirs)
print("time per epoch, evaluation included: ours %.1f s, PyTorch %.1f s; throughput ratio (ours / PyTorch's) %.2fx"
      % (per_ours, per_theirs, per_theirs / per_ours))
PYEOF
