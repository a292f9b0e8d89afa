package org.resnet4j.ops.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Counter;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;

/**
 * A model's state as PyTorch's {@code state_dict()} holds it: every parameter and float buffer as F32
 * and every counter ({@code num_batches_tracked}) as a 0-dimensional I64, under torchvision's dotted
 * names and in PyTorch's order (per module: parameters, then buffers; modules in registration order).
 *
 * <p>A file saved here loads in PyTorch with
 * {@code model.load_state_dict({k: v for k, v in read(file)})}; a PyTorch {@code state_dict} written
 * as safetensors loads here. F16, BF16 and F64 inputs are converted to the model's element type.
 */
public final class StateDict {
    private StateDict() {}

    /** How strictly to match the file's keys against the model's. */
    public record LoadOptions(boolean strict, boolean skipFc) {
        /** Every key must match in name and shape, or nothing is loaded (PyTorch's strict=True). */
        public static final LoadOptions STRICT = new LoadOptions(true, false);
        /** Load what matches, report the rest. */
        public static final LoadOptions LENIENT = new LoadOptions(false, false);
        /** Fine-tuning: ignore {@code fc.*} on both sides (the model keeps its own classifier); everything else strict. */
        public static final LoadOptions SKIP_FC = new LoadOptions(true, true);
    }

