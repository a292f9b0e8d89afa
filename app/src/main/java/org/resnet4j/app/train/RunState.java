package org.resnet4j.app.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.TrainingCheckpoint;
import org.resnet4j.ops.optim.LrScheduler;
import org.resnet4j.ops.optim.Optimizer;

/**
 * {@code checkpoint.safetensors}: a {@link TrainingCheckpoint} (model, optimizer, scheduler, epoch,
 * step, the global random stream) plus what the trainer adds: the data loader's shuffle and
 * augmentation streams, the best test accuracy so far, and the run description ({@code info.*}) that
 * eval and predict read. Written atomically.
 */
public final class RunState {
    private RunState() {}

    /** The trainer's part of the state; {@code info} holds the run description. */
    public record Position(int epoch, long step, long shuffleRng, long augmentRng, double bestAccuracy, int bestEpoch,
                           Map<String, String> info) {}

    public static void save(Path file, Module model, Optimizer optimizer, LrScheduler scheduler, Position pos) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>(pos.info());
        extra.put("train.best_accuracy", Double.toString(pos.bestAccuracy()));
        extra.put("train.best_epoch", Integer.toString(pos.bestEpoch()));
        // a fixed order (Map.of's changes from one JVM to the next): the same state gives the same bytes in every process
        Map<String, Long> streams = new LinkedHashMap<>();
        streams.put("shuffle", pos.shuffleRng());
        streams.put("augment", pos.augmentRng());
        TrainingCheckpoint.save(file, model, optimizer, scheduler, pos.epoch(), pos.step(), streams, extra);
    }

    /** Restores model, optimizer, scheduler and the global random stream from {@code file}; returns the rest. */
    public static Position load(Path file, Module model, Optimizer optimizer, LrScheduler scheduler) throws IOException {
        TrainingCheckpoint.Progress p = TrainingCheckpoint.load(file, model, optimizer, scheduler);
        Map<String, String> meta = SafeTensors.read(file).metadata();
        String best = meta.get("train.best_accuracy"), bestEpoch = meta.get("train.best_epoch");
        if (best == null || bestEpoch == null) {
            throw new IllegalArgumentException(file + ": a training checkpoint, but not one written by 'train' (no train.best_accuracy)");
        }
        return new Position(Math.toIntExact(p.epoch()), p.step(), p.rngState("shuffle"), p.rngState("augment"),
                Double.parseDouble(best), Integer.parseInt(bestEpoch), info(file));
    }

    /** The run description ({@code info.*} metadata) of a checkpoint or weights file. */
    public static Map<String, String> info(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : SafeTensors.read(file).metadata().entrySet()) {
            if (e.getKey().startsWith("info.")) out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
