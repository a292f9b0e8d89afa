package org.resnet4j.ops.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.Optimizer;
import org.resnet4j.ops.optim.OptimizerState;
import org.resnet4j.ops.optim.SchedulerState;

/**
 * Everything a training run needs to continue bit for bit after a restart, in one safetensors file
 * written atomically:
 * <ul>
 *   <li>tensors {@code model.<state_dict key>}: parameters, buffers, counters (exact: F32, or F64 for a
 *       float64 model);</li>
 *   <li>tensors {@code optimizer.<param>.<slot>}: momentum buffers, Adam moments;</li>
 *   <li>metadata: epoch, step, the optimizer's type, hyperparameters (lr included) and counters, the
 *       scheduler's type, epoch and base lr, the global {@link RandomState} and any other random
 *       streams the caller names (e.g. the data shuffler's {@link org.resnet4j.core.Rng#state()}).</li>
 * </ul>
 * Numbers in the metadata are written with {@link Double#toString} / {@link Long#toString}, which
 * read back exactly.
 */
public final class TrainingCheckpoint {
    static final String FORMAT = "resnet4j.training-checkpoint.v1";
    private static final String MODEL = "model.", OPTIM = "optimizer.";

    private TrainingCheckpoint() {}

    /** What {@link #load} restores besides the model, optimizer and scheduler. */
    public record Progress(long epoch, long step, Map<String, Long> rngStates) {
        public Progress {
            rngStates = Collections.unmodifiableMap(new LinkedHashMap<>(rngStates));
        }

        /** The state of a caller's random stream saved under {@code name}; fails naming the saved streams. */
        public long rngState(String name) {
            Long v = rngStates.get(name);
            if (v == null) throw new IllegalArgumentException("no random stream '" + name + "' in the checkpoint; saved: " + rngStates.keySet());
            return v;
        }
    }

    /**
     * Saves atomically. {@code scheduler} may be null; {@code rngStates} names the caller's own random
     * streams (the global RandomState is always saved).
     */
    public static void save(Path file, Module model, Optimizer optimizer, LrScheduler scheduler, long epoch, long step,
                            Map<String, Long> rngStates) throws IOException {
        save(file, model, optimizer, scheduler, epoch, step, rngStates, Map.of());
    }

    /**
     * As above, plus the caller's own metadata (e.g. the best accuracy so far, a run description), read
     * back with {@code SafeTensors.read(file).metadata()}; its keys must not collide with the checkpoint's.
     */
    public static void save(Path file, Module model, Optimizer optimizer, LrScheduler scheduler, long epoch, long step,
                            Map<String, Long> rngStates, Map<String, String> extraMetadata) throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        StateDict.of(model, true).forEach((k, v) -> tensors.put(MODEL + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epoch", Long.toString(epoch));
        meta.put("step", Long.toString(step));
        meta.put("rng.global", Long.toString(RandomState.state()));
        for (var e : rngStates.entrySet()) {
            if (e.getKey().equals("global")) throw new IllegalArgumentException("the random stream name 'global' is reserved for RandomState");
            meta.put("rng." + e.getKey(), Long.toString(e.getValue()));
        }
        OptimizerState os = optimizer.state();
        meta.put("optimizer.type", os.type());
        os.hyperparameters().forEach((k, v) -> meta.put("optimizer.hyper." + k, Double.toString(v)));
        os.counters().forEach((k, v) -> meta.put("optimizer.counter." + k, Long.toString(v)));
        for (var e : os.tensors().entrySet()) tensors.put(OPTIM + e.getKey(), StateDict.stored(e.getValue(), true));
        if (scheduler != null) {
            SchedulerState ss = scheduler.state();
            meta.put("scheduler.type", ss.type());
            meta.put("scheduler.last_epoch", Integer.toString(ss.lastEpoch()));
            meta.put("scheduler.base_lr", Double.toString(ss.baseLr()));
        }
        for (var e : extraMetadata.entrySet()) {
            if (meta.containsKey(e.getKey())) throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved by the checkpoint");
            meta.put(e.getKey(), e.getValue());
        }
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * Restores model, optimizer, scheduler (may be null only if none was saved) and the global
     * RandomState; returns epoch, step and every saved random stream. The model and optimizer must be
     * built as they were for the saved run; any difference is an error naming it, and then nothing
     * (model, optimizer, scheduler, random state) has been changed.
     */
    public static Progress load(Path file, Module model, Optimizer optimizer, LrScheduler scheduler) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new SafeTensorsException(file, null, "not a resnet4j training checkpoint (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + "); load model weights with StateDict.load");
        }
        Map<String, StoredTensor> modelTensors = new LinkedHashMap<>();
        Map<String, Tensor> optimTensors = new LinkedHashMap<>();
        for (var e : c.tensors().entrySet()) {
            if (e.getKey().startsWith(MODEL)) {
                modelTensors.put(e.getKey().substring(MODEL.length()), e.getValue());
            } else if (e.getKey().startsWith(OPTIM)) {
                String key = e.getKey().substring(OPTIM.length());
                optimTensors.put(key, onParameterBackend(file, optimizer, key, e.getValue()));
            } else {
                throw new SafeTensorsException(file, e.getKey(), "unexpected tensor in a training checkpoint");
            }
        }
        String savedScheduler = meta.get("scheduler.type");
        if (scheduler == null && savedScheduler != null) {
            throw new IllegalArgumentException(file + " holds a " + savedScheduler + " scheduler state; pass the scheduler to restore it");
        }
        if (scheduler != null && savedScheduler == null) {
            throw new IllegalArgumentException(file + " holds no scheduler state but a " + scheduler.type() + " was given");
        }
        Map<String, Double> hyper = new LinkedHashMap<>();
        Map<String, Long> counters = new LinkedHashMap<>();
        Map<String, Long> rng = new LinkedHashMap<>();
        for (var e : meta.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("optimizer.hyper.")) hyper.put(k.substring("optimizer.hyper.".length()), parseDouble(file, k, e.getValue()));
            else if (k.startsWith("optimizer.counter.")) counters.put(k.substring("optimizer.counter.".length()), parseLong(file, k, e.getValue()));
            else if (k.startsWith("rng.")) rng.put(k.substring("rng.".length()), parseLong(file, k, e.getValue()));
        }
        if (!rng.containsKey("global")) throw new SafeTensorsException(file, null, "missing metadata rng.global");
        String type = require(file, meta, "optimizer.type");
        OptimizerState os = new OptimizerState(type, hyper, optimTensors, counters);

