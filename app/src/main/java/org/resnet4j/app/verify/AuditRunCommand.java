package org.resnet4j.app.verify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        m.to(be);
        StateDict.load(m, w.tensors(), StateDict.LoadOptions.STRICT, weights.toString());
        if (train) m.train();
        else m.eval();

        StoredTensor xt = single(read(input, "--input"), input, "input");
        Tensor x = be.fromDoubles(xt.toDoubles(), xt.shape());
        if (x.rank() != 4) throw new IllegalArgumentException("--input " + input + ": expected a batch (N, C, H, W) but got " + Shape.str(x.shape()));
        Tensor logits = m.forward(x);
        Map<String, StoredTensor> results = new LinkedHashMap<>();
        results.put("logits", stored(logits));
        if (labels != null) {
            StoredTensor lt = single(read(labels, "--labels"), labels, "labels");
            if (lt.shape().length != 1 || lt.shape()[0] != x.dim(0)) {
                throw new IllegalArgumentException("--labels " + labels + ": expected " + x.dim(0) + " class indices, shape ("
                        + x.dim(0) + ",), but got " + Shape.str(lt.shape()));
            }
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
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", model);
        meta.put("backend", be.name());
        meta.put("mode", train ? "train" : "eval");
        meta.putAll(ArchitectureMetadata.of(model, opts, m));
        if (assumed != null) meta.put("assumed", assumed);
        SafeTensors.write(out, results, meta);
        spec.commandLine().getErr().println("wrote " + results.size() + " tensors (" + be.name() + ", " + (train ? "train" : "eval")
                + " mode) to " + out);
        return 0;
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
