package org.resnet4j.app.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.OptimizerState;

/**
 * {@code checkpoint.safetensors}: everything a resumed run needs to continue bit-identically. Tensors:
 * the model's state dict under {@code model.*} and the optimizer's buffers under {@code optimizer.*};
 * metadata: epoch and step reached, the scheduler's position, the three random streams (shuffling,
 * augmentation, the global stream used by init and dropout), the optimizer's settings and counters,
 * the best test accuracy so far, and the run's description (model, data, normalization) for eval and
 * predict. Written atomically.
 */
public final class RunState {
    public static final String FORMAT = "resnet4j-training-checkpoint/1";

    /** The scalar part of the state; {@code info} holds the run description (model name, normalization, ...). */
    public record Position(int epoch, long step, int schedulerStep, long shuffleRng, long augmentRng, long globalRng,
                           double bestAccuracy, int bestEpoch, Map<String, String> info) {}

    private RunState() {}

    public static void save(Path file, Module model, Optimizer optimizer, Position pos) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (var e : StateDict.of(model).entrySet()) tensors.put("model." + e.getKey(), e.getValue());
        OptimizerState os = optimizer.state();
        for (var e : os.tensors().entrySet()) {
            Tensor t = e.getValue();
            tensors.put("optimizer." + e.getKey(), StoredTensor.ofFloats(t.toFloats(), t.shape()));
        }
        Map<String, String> meta = new LinkedHashMap<>(pos.info());
        meta.put("format", FORMAT);
        meta.put("epoch", Integer.toString(pos.epoch()));
        meta.put("step", Long.toString(pos.step()));
        meta.put("scheduler_step", Integer.toString(pos.schedulerStep()));
        meta.put("rng.shuffle", Long.toString(pos.shuffleRng()));
        meta.put("rng.augment", Long.toString(pos.augmentRng()));
        meta.put("rng.global", Long.toString(pos.globalRng()));
        meta.put("best_accuracy", Double.toString(pos.bestAccuracy()));
        meta.put("best_epoch", Integer.toString(pos.bestEpoch()));
        meta.put("optimizer.type", os.type());
        // doubles as their exact bit patterns: the optimizer checks its settings with Double.compare
        for (var e : os.hyperparameters().entrySet()) meta.put("optimizer.hyper." + e.getKey(), Long.toHexString(Double.doubleToLongBits(e.getValue())));
        for (var e : os.counters().entrySet()) meta.put("optimizer.counter." + e.getKey(), Long.toString(e.getValue()));
        SafeTensors.write(file, tensors, meta);
    }

    /** Restores the model and optimizer from {@code file} and returns the rest. */
    public static Position load(Path file, Module model, Optimizer optimizer) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IllegalArgumentException(file + ": expected a training checkpoint (format " + FORMAT + ") but found "
                    + (meta.get("format") == null ? "a file without one (weights only? use it with eval/predict, not --resume)" : meta.get("format")));
        }
        Map<String, StoredTensor> modelPart = new LinkedHashMap<>();
        Map<String, Tensor> optPart = new LinkedHashMap<>();
        for (var e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("model.")) modelPart.put(k.substring(6), e.getValue());
            else if (k.startsWith("optimizer.")) {
                StoredTensor st = e.getValue();
                optPart.put(k.substring(10), CpuBackend.get().fromFloats(st.toFloats(), st.shape()));
            }
        }
        StateDict.LoadReport report = StateDict.load(model, modelPart, StateDict.LoadOptions.STRICT, file.toString());
        if (!report.isComplete()) {
            throw new IllegalArgumentException(file + " does not fit the model being resumed:" + report.describeProblems());
        }
        Map<String, Double> hyper = new LinkedHashMap<>();
        Map<String, Long> counters = new LinkedHashMap<>();
        Map<String, String> info = new LinkedHashMap<>();
        for (var e : meta.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("optimizer.hyper.")) hyper.put(k.substring(16), Double.longBitsToDouble(Long.parseUnsignedLong(e.getValue(), 16)));
            else if (k.startsWith("optimizer.counter.")) counters.put(k.substring(18), Long.parseLong(e.getValue()));
            else if (k.startsWith("info.")) info.put(k, e.getValue());
        }
        optimizer.loadState(new OptimizerState(require(meta, "optimizer.type", file), hyper, optPart, counters));
        return new Position(Integer.parseInt(require(meta, "epoch", file)), Long.parseLong(require(meta, "step", file)),
                Integer.parseInt(require(meta, "scheduler_step", file)), Long.parseLong(require(meta, "rng.shuffle", file)),
                Long.parseLong(require(meta, "rng.augment", file)), Long.parseLong(require(meta, "rng.global", file)),
                Double.parseDouble(require(meta, "best_accuracy", file)), Integer.parseInt(require(meta, "best_epoch", file)), info);
    }

    /** The run description ({@code info.*} metadata) of a checkpoint or weights file, without loading tensors into a model. */
    public static Map<String, String> info(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : SafeTensors.read(file).metadata().entrySet()) {
            if (e.getKey().startsWith("info.")) out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static String require(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": training checkpoint lacks '" + key + "'");
        return v;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