        SchedulerState ss = scheduler == null ? null : new SchedulerState(savedScheduler,
                parseInt(file, "scheduler.last_epoch", require(file, meta, "scheduler.last_epoch")),
                parseDouble(file, "scheduler.base_lr", require(file, meta, "scheduler.base_lr")));
        long epoch = parseLong(file, "epoch", require(file, meta, "epoch"));
        long step = parseLong(file, "step", require(file, meta, "step"));
        // every check before any change: a refused checkpoint leaves model, optimizer and scheduler as they were
        optimizer.checkState(os);
        if (scheduler != null) scheduler.checkState(ss);
        StateDict.load(model, modelTensors, StateDict.LoadOptions.STRICT, file.toString()); // checks all keys before copying
        optimizer.loadState(os);
        if (scheduler != null) scheduler.loadState(ss);
        RandomState.setState(rng.remove("global"));
        return new Progress(epoch, step, rng);
    }

    /** An optimizer slot {@code <param>.<slot>} goes to its parameter's backend, in that backend's precision. */
    private static Tensor onParameterBackend(Path file, Optimizer optimizer, String key, StoredTensor t) throws SafeTensorsException {
        int dot = key.lastIndexOf('.');
        var p = dot < 0 ? null : optimizer.parameters().get(key.substring(0, dot));
        if (p == null) {
            throw new SafeTensorsException(file, OPTIM + key, "optimizer state for a parameter this optimizer does not have");
        }
        var b = p.data().backend();
        return b.dtype() == org.resnet4j.core.DType.FLOAT64 ? b.fromDoubles(t.toDoubles(), t.shape()) : b.fromFloats(t.toFloats(), t.shape());
    }

    private static String require(Path file, Map<String, String> meta, String key) throws SafeTensorsException {
        String v = meta.get(key);
        if (v == null) throw new SafeTensorsException(file, null, "missing metadata " + key);
        return v;
    }

    private static long parseLong(Path file, String key, String v) throws SafeTensorsException {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = '" + v + "' is not an integer");
        }
    }

    private static int parseInt(Path file, String key, String v) throws SafeTensorsException {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = '" + v + "' is not an integer in the int range");
        }
    }

    private static double parseDouble(Path file, String key, String v) throws SafeTensorsException {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = '" + v + "' is not a number");
        }
    }
}
