package org.resnet4j.app.gradflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.hooks.GradientStats;
import org.resnet4j.ops.hooks.TensorStats;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.optim.SGD;

/**
 * What the gradient-flow report records for one model: at initialisation (step 0, before any update),
 * the gradient arriving at every weighted layer and the split inside every residual block; then, for
 * each of N SGD steps, the parameter-gradient norm of every stage.
 */
final class FlowRun {

    /** A conv or fc layer of the main path (shortcut projections excluded), numbered from the input. */
    record Layer(int index, String path, TensorStats output, TensorStats gradOutput, TensorStats weightGrad) {}

    /** One residual block at initialisation; dOut is the gradient at the block output, before its final ReLU. */
    record Block(String path, String shortcut, TensorStats dOut, TensorStats dSum, TensorStats dxMain, TensorStats dxShortcut,
                 TensorStats dx) {
        /** cos of the angle between dxMain and dxShortcut, from ||a+b||^2 = ||a||^2 + ||b||^2 + 2 a.b. */
        double cosine() {
            double a = dxMain.l2Norm(), b = dxShortcut.l2Norm(), s = dx.l2Norm();
            return a == 0 || b == 0 ? Double.NaN : (s * s - a * a - b * b) / (2 * a * b);
        }
    }

    /** One measured step: step 0 is at initialisation; step k follows k SGD updates. */
    record Step(int step, double loss, double error, Map<String, Double> stageGradNorm) {}

    final String model;
    final long parameterCount;
    final List<Layer> layers = new ArrayList<>();
    final List<Block> blocks = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();
    String stopped; // why training stopped early (non-finite loss), or null

    private FlowRun(String model, long parameterCount) {
        this.model = model;
        this.parameterCount = parameterCount;
    }

    /**
     * Runs {@code steps} SGD steps of {@code name} on the loader's first batches, measuring every step,
     * step 0 included. Models built with the same seed and fed by loaders with the same seed see the
     * same batches in the same order.
     */
    static FlowRun run(String name, Module model, BatchLoader loader, int steps, double lr) {
        FlowRun r = new FlowRun(name, model.parameterCount());
        model.train();
        SGD opt = new SGD(model.namedParameters(), lr, 0.9, 0, 1e-4, false);
        GradientStats stats = new GradientStats();
        model.addHook(stats);
        try {
            int s = 0;
            while (s <= steps) {
                try (BatchLoader.Epoch epoch = loader.epoch()) {
                    while (s <= steps && epoch.hasNext()) {
                        Batch b = epoch.next();
                        opt.zeroGrad();
                        stats.clear();
                        stats.beginStep(s);
                        Steps.Result res = Steps.forwardBackward(model, b);
                        if (s == 0) r.recordInit(model, stats);
                        r.steps.add(new Step(s, res.loss(), (double) res.wrong() / res.count(), stageNorms(stats.records(s))));
                        if (!Double.isFinite(res.loss())) {
                            r.stopped = "the loss became " + res.loss() + " at step " + s + "; training of " + name + " stopped there";
                            return r;
                        }
                        if (s < steps) opt.step();
                        s++;
                    }
                }
            }
        } finally {
            model.removeHook(stats);
        }
        return r;
    }

    private void recordInit(Module model, GradientStats stats) {
        Map<String, Module> modules = model.namedModules();
        int i = 0;
        Map<String, GradientStats.ModuleStats> byPath = new LinkedHashMap<>();
        for (GradientStats.ModuleStats m : stats.records(0)) byPath.put(m.path(), m);
        for (GradientStats.ModuleStats m : byPath.values()) {
            Module mod = modules.get(m.path());
            boolean weighted = mod instanceof Conv2d || mod instanceof Linear;
            if (!weighted || m.path().contains("downsample")) continue;
            layers.add(new Layer(++i, m.path(), m.output(), m.gradOutput(), m.parameterGrads().get("weight")));
        }
        List<GradientStats.BlockStats> bs = new ArrayList<>(stats.blockRecords(0));
        Collections.reverse(bs); // backward reports the output side first; list them from the input
        for (GradientStats.BlockStats b : bs) {
            GradientStats.ModuleStats whole = byPath.get(b.path());
            GradientStats.ModuleStats ds = byPath.get(b.path() + ".downsample");
            String shortcut = ds == null ? "identity" : ds.module();
            blocks.add(new Block(b.path(), shortcut, whole.gradOutput(), b.dSum(), b.dxMain(), b.dxShortcut(), b.dx()));
        }
    }

    /** Which part of the network a module path belongs to: stem (before layer1), layer1.., or the head. */
    static String stageOf(String path) {
        String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
        if (top.startsWith("layer")) return top;
        if (top.equals("fc") || top.equals("avgpool") || top.equals("flatten")) return "fc";
        return "stem";
    }

    /** sqrt(sum of squared parameter-gradient norms) of each stage, in network order. */
    static Map<String, Double> stageNorms(List<GradientStats.ModuleStats> records) {
        Map<String, Double> sq = new LinkedHashMap<>();
        for (GradientStats.ModuleStats m : records) {
            if (m.path().isEmpty() || m.parameterGrads().isEmpty()) continue;
            double s = 0;
            for (TensorStats t : m.parameterGrads().values()) s += t.l2Norm() * t.l2Norm();
            sq.merge(stageOf(m.path()), s, Double::sum);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        // network order: stem, layer1.., fc (records come in forward order, so only the head may be misplaced)
        sq.forEach((k, v) -> { if (!k.equals("fc")) out.put(k, Math.sqrt(v)); });
        if (sq.containsKey("fc")) out.put("fc", Math.sqrt(sq.get("fc")));
        return out;
    }

    boolean isResidual() {
        return !blocks.isEmpty();
    }
}
