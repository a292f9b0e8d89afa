package org.resnet4j.app.commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.app.train.Trainer;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;

/** Loads weights saved by {@code train} (or a training checkpoint) into a freshly built model, for eval and predict. */
public final class Checkpoints {
    private Checkpoints() {}

    public record Loaded(Module model, RunInfo info) {}

    /** A run folder means its best.safetensors. */
    public static Path resolve(Path p) {
        if (Files.isDirectory(p)) {
            Path best = p.resolve("best.safetensors");
            return Files.isRegularFile(best) ? best : p.resolve("last.safetensors");
        }
        return p;
    }

    /** {@code fallback} supplies the run description when the file has none (e.g. weights exported from PyTorch). */
    public static Loaded load(Path file, String modelOverride, RunInfo fallback) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no weights file at " + file);
        SafeTensors.Contents c = SafeTensors.read(file);
        RunInfo info = RunInfo.fromMetadata(c.metadata(), file);
        if (info == null) info = fallback;
        if (info == null) {
            throw new IllegalArgumentException(file + " carries no run description (model, input size, normalization); "
                    + "give --model, and --data so the normalization can be computed");
        }
        String name = modelOverride != null ? modelOverride : info.model();
        Module model;
        try {
            model = Models.create(name, info.inChannels(), info.numClasses());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        Map<String, StoredTensor> tensors = c.tensors();
        if (c.metadata().containsKey("format") && c.metadata().get("format").startsWith("resnet4j.training-checkpoint")) {
            Map<String, StoredTensor> m = new LinkedHashMap<>();
            for (var e : tensors.entrySet()) if (e.getKey().startsWith("model.")) m.put(e.getKey().substring(6), e.getValue());
            tensors = m;
        }
        StateDict.LoadReport rep;
        try {
            rep = StateDict.load(model, tensors, StateDict.LoadOptions.STRICT, file.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " does not fit model " + name + " (" + info.inChannels() + " input channels, "
                    + info.numClasses() + " classes); give the --model it was trained as. " + e.getMessage(), e);
        }
        if (!rep.isComplete()) throw new IllegalArgumentException(file + " does not fit model " + name + ":" + rep.describeProblems());
        model.eval();
        return new Loaded(model, info);
    }

    static String checkpointName() {
        return Trainer.CHECKPOINT;
    }
}
