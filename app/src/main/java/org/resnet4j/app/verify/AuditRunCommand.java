package org.resnet4j.app.verify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.app.commands.ArchitectureOptions;
import org.resnet4j.ops.models.ArchitectureMetadata;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.verify.AuditReport;
import org.resnet4j.verify.CheckResult;
import org.resnet4j.verify.Compare;
import org.resnet4j.verify.Comparison;
import org.resnet4j.verify.Float32Rounding;
import org.resnet4j.verify.ReferenceBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resnet4j audit-run}: one forward (and, with labels, the loss and one backward) of a model on
 * tensors an auditor brings, e.g. exported from PyTorch, writing every result under torchvision's names
 * so any outside tool can compare them: {@code logits}, {@code loss}, {@code input.grad},
 * {@code <param>.grad} for every parameter, and the state after the pass ({@code <bn>.running_mean},
 * {@code running_var}, {@code num_batches_tracked}). {@code --double} runs the float64 oracle.
 */
@Command(name = "audit-run", mixinStandardHelpOptions = true,
        description = {"Run one forward (and with --labels, the loss and a backward) of a model on your own tensors and write "
                + "logits, loss, the gradient of the input and of every parameter, and the BN running statistics after the pass, "
                + "under torchvision's names, to a safetensors file."})
