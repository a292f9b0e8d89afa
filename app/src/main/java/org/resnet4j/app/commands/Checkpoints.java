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
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Loads weights saved by {@code train} (or a training checkpoint) into a freshly built model, for eval and predict. */
public final class Checkpoints {
    private Checkpoints() {}

    /** {@code assumption}: what the file could not say about its architecture and was assumed (null when nothing was). */
    public record Loaded(Module model, RunInfo info, String assumption) {}

    /** A run folder means its best.safetensors. */
    public static Path resolve(Path p) {
        if (Files.isDirectory(p)) {
            Path best = p.resolve("best.safetensors");
            return Files.isRegularFile(best) ? best : p.resolve("last.safetensors");
        }
        return p;
    }

    /** {@link #load(Path, String, RunInfo, ArchitectureOptions)} with the architecture the file records (or the default). */
    public static Loaded load(Path file, String modelOverride, RunInfo fallback) throws IOException {
        return load(file, modelOverride, fallback, new ArchitectureOptions());
    }

    /**
     * {@code fallback} supplies the run description when the file has none (e.g. weights exported from PyTorch).
     * The architecture options are the file's record ({@link ArchitectureMetadata}) with those given in
     * {@code arch} put over it; a record that contradicts them is refused.
     */
    public static Loaded load(Path file, String modelOverride, RunInfo fallback, ArchitectureOptions arch) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no weights file at " + file);
        SafeTensors.Contents c = SafeTensors.read(file);
        RunInfo info = RunInfo.fromMetadata(c.metadata(), file);
        if (info == null) info = fallback;
        if (info == null) {
            throw new IllegalArgumentException(file + " carries no run description (model, input size, normalization); "
                    + "give --model, and --data so the normalization can be computed");
        }
        String name = modelOverride != null ? modelOverride : info.model();
        if (!ModelZoo.names().contains(name)) {
            throw new IllegalArgumentException(file + ": unknown model '" + name + "': expected one of " + String.join(", ", ModelZoo.names()));
        }
        ArchitectureMetadata.Recorded recorded = ArchitectureMetadata.read(c.metadata(), file.toString());
        ModelOptions base = recorded != null && recorded.model().equals(ModelZoo.canonicalName(name)) ? recorded.options() : ModelOptions.defaults();
        ModelOptions options = arch.over(base).numClasses(info.numClasses()).inChannels(info.inChannels());
        Module model;
        try {
            ArchitectureMetadata.check(c.metadata(), name, options, file.toString());
            CheckpointSize.check(file, c.tensors().values(), name, options);
            // options given on the command line make a build failure a usage error; the file's own record cannot
            model = arch.given() ? arch.build(name, options) : ModelZoo.create(name, options);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) throw e;
            throw new IllegalArgumentException(file + ": model " + name + " cannot be built as its metadata describes it ("
                    + e.getMessage() + "); the architecture record (" + ArchitectureMetadata.PREFIX + "*) or run description (info.*) "
                    + "is damaged, or give the architecture options it was trained with", e);
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
        return new Loaded(model, info, ArchitectureMetadata.assumption(c.metadata(), name, options, file.toString()));
    }

    static String checkpointName() {
        return Trainer.CHECKPOINT;
    }
}
