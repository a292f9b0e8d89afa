package org.resnet4j.ops.models;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.ModuleHook;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Linear;

/**
 * A torchinfo-like summary: one row per module (dotted name, type, output shape, parameters,
 * multiply-accumulates), from one eval-mode forward pass on a zero input of the given shape, with
 * totals. Parameter counts are recursive (a block counts its layers'), as torchinfo's totals are.
 * Mult-adds count the convolutions and linear layers (out.numel() * in_channels/groups * kH * kW,
 * out.numel() * in_features); FLOPs are twice that.
 */
public final class ModelSummary {
    /** One module: depth 0 is the model itself; outputShape is null for a module the forward did not run. */
    public record Row(String name, String type, int depth, int[] outputShape, long params, long multAdds) {}

    private final List<Row> rows;
    private final int[] inputShape, outputShape;
    private final long totalParams, trainableParams, multAdds;

    private ModelSummary(List<Row> rows, int[] inputShape, int[] outputShape, long totalParams, long trainableParams, long multAdds) {
        this.rows = List.copyOf(rows);
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.totalParams = totalParams;
        this.trainableParams = trainableParams;
        this.multAdds = multAdds;
    }

    /** Runs one forward pass in eval mode (the previous mode is restored) on zeros of {@code inputShape}. */
    public static ModelSummary of(Module model, int... inputShape) {
        Map<Module, int[]> shapes = new IdentityHashMap<>();
        Map<Module, Long> own = new IdentityHashMap<>();
        ModuleHook hook = new ModuleHook() {
            @Override
            public void afterForward(String path, Module module, Tensor output) {
                shapes.putIfAbsent(module, output.shape());
                own.merge(module, ownMultAdds(module, output), Long::sum);
            }
        };
        Backend backend = backendOf(model);
        boolean wasTraining = model.isTraining();
        Tensor y;
        model.addHook(hook);
        try {
            model.eval();
            y = model.forward(backend.zeros(inputShape));
        } finally {
            model.removeHook(hook);
            if (wasTraining) model.train();
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Module> modules = model.namedModules();
        for (var e : modules.entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            long macs = 0;
            for (var d : modules.entrySet()) {
                if (d.getKey().equals(path) || path.isEmpty() || d.getKey().startsWith(path + ".")) macs += own.getOrDefault(d.getValue(), 0L);
            }
            int depth = path.isEmpty() ? 0 : path.split("\\.").length;
            rows.add(new Row(path.isEmpty() ? "(model)" : path, m.getClass().getSimpleName(), depth, shapes.get(m),
                    m.parameterCount(), macs));
        }
        long trainable = 0;
        for (Parameter p : model.parameters()) if (p.requiresGrad()) trainable += p.numel();
        return new ModelSummary(rows, inputShape.clone(), y.shape(), model.parameterCount(), trainable, rows.get(0).multAdds());
    }

    private static Backend backendOf(Module model) {
        List<Parameter> ps = model.parameters();
        return ps.isEmpty() ? org.resnet4j.core.cpu.CpuBackend.get() : ps.get(0).data().backend();
    }

    /** The multiply-adds of one forward of {@code m} alone (not its children) that gave {@code out}; 0 but for convolutions and linear layers. */
    public static long ownMultAdds(Module m, Tensor out) {
        if (m instanceof Conv2d c) return out.numel() * (c.weight().numel() / c.outChannels());
        if (m instanceof Linear l) return out.numel() * l.inFeatures();
        return 0;
    }

    public List<Row> rows() {
        return rows;
    }

    public long totalParams() {
        return totalParams;
    }

    public long trainableParams() {
        return trainableParams;
    }

    public long multAdds() {
        return multAdds;
    }

    public long flops() {
        return 2 * multAdds;
    }

    public int[] outputShape() {
        return outputShape.clone();
    }

    /** Rows down to {@code maxDepth} (1: the model's direct children; Integer.MAX_VALUE: everything), then totals. */
    public String table(int maxDepth) {
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            if (r.depth() == 0 || r.depth() > maxDepth) continue;
            cells.add(new String[] {"  ".repeat(r.depth() - 1) + r.name() + " (" + r.type() + ")",
                    r.outputShape() == null ? "--" : Shape.str(r.outputShape()),
                    r.params() == 0 ? "--" : String.format(Locale.ROOT, "%,d", r.params()),
                    r.multAdds() == 0 ? "--" : String.format(Locale.ROOT, "%,d", r.multAdds())});
        }
        String[] head = {"Layer (type)", "Output Shape", "Param #", "Mult-Adds"};
        int[] w = new int[head.length];
        for (int i = 0; i < w.length; i++) w[i] = head[i].length();
        for (String[] c : cells) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], c[i].length());
        int width = w[0] + w[1] + w[2] + w[3] + 6;
        StringBuilder sb = new StringBuilder();
        String rule = "=".repeat(width) + "\n";
        sb.append(rule).append(line(head, w)).append(rule);
        for (String[] c : cells) sb.append(line(c, w));
        sb.append(rule);
        sb.append(String.format(Locale.ROOT, "Input shape: %s   Output shape: %s%n", Shape.str(inputShape), Shape.str(outputShape)));
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParams));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParams));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", totalParams - trainableParams));
        sb.append(String.format(Locale.ROOT, "Total mult-adds (M): %.2f   FLOPs (M): %.2f%n", multAdds / 1e6, 2 * multAdds / 1e6));
        sb.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", totalParams * 4 / 1e6));
        sb.append(rule);
        return sb.toString();
    }

    @Override
    public String toString() {
        return table(Integer.MAX_VALUE);
    }

    private static String line(String[] c, int[] w) {
        return String.format(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %" + w[2] + "s  %" + w[3] + "s%n", c[0], c[1], c[2], c[3]);
    }
}