public final class AuditRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "A model name, e.g. resnet18 (see 'resnet4j summary --list').")
    String model;

    @Option(names = "--weights", required = true, paramLabel = "W.safetensors",
            description = "The model's state_dict under torchvision's names (F32 or F64); every key must match.")
    Path weights;

    @Option(names = "--input", required = true, paramLabel = "X.safetensors",
            description = "The input batch (N, C, H, W): the file's only tensor, or the one named 'input'.")
    Path input;

    @Option(names = "--labels", paramLabel = "L.safetensors",
            description = "Class indices (N) as integers or floats: adds the cross-entropy loss and a backward pass.")
    Path labels;

    @Option(names = "--out", required = true, paramLabel = "Y.safetensors", description = "Where to write the results (atomically).")
    Path out;

    @Option(names = "--train", description = "Training mode (BatchNorm uses batch statistics and updates its running ones); default eval.")
    boolean train;

    @Option(names = "--double", description = "Run the float64 oracle (plain loops, slow) instead of the fast float32 CPU backend.")
    boolean dbl;

    @CommandLine.Mixin
    ArchitectureOptions arch;

    @Option(names = "--reference", paramLabel = "R.safetensors",
            description = {"PyTorch's float64 results under the same names (logits, loss, input.grad, <param>.grad, ...): compare each "
                    + "result with it and print the error, a conditioning estimate and the verdict (exit 1 on a failure).",
                    "The estimate runs the float64 oracle twice (plainly and rounding every layer to float32): slow for big models."})
    Path reference;

    @Option(names = "--json", paramLabel = "FILE", description = "With --reference: also write the comparison as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "With --reference: also write the comparison as Markdown.")
    Path markdown;

    /** Normwise bounds of a whole network against PyTorch float64 (as verify's goldens): float32, float64 oracle. */
    static final double F32_BOUND = 1e-4, F64_BOUND = 1e-11;

    private AuditReport report;

    @Override
    public Integer call() throws Exception {
        Backend be = dbl ? ReferenceBackend.get() : CpuBackend.get();
        if (!ModelZoo.names().contains(model)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown model '" + model + "'; known models: " + ModelZoo.names());
        }
        SafeTensors.Contents w = read(weights, "--weights");
        ModelOptions opts = arch.over(ModelOptions.defaults());
        if (w.tensors().containsKey("fc.weight")) opts = opts.numClasses(w.tensors().get("fc.weight").shape()[0]);
        Module m = arch.build(model, opts);
        ArchitectureMetadata.check(w.metadata(), model, opts, weights.toString());
        String assumed = ArchitectureMetadata.assumption(w.metadata(), model, opts, weights.toString());
        if (assumed != null) spec.commandLine().getErr().println("note: " + assumed);
        StoredTensor xt = single(read(input, "--input"), input, "input");
        if (xt.shape().length != 4) {
            throw new IllegalArgumentException("--input " + input + ": expected a batch (N, C, H, W) but got " + Shape.str(xt.shape()));
        }
        StoredTensor lt = null;
        if (labels != null) {
            lt = single(read(labels, "--labels"), labels, "labels");
            if (lt.shape().length != 1 || lt.shape()[0] != xt.shape()[0]) {
                throw new IllegalArgumentException("--labels " + labels + ": expected " + xt.shape()[0] + " class indices, shape ("
                        + xt.shape()[0] + ",), but got " + Shape.str(lt.shape()));
            }
        }
        SafeTensors.Contents ref = reference != null ? read(reference, "--reference") : null;
        Map<String, StoredTensor> results = pass(m, be, w, xt, lt, null);
        if (ref != null) compare(results, ref, opts, w, xt, lt);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model);
        meta.put("backend", be.name());
        meta.put("mode", train ? "train" : "eval");
        meta.putAll(ArchitectureMetadata.of(model, opts, m));
        if (assumed != null) meta.put("assumed", assumed);
        SafeTensors.write(out, results, meta);
        spec.commandLine().getErr().println("wrote " + results.size() + " tensors (" + be.name() + ", " + (train ? "train" : "eval")
                + " mode) to " + out);
        return report == null || report.passed() ? 0 : 1;
    }

    /** One forward (and with labels, loss and backward) of {@code m} on {@code be}; with {@code hook} attached when not null. */
    private Map<String, StoredTensor> pass(Module m, Backend be, SafeTensors.Contents w, StoredTensor xt, StoredTensor lt,
                                           org.resnet4j.ops.ModuleHook hook) {
        m.to(be);
        StateDict.load(m, w.tensors(), StateDict.LoadOptions.STRICT, weights.toString());
        if (train) m.train();
        else m.eval();
        if (hook != null) m.addHook(hook);
        Tensor x = be.fromDoubles(xt.toDoubles(), xt.shape());
        Tensor logits = m.forward(x);
        Map<String, StoredTensor> results = new LinkedHashMap<>();
        results.put("logits", stored(logits));
        if (lt != null) {
            CrossEntropyLoss ce = new CrossEntropyLoss();
            double loss = ce.forward(logits, be.fromDoubles(lt.toDoubles(), x.dim(0)));
            m.zeroGrad();
            Tensor dx = m.backward(ce.backward());
            results.put("loss", be.dtype() == DType.FLOAT64 ? StoredTensor.ofDoubles(new double[] {loss}) : StoredTensor.ofFloats(new float[] {(float) loss}));
            results.put("input.grad", stored(dx));
            for (var e : m.namedParameters().entrySet()) {
                if (e.getValue().hasGrad()) results.put(e.getKey() + ".grad", stored(e.getValue().grad()));
            }
        }
        for (var e : m.namedBuffers().entrySet()) results.put(e.getKey(), stored(e.getValue().data()));
        for (var e : m.namedCounters().entrySet()) results.put(e.getKey(), StoredTensor.scalarLong(e.getValue().get()));
        if (hook != null) m.removeHook(hook);
        return results;
    }

    /**
     * Every result the reference also holds, against it, with a conditioning estimate next to each error: the
     * float64 oracle run twice, plainly and with every layer's output and input gradient rounded to float32
     * ({@link Float32Rounding}); their normwise difference is what rounding alone costs a float32 run here.
     */
    private void compare(Map<String, StoredTensor> results, SafeTensors.Contents ref, ModelOptions opts, SafeTensors.Contents w,
                         StoredTensor xt, StoredTensor lt) throws java.io.IOException {
        spec.commandLine().getErr().println("estimating the conditioning: two float64 oracle runs ...");
        Map<String, StoredTensor> exact = pass(arch.build(model, opts), ReferenceBackend.get(), w, xt, lt, null);
        Map<String, StoredTensor> rounded = pass(arch.build(model, opts), ReferenceBackend.get(), w, xt, lt, new Float32Rounding());
        double bound = dbl ? F64_BOUND : F32_BOUND;
        List<CheckResult> rows = new ArrayList<>();
        for (var e : results.entrySet()) {
            StoredTensor want = ref.tensors().get(e.getKey());
            if (want == null || !want.dtype().isFloatingPoint()) continue;
            double cond = Compare.normwise(rounded.get(e.getKey()).toDoubles(), exact.get(e.getKey()).toDoubles());
            double tol = dbl ? bound : CheckResult.tolerance(bound, cond);
            Comparison c = Compare.normwise(e.getKey(), e.getValue().shape(), e.getValue().toDoubles(), want.toDoubles(), tol);
            rows.add(CheckResult.of(model, mode(), "vs-reference " + e.getKey(), c).withConditioning(cond));
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("--reference " + reference + " holds none of the results' names (logits, loss, input.grad, "
                    + "<param>.grad, ...): nothing to compare");
        }
        report = AuditReport.of(rows);
        spec.commandLine().getErr().print(report.table());
        if (json != null) AuditReport.writeAtomically(json, report.json());
        if (markdown != null) AuditReport.writeAtomically(markdown, report.markdown());
    }

    private String mode() {
        return train ? "train" : "eval";
    }

    private static StoredTensor stored(Tensor t) {
        return t.dtype() == DType.FLOAT64 ? StoredTensor.ofDoubles(t.toDoubles(), t.shape()) : StoredTensor.ofFloats(t.toFloats(), t.shape());
    }

    private static SafeTensors.Contents read(Path file, String option) throws java.io.IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file; give a .safetensors file (e.g. written with "
                    + "safetensors.torch.save_file)");
        }
        return SafeTensors.read(file);
    }

    /** The file's only tensor, or the one called {@code preferred}. */
    private static StoredTensor single(SafeTensors.Contents c, Path file, String preferred) {
        if (c.tensors().containsKey(preferred)) return c.tensors().get(preferred);
        if (c.tensors().size() == 1) return c.tensors().values().iterator().next();
        throw new IllegalArgumentException(file + " holds " + c.tensors().size() + " tensors " + c.tensors().keySet()
                + "; expected exactly one, or one named '" + preferred + "'");
    }
}
