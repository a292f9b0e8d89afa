package org.resnet4j.app.commands;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.hooks.LayerProfiler;
import org.resnet4j.ops.hooks.LayerProfiler.Row;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a step's time goes: runs a zoo model on random input (training steps: forward, cross-entropy, backward,
 * SGD; or inference), timing every module ({@link LayerProfiler}), and prints the time per kind of layer, then
 * the layers that took longest, with each convolution's and linear layer's forward GFLOP/s.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times every layer of a model over a few steps on random input and prints where the time goes: "
                + "per kind of layer (convolutions by kernel and stride, batch norm, ReLU, the blocks' own sums), "
                + "then the slowest layers, forward and backward, with GFLOP/s.",
                "Example: resnet4j profile --model resnet50 --input-shape 8,3,224,224 --steps 3"})
public final class ProfileCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "a model of the zoo (default ${DEFAULT-VALUE})") String model = "resnet20";
    @Option(names = "--input-shape", paramLabel = "N,C,H,W", split = ",",
            description = "input batch (default: 8,3,224,224 for ImageNet layouts, 128,3,32,32 otherwise)") int[] inputShape;
    @Option(names = "--inference", description = "eval-mode forward passes only (default: training steps)") boolean inference;
    @Option(names = "--steps", paramLabel = "N", description = "profiled steps (default ${DEFAULT-VALUE})") int steps = 3;
    @Option(names = "--warmup", paramLabel = "N", description = "unprofiled steps first, for the JIT (default ${DEFAULT-VALUE})") int warmup = 10;
    @Option(names = "--top", paramLabel = "N", description = "slowest layers listed (default ${DEFAULT-VALUE}; 0: every layer in order)") int top = 15;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu (default) or opencl[:N|:NAME]") String device = "cpu";
    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores)") Integer threads;
    @CommandLine.Mixin ArchitectureOptions arch;

    @Override
    public Integer call() {
        int[] shape = Models.checkedInputShape(spec, model, inputShape, defaultShape(model));
        if (steps < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1, got " + steps);
        if (warmup < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must be >= 0, got " + warmup);
        if (top < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--top must be >= 0, got " + top);
        if (threads != null && threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        }
        int previousThreads = Parallel.threads();
        if (threads != null) Parallel.setThreads(threads);
        try {
            profile(shape);
        } finally {
            Parallel.setThreads(previousThreads); // (an embedding JVM keeps its own setting)
        }
        return 0;
    }

    private void profile(int[] shape) {
        Backend backend = Devices.select(device);
        Module net = arch.build(model, arch.over(org.resnet4j.ops.models.ModelOptions.defaults().inChannels(shape[1]))).to(backend);
        Step step = new Step(net, backend, shape, !inference);

        LayerProfiler profiler = new LayerProfiler();
        net.addHook(profiler);
        profiler.setEnabled(false);
        for (int i = 0; i < warmup; i++) step.run();
        profiler.setEnabled(true);
        step.optimizerNanos = 0;
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) step.run();
        long wall = System.nanoTime() - start;
        net.removeHook(profiler);

        print(System.out, profiler.rows(), wall, step.optimizerNanos, shape);
        if (inference) printFused(System.out, step, shape);
    }

    /**
     * The timed layers ran one by one (a hooked layer is never fused); what predict and eval run is the same forward
     * under InferenceMode, each convolution fused with the batch norm, sum and ReLU after it. Its time, for comparison.
     */
    private void printFused(PrintStream out, Step step, int[] shape) {
        step.fused = true;
        step.run();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) step.run();
        double perStep = (System.nanoTime() - start) / 1e6 / steps;
        out.println();
        out.printf(Locale.ROOT, "Under InferenceMode (what predict and eval run), with %d of %d convolutions fused with the batch norm, sum"
                + " and ReLU after them, which timing each layer keeps apart: %.1f ms per step, %.1f images/s%n",
                step.fusedConvolutions / (steps + 1), step.convolutions, perStep, shape[0] * 1000.0 / perStep);
    }

    /** One training step (forward, loss, backward, SGD) or one inference forward, on the same random batch. */
    private static final class Step {
        final Module net;
        final Backend backend;
        final boolean train;
        final Tensor x, labels;
        final CrossEntropyLoss loss = new CrossEntropyLoss();
        final SGD sgd;
        long optimizerNanos;
        boolean fused;                 // inference under InferenceMode (no profiler attached)
        int fusedConvolutions;
        final int convolutions;

        Step(Module net, Backend backend, int[] shape, boolean train) {
            this.net = net;
            this.convolutions = (int) net.namedModules().values().stream().filter(m -> m instanceof Conv2d).count();
            this.backend = backend;
            this.train = train;
            Random r = new Random(42);
            float[] data = new float[shape[0] * shape[1] * shape[2] * shape[3]];
            for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
            x = backend.fromFloats(data, shape);
            float[] y = new float[shape[0]];
            for (int i = 0; i < y.length; i++) y[i] = i % 10;
            labels = backend.fromFloats(y, shape[0]);
            sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
            if (train) net.train();
            else net.eval();
        }

        void run() {
            if (fused) {
                try (InferenceMode mode = InferenceMode.enter()) {
                    net.forward(x);
                    backend.finish();
                    fusedConvolutions += mode.fusedConvolutions();
                }
                return;
            }
            if (!train) {
                net.forward(x);
                backend.finish();
                return;
            }
            long t0 = System.nanoTime();
            sgd.zeroGrad();
            long t1 = System.nanoTime();
            loss.forward(net.forward(x), labels);
            net.backwardParameters(loss.backward());
            backend.finish();
            long t3 = System.nanoTime();
            sgd.step();
            backend.finish();
            long t4 = System.nanoTime();
            // the model's passes (t1..t3, less the loss) are timed by the profiler, module by module
            optimizerNanos += (t1 - t0) + (t4 - t3);
        }
    }

    private static String ms(long nanos, int steps) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6 / steps);
    }

    private void print(PrintStream out, List<Row> rows, long wall, long optimizerNanos, int[] shape) {
        long modelNanos = rows.stream().mapToLong(Row::selfNanos).sum();
        double perStep = wall / 1e6 / steps;
        out.printf(Locale.ROOT, "%s, input %s, %s on %s, %d thread%s: %.1f ms per step, %.1f images/s (%d profiled steps after %d warm-up)%n",
                model, Shape.str(shape), inference ? "inference" : "training steps", device, Parallel.threads(), Parallel.threads() == 1 ? "" : "s", perStep,
                shape[0] * 1000.0 / perStep, steps, warmup);
        out.println();

        Map<String, long[]> kinds = new LinkedHashMap<>(); // kind -> {forward self, backward self, layers, multAdds}
        for (Row r : rows) {
            long[] k = kinds.computeIfAbsent(r.kind(), x -> new long[4]);
            k[0] += r.selfForwardNanos();
            k[1] += r.selfBackwardNanos();
            k[2]++;
            k[3] += r.multAdds();
        }
        List<Map.Entry<String, long[]>> byTime = new ArrayList<>(kinds.entrySet());
        byTime.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0] + e.getValue()[1]).reversed());
        List<String[]> cells = new ArrayList<>();
        for (var e : byTime) {
            long[] k = e.getValue();
            cells.add(new String[] {e.getKey(), Long.toString(k[2]), ms(k[0], steps), inference ? "--" : ms(k[1], steps),
                    pct(k[0] + k[1], wall), gflops(k[3], k[0])});
        }
        if (!inference) {
            cells.add(new String[] {"zero_grad + SGD step (not a module)", "--", "--", ms(optimizerNanos, steps), pct(optimizerNanos, wall), "--"});
        }
        long rest = wall - modelNanos - optimizerNanos;
        cells.add(new String[] {"loss and the rest (not a module)", "--", "--", "--", pct(rest, wall), "--"});
        out.print(table(new String[] {"Kind", "Layers", "Fwd ms", "Bwd ms", "% of step", "Fwd GFLOP/s"}, cells));
        out.println();

        List<Row> layers = new ArrayList<>(rows);
        if (top > 0) {
            layers.sort(Comparator.comparingLong(Row::selfNanos).reversed());
            layers = layers.subList(0, Math.min(top, layers.size()));
        }
        cells = new ArrayList<>();
        for (Row r : layers) {
            cells.add(new String[] {r.path().isEmpty() ? "(model)" : r.path(), r.kind(), ms(r.selfForwardNanos(), steps),
                    inference ? "--" : ms(r.selfBackwardNanos(), steps), pct(r.selfNanos(), wall), gflops(r.multAdds(), r.selfForwardNanos())});
        }
        out.println(top > 0 ? "The " + layers.size() + " slowest modules (own time: a block's excludes its layers):" : "Every module, in forward order (own time):");
        out.print(table(new String[] {"Module", "Kind", "Fwd ms", "Bwd ms", "% of step", "Fwd GFLOP/s"}, cells));
    }

    private String pct(long nanos, long wall) {
        return String.format(Locale.ROOT, "%.1f", 100.0 * nanos / wall);
    }

    /** Forward GFLOP/s (2 x multiply-adds per forward, times the steps, over the forward time). */
    private String gflops(long multAdds, long forwardNanos) {
        if (multAdds == 0 || forwardNanos == 0) return "--";
        return String.format(Locale.ROOT, "%.1f", 2.0 * multAdds * steps / forwardNanos);
    }

    private static String table(String[] head, List<String[]> cells) {
        int[] w = new int[head.length];
        for (int i = 0; i < w.length; i++) w[i] = head[i].length();
        for (String[] c : cells) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], c[i].length());
        StringBuilder sb = new StringBuilder();
        appendRow(sb, head, w);
        int width = 0;
        for (int x : w) width += x + 2;
        sb.append("-".repeat(width - 2)).append('\n');
        for (String[] c : cells) appendRow(sb, c, w);
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] c, int[] w) {
        for (int i = 0; i < c.length; i++) {
            String cell = i < 2 ? String.format(Locale.ROOT, "%-" + w[i] + "s", c[i]) : String.format(Locale.ROOT, "%" + w[i] + "s", c[i]);
            sb.append(cell).append(i + 1 < c.length ? "  " : "\n");
        }
    }

    static int[] defaultShape(String model) {
        int[] s = SummaryCommand.defaultShape(model);
        s[0] = s[2] >= 224 ? 8 : 128;
        return s;
    }
}