    /** What a load did: keys loaded, model keys the file lacks, file keys the model lacks, shape or type mismatches, skipped. */
    public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
                             List<String> mismatched, List<String> skipped) {
        public boolean isComplete() {
            return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
        }

        /** Every problem on its own line, for error messages and logs. */
        public String describeProblems() {
            StringBuilder sb = new StringBuilder();
            if (!missing.isEmpty()) sb.append("\n  missing keys (in the model, not in the file): ").append(String.join(", ", missing));
            if (!unexpected.isEmpty()) sb.append("\n  unexpected keys (in the file, not in the model): ").append(String.join(", ", unexpected));
            for (String m : mismatched) sb.append("\n  mismatch: ").append(m);
            return sb.toString();
        }

        @Override
        public String toString() {
            return "loaded " + loaded.size() + " tensors, skipped " + skipped.size() + describeProblems();
        }
    }

    /** Strict loading failed: names every missing key, unexpected key and mismatch at once; the model is unchanged. */
    public static final class MismatchException extends IllegalArgumentException {
        private final transient LoadReport report;

        MismatchException(String source, LoadReport report) {
            super("cannot load " + source + " strictly:" + report.describeProblems() + hint(report)
                    + "\nTo load what matches and ignore the rest, load with strict=false; to fine-tune with a different"
                    + " number of classes, skip fc.* (LoadOptions.SKIP_FC).");
            this.report = report;
        }

        public LoadReport report() {
            return report;
        }

        /** The usual cause when every file key carries a prefix the model's keys lack. */
        private static String hint(LoadReport r) {
            if (r.unexpected().isEmpty() || !r.unexpected().stream().allMatch(k -> k.startsWith("module."))) return "";
            return "\nEvery unexpected key starts with 'module.': the state_dict was saved from nn.DataParallel or"
                    + " DistributedDataParallel; save model.module.state_dict() instead, or strip the prefix.";
        }
    }

    /** One state entry of a model: exactly one of the three is set. */
    private record Slot(Parameter param, Buffer buffer, Counter counter) {
        Tensor tensor() {
            return param != null ? param.data() : buffer != null ? buffer.data() : null;
        }

        int[] shape() {
            return counter != null ? new int[0] : tensor().shape();
        }
    }

    /** The model's state entries in PyTorch's state_dict order. */
    private static Map<String, Slot> slots(Module model) {
        Map<String, Map<String, Slot>> byModule = new LinkedHashMap<>();
        for (String path : model.namedModules().keySet()) byModule.put(path, new LinkedHashMap<>());
        model.namedParameters().forEach((k, p) -> byModule.get(owner(k)).put(k, new Slot(p, null, null)));
        model.namedBuffers().forEach((k, b) -> byModule.get(owner(k)).put(k, new Slot(null, b, null)));
        model.namedCounters().forEach((k, c) -> byModule.get(owner(k)).put(k, new Slot(null, null, c)));
        Map<String, Slot> out = new LinkedHashMap<>();
        byModule.values().forEach(out::putAll);
        return out;
    }

    private static String owner(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? "" : key.substring(0, dot);
    }

    // ------------------------------------------------------------------ saving

    /** The model's state as stored tensors (F32 values, I64 counters), in PyTorch's order. */
    public static Map<String, StoredTensor> of(Module model) {
        return of(model, false);
    }

    /**
     * As {@link #of(Module)}; with {@code exact}, a float64 model (the verify oracle) is stored as F64 so
     * a training checkpoint restores it bit for bit (F32, PyTorch's usual type, otherwise).
     */
    static Map<String, StoredTensor> of(Module model, boolean exact) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (var e : slots(model).entrySet()) {
            Slot s = e.getValue();
            out.put(e.getKey(), s.counter != null ? StoredTensor.scalarLong(s.counter.get()) : stored(s.tensor(), exact));
        }
        return out;
    }

    static StoredTensor stored(Tensor t, boolean exact) {
        return exact && t.dtype() == DType.FLOAT64 ? StoredTensor.ofDoubles(t.toDoubles(), t.shape())
                : StoredTensor.ofFloats(t.toFloats(), t.shape());
    }

    /** Copies stored values into an existing tensor on its backend (converted to its element type). */
    static void copyInto(StoredTensor t, Tensor dst) {
        Backend b = dst.backend();
        Tensor src = b.dtype() == DType.FLOAT64 ? b.fromDoubles(t.toDoubles(), dst.shape()) : b.fromFloats(t.toFloats(), dst.shape());
        b.copy(src, dst);
    }

    /** Saves the model's state atomically, with {@code {"format": "pt"}} metadata as Hugging Face's PyTorch files have. */
    public static void save(Module model, Path file) throws IOException {
        save(model, file, Map.of());
    }

    public static void save(Module model, Path file, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(extraMetadata);
        SafeTensors.write(file, of(model), meta);
    }

    // ------------------------------------------------------------------ loading

    /** Strict load (PyTorch's default): throws {@link MismatchException} listing every problem; the model is unchanged then. */
    public static LoadReport load(Module model, Path file) throws IOException {
        return load(model, file, LoadOptions.STRICT);
    }

    public static LoadReport load(Module model, Path file, boolean strict) throws IOException {
        return load(model, file, strict ? LoadOptions.STRICT : LoadOptions.LENIENT);
    }

    public static LoadReport load(Module model, Path file, LoadOptions options) throws IOException {
        return load(model, SafeTensors.read(file).tensors(), options, file.toString());
    }

    /** Loads from tensors already read ({@code source} names them in messages). */
    public static LoadReport load(Module model, Map<String, StoredTensor> tensors, LoadOptions options, String source) {
        Map<String, Slot> slots = slots(model);
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, StoredTensor> toLoad = new LinkedHashMap<>();
        for (var e : slots.entrySet()) {
            String key = e.getKey();
            if (options.skipFc() && isFc(key)) continue;
            StoredTensor t = tensors.get(key);
            if (t == null) {
                missing.add(key);
                continue;
            }
            String problem = compatibility(e.getValue(), t);
            if (problem != null) mismatched.add(key + ": " + problem);
            else toLoad.put(key, t);
        }
        for (String key : tensors.keySet()) {
            if (options.skipFc() && isFc(key)) skipped.add(key);
            else if (!slots.containsKey(key)) unexpected.add(key);
        }
        LoadReport report = new LoadReport(loaded, missing, unexpected, mismatched, skipped);
        if (options.strict() && !report.isComplete()) throw new MismatchException(source, report);
        for (var e : toLoad.entrySet()) {
            assign(slots.get(e.getKey()), e.getValue());
            loaded.add(e.getKey());
        }
        return new LoadReport(List.copyOf(loaded), List.copyOf(missing), List.copyOf(unexpected),
                List.copyOf(mismatched), List.copyOf(skipped));
    }

    private static boolean isFc(String key) {
        return key.startsWith("fc.");
    }

    private static String compatibility(Slot slot, StoredTensor t) {
        if (slot.counter != null) {
            if (t.dtype().isFloatingPoint() || t.numel() != 1) {
                return "expected a single integer (I64) but the file has " + t.dtype() + Shape.str(t.shape());
            }
            return null;
        }
        if (!t.dtype().isFloatingPoint()) {
            return "expected floating-point values but the file has " + t.dtype();
        }
        if (!java.util.Arrays.equals(slot.shape(), t.shape())) {
            return "shape in file " + Shape.str(t.shape()) + " but the model has " + Shape.str(slot.shape());
        }
        return null;
    }

    private static void assign(Slot slot, StoredTensor t) {
        if (slot.counter != null) {
            slot.counter.set(t.toLongs()[0]);
            return;
        }
        copyInto(t, slot.tensor());
    }
}
