package org.resnet4j.app.gradflow;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns the {@link FlowRun}s of several models into the gradient-flow report: charts (PNG + SVG),
 * CSV tables, one self-contained {@code report.html}, and a plain-text summary for the terminal.
 */
final class FlowReport {
    private FlowReport() {}

    /** What the run was: shown at the top of the page. */
    record Setup(String data, int examples, int batchSize, int steps, double lr, long seed, double seconds) {}

    /** Writes every file into {@code out} and returns the terminal text. */
    static String write(Path out, List<FlowRun> runs, Setup setup) throws IOException {
        byte[] layersPng = Charts.save(layerChart(runs, false), out, "init-layer-gradients");
        byte[] weightsPng = Charts.save(layerChart(runs, true), out, "init-weight-gradients");
        List<byte[]> trainingPngs = new ArrayList<>();
        for (FlowRun r : runs) {
            if (r.steps.size() > 1) trainingPngs.add(Charts.save(stageChart(r), out, "training-" + r.model));
        }
        byte[] lossPng = setup.steps() > 0 ? Charts.save(lossChart(runs), out, "training-loss") : null;
        Charts.writeText(out.resolve("layers.csv"), layersCsv(runs));
        Charts.writeText(out.resolve("blocks.csv"), blocksCsv(runs));
        Charts.writeText(out.resolve("training.csv"), trainingCsv(runs));
        String text = text(runs);
        Charts.writeText(out.resolve("report.txt"), text);
        Charts.writeText(out.resolve("report.html"), html(runs, setup, layersPng, weightsPng, trainingPngs, lossPng));
        return text;
    }

    // ------------------------------------------------------------------ charts

    private static XYChart layerChart(List<FlowRun> runs, boolean weights) {
        XYChart c = Charts.lineChart(weights ? "Weight-gradient norm of each layer at initialisation"
                        : "Gradient arriving at each layer at initialisation",
                "layer (1 = first conv, last = fc)", weights ? "||dL/dW|| (log scale)" : "||dL/d output|| (log scale)", true);
        for (FlowRun r : runs) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (FlowRun.Layer l : r.layers) {
                double v = weights ? (l.weightGrad() == null ? Double.NaN : l.weightGrad().l2Norm()) : l.gradOutput().l2Norm();
                if (v > 0 && Double.isFinite(v)) {
                    x.add((double) l.index());
                    y.add(v);
                }
            }
            if (!x.isEmpty()) {
                var s = c.addSeries(r.model + (r.isResidual() ? " (residual)" : " (plain)"), Charts.toArray(x), Charts.toArray(y));
                s.setMarker(r.isResidual() ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
            }
        }
        return c;
    }

    private static XYChart stageChart(FlowRun r) {
        XYChart c = Charts.lineChart(r.model + ": parameter-gradient norm of each stage during training", "SGD step (0 = initialisation)",
                "||dL/dθ|| of the stage (log scale)", true);
        Set<String> stages = new LinkedHashSet<>();
        for (FlowRun.Step s : r.steps) stages.addAll(s.stageGradNorm().keySet());
        for (String stage : stages) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (FlowRun.Step s : r.steps) {
                Double v = s.stageGradNorm().get(stage);
                if (v != null && v > 0 && Double.isFinite(v)) {
                    x.add((double) s.step());
                    y.add(v);
                }
            }
            if (!x.isEmpty()) c.addSeries(stage, Charts.toArray(x), Charts.toArray(y)).setMarker(SeriesMarkers.NONE);
        }
        return c;
    }

    private static XYChart lossChart(List<FlowRun> runs) {
        XYChart c = Charts.lineChart("Training loss on each step's batch", "SGD step", "cross-entropy loss", false);
        for (FlowRun r : runs) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (FlowRun.Step s : r.steps) {
                if (Double.isFinite(s.loss())) {
                    x.add((double) s.step());
                    y.add(s.loss());
                }
            }
            if (!x.isEmpty()) c.addSeries(r.model, Charts.toArray(x), Charts.toArray(y)).setMarker(SeriesMarkers.NONE);
        }
        return c;
    }

    // ------------------------------------------------------------------ CSV

    private static String layersCsv(List<FlowRun> runs) {
        StringBuilder sb = new StringBuilder("model,layer,path,output_norm,grad_output_norm,grad_output_mean_abs,grad_output_max_abs,"
                + "weight_grad_norm,weight_grad_mean_abs,weight_grad_max_abs\n");
        for (FlowRun r : runs) {
            for (FlowRun.Layer l : r.layers) {
                sb.append(r.model).append(',').append(l.index()).append(',').append(l.path()).append(',')
                        .append(g(l.output().l2Norm())).append(',').append(g(l.gradOutput().l2Norm())).append(',')
                        .append(g(l.gradOutput().meanAbs())).append(',').append(g(l.gradOutput().maxAbs())).append(',');
                if (l.weightGrad() == null) {
                    sb.append(",,\n");
                } else {
                    sb.append(g(l.weightGrad().l2Norm())).append(',').append(g(l.weightGrad().meanAbs())).append(',')
                            .append(g(l.weightGrad().maxAbs())).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String blocksCsv(List<FlowRun> runs) {
        StringBuilder sb = new StringBuilder("model,block,shortcut,d_out_norm,d_sum_norm,dx_main_norm,dx_shortcut_norm,dx_norm,"
                + "shortcut_share,cos_main_shortcut\n");
        for (FlowRun r : runs) {
            for (FlowRun.Block b : r.blocks) {
                sb.append(r.model).append(',').append(b.path()).append(',').append(b.shortcut().replace(',', ';')).append(',')
                        .append(g(b.dOut().l2Norm())).append(',').append(g(b.dSum().l2Norm())).append(',')
                        .append(g(b.dxMain().l2Norm())).append(',').append(g(b.dxShortcut().l2Norm())).append(',')
                        .append(g(b.dx().l2Norm())).append(',').append(g(share(b))).append(',').append(g(b.cosine())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String trainingCsv(List<FlowRun> runs) {
        StringBuilder sb = new StringBuilder("model,step,loss,batch_error,stage,param_grad_norm\n");
        for (FlowRun r : runs) {
            for (FlowRun.Step s : r.steps) {
                for (var e : s.stageGradNorm().entrySet()) {
                    sb.append(r.model).append(',').append(s.step()).append(',').append(g(s.loss())).append(',')
                            .append(g(s.error())).append(',').append(e.getKey()).append(',').append(g(e.getValue())).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static String g(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    /** ||dxShortcut|| / (||dxMain|| + ||dxShortcut||): how much of the returning gradient took the shortcut. */
    static double share(FlowRun.Block b) {
        double a = b.dxMain().l2Norm(), s = b.dxShortcut().l2Norm();
        return a + s == 0 ? Double.NaN : s / (a + s);
    }

    // ------------------------------------------------------------------ terminal text

    static String text(List<FlowRun> runs) {
        StringBuilder sb = new StringBuilder();
        int maxLayers = 0;
        for (FlowRun r : runs) maxLayers = Math.max(maxLayers, r.layers.size());
        sb.append("Gradient arriving at each layer at initialisation, ||dL/d output|| (layer 1 = first conv, last = fc)\n");
        sb.append(String.format(Locale.ROOT, "%-6s", "layer"));
        for (FlowRun r : runs) sb.append(String.format(Locale.ROOT, " %12s", r.model));
        sb.append('\n');
        for (int i = 0; i < maxLayers; i++) {
            sb.append(String.format(Locale.ROOT, "%-6d", i + 1));
            for (FlowRun r : runs) sb.append(String.format(Locale.ROOT, " %12s", i < r.layers.size() ? Html.num(r.layers.get(i).gradOutput().l2Norm()) : ""));
            sb.append('\n');
        }
        sb.append('\n');
        for (FlowRun r : runs) sb.append(summary(r)).append('\n');
        for (FlowRun r : runs) {
            if (r.blocks.isEmpty()) continue;
            sb.append('\n').append(r.model).append(": inside each residual block at initialisation (L2 norms)\n");
            sb.append(String.format(Locale.ROOT, "%-10s %11s %11s %11s %11s %11s %9s%n", "block", "dOut", "dSum", "dxMain", "dxShortcut",
                    "dx", "shortcut%"));
            for (FlowRun.Block b : r.blocks) {
                sb.append(String.format(Locale.ROOT, "%-10s %11s %11s %11s %11s %11s %8.1f%%%n", b.path(), Html.num(b.dOut().l2Norm()),
                        Html.num(b.dSum().l2Norm()), Html.num(b.dxMain().l2Norm()), Html.num(b.dxShortcut().l2Norm()),
                        Html.num(b.dx().l2Norm()), 100 * share(b)));
            }
        }
        for (FlowRun r : runs) {
            if (r.steps.size() <= 1) continue;
            FlowRun.Step first = r.steps.get(0), last = r.steps.get(r.steps.size() - 1);
            sb.append('\n').append(r.model).append(": parameter-gradient norm per stage, step 0 -> step ").append(last.step())
                    .append(String.format(Locale.ROOT, " (loss %.4f -> %.4f)%n", first.loss(), last.loss()));
            for (var e : first.stageGradNorm().entrySet()) {
                Double end = last.stageGradNorm().get(e.getKey());
                sb.append(String.format(Locale.ROOT, "  %-8s %11s -> %11s%n", e.getKey(), Html.num(e.getValue()),
                        end == null ? "n/a" : Html.num(end)));
            }
        }
        for (FlowRun r : runs) if (r.stopped != null) sb.append('\n').append("note: ").append(r.stopped).append('\n');
        return sb.toString();
    }

    /** One measured sentence per model: how the gradient changes from the last conv back to the first. */
    static String summary(FlowRun r) {
        if (r.layers.size() < 3) return r.model + ": too few layers to compare";
        FlowRun.Layer first = r.layers.get(0), lastConv = r.layers.get(r.layers.size() - 2);
        double ratio = first.gradOutput().l2Norm() / lastConv.gradOutput().l2Norm();
        return String.format(Locale.ROOT, "%s: the gradient arriving at the first conv is %.3gx the one arriving at the last conv (%s, layer %d)",
                r.model, ratio, lastConv.path(), lastConv.index());
    }

    // ------------------------------------------------------------------ HTML

    private static String html(List<FlowRun> runs, Setup setup, byte[] layersPng, byte[] weightsPng, List<byte[]> trainingPngs,
                               byte[] lossPng) {
        StringBuilder h = new StringBuilder(Html.head("Gradient flow: plain vs residual networks"));
        h.append("<p>Models: ");
        for (FlowRun r : runs) h.append("<b>").append(Html.esc(r.model)).append("</b> (").append(r.parameterCount).append(" parameters) ");
        h.append(String.format(Locale.ROOT, "<br>Data: %s, %d training examples, batches of %d, %d SGD steps (lr %.3g, momentum 0.9, "
                        + "weight decay 1e-4), seed %d. Every model starts from the same seed and sees the same batches in the same "
                        + "order. Wall time %.1f s.</p>", Html.esc(setup.data()), setup.examples(), setup.batchSize(), setup.steps(),
                setup.lr(), setup.seed(), setup.seconds()));

        h.append("<h2>1. From the loss back to the first layer, at initialisation</h2>");
        h.append("<p class=\"note\">Each point is one convolution (or the final fully connected layer, the last point). Its height "
                + "is the size (L2 norm) of the gradient of the loss with respect to that layer's output, measured during the first "
                + "backward pass, before any training. Read it from right to left: the gradient starts at the loss (right) and "
                + "travels towards the input (left). In a plain network every layer multiplies the gradient by its own Jacobian, so "
                + "the size can drift up or down layer after layer; in a residual network each block adds the shortcut's copy of the "
                + "gradient back, so the curve stays flatter. In the residual nets the points alternate between the two convolutions "
                + "of each block: both lie inside the residual branch, so they show what the branch does to the gradient; the "
                + "gradient at the block boundaries (section 2, dOut) is the one the shortcuts carry. The vertical axis is "
                + "logarithmic: one grid step is a factor of ten.</p>");
        h.append(Html.img(layersPng, "gradient norm per layer"));
        h.append("<ul>");
        for (FlowRun r : runs) h.append("<li>").append(Html.esc(summary(r))).append("</li>");
        h.append("</ul>");
        h.append("<p>The same at the weights: the size of dL/dW of each layer, which is what SGD uses to update it.</p>");
        h.append(Html.img(weightsPng, "weight gradient norm per layer"));
        h.append(layerTable(runs));

        h.append("<h2>2. Inside each residual block</h2>");
        h.append("<p class=\"note\">In a residual block <code>out = relu(F(x) + x)</code>. Going backward, the gradient arriving at "
                + "the block output (<b>dOut</b>) passes the final ReLU and reaches the sum (<b>dSum</b>). The sum's derivative is 1 "
                + "for both inputs, so dSum goes <em>unchanged</em> into both the residual branch F and the shortcut. The shortcut "
                + "hands it to the input as it is (<b>dxShortcut</b> = dSum for an identity shortcut; option A only subsamples it and "
                + "drops the zero-padded channels); the branch transforms it through its convolutions and batch norms (<b>dxMain</b>). "
                + "At the block input both parts are added: <b>dx = dxMain + dxShortcut</b>. Arrow widths in the diagrams grow with the "
                + "norm; \"shortcut share\" is ||dxShortcut|| / (||dxMain|| + ||dxShortcut||), and cos is the cosine of the angle between "
                + "the two parts (computed from the three norms: ||dx||² = ||dxMain||² + ||dxShortcut||² + 2 dxMain·dxShortcut). These "
                + "are the tensors the block's backward actually used, recorded by a hook.</p>");
        boolean anyBlocks = false;
        for (FlowRun r : runs) {
            if (r.blocks.isEmpty()) continue;
            anyBlocks = true;
            h.append("<h3>").append(Html.esc(r.model)).append("</h3>").append(blockTable(r)).append("<div class=\"blocks\">");
            for (FlowRun.Block b : r.blocks) h.append(BlockDiagram.svg(b));
            h.append("</div>");
        }
        if (!anyBlocks) h.append("<p>None of the models has residual blocks.</p>");

        h.append("<h2>3. During training</h2>");
        if (trainingPngs.isEmpty()) {
            h.append("<p>No training steps were run (--steps 0).</p>");
        } else {
            h.append("<p class=\"note\">For every SGD step (step 0 is the initialisation), the size of the gradient of all parameters "
                    + "of one stage together: the stem (first conv and BN), each stage of blocks (layer1 at full resolution, layer2 at "
                    + "half, layer3 at a quarter) and the classifier (fc). If a stage's line lies far below the others, that stage "
                    + "learns slowly; lines that fall together as the loss falls are healthy.</p>");
            for (byte[] png : trainingPngs) h.append(Html.img(png, "stage gradient norms during training"));
            if (lossPng != null) h.append(Html.img(lossPng, "training loss"));
        }
        for (FlowRun r : runs) if (r.stopped != null) h.append("<p><b>Note:</b> ").append(Html.esc(r.stopped)).append("</p>");
        h.append("<h2>Files</h2><p>Charts as PNG and SVG beside this page (init-layer-gradients, init-weight-gradients, "
                + "training-&lt;model&gt;, training-loss); numbers in layers.csv, blocks.csv, training.csv; the terminal summary in "
                + "report.txt.</p>");
        h.append("<h2>Terminal summary</h2><pre>").append(Html.esc(text(runs))).append("</pre>");
        return h.append(Html.tail()).toString();
    }

    private static String layerTable(List<FlowRun> runs) {
        int maxLayers = 0;
        for (FlowRun r : runs) maxLayers = Math.max(maxLayers, r.layers.size());
        StringBuilder t = new StringBuilder("<details><summary>Table: ||dL/d output|| per layer</summary><table><tr><th>layer</th>");
        for (FlowRun r : runs) t.append("<th>").append(Html.esc(r.model)).append("</th>");
        t.append("</tr>");
        for (int i = 0; i < maxLayers; i++) {
            t.append("<tr><td>").append(i + 1).append("</td>");
            for (FlowRun r : runs) {
                t.append("<td>");
                if (i < r.layers.size()) {
                    FlowRun.Layer l = r.layers.get(i);
                    t.append("<span title=\"").append(Html.esc(l.path())).append("\">").append(Html.num(l.gradOutput().l2Norm())).append("</span>");
                }
                t.append("</td>");
            }
            t.append("</tr>");
        }
        return t.append("</table></details>").toString();
    }

    private static String blockTable(FlowRun r) {
        StringBuilder t = new StringBuilder("<table><tr><th>block</th><th>shortcut</th><th>||dOut||</th><th>||dSum||</th>"
                + "<th>||dxMain||</th><th>||dxShortcut||</th><th>||dx||</th><th>shortcut share</th><th>cos</th></tr>");
        for (FlowRun.Block b : r.blocks) {
            t.append("<tr><td>").append(Html.esc(b.path())).append("</td><td>").append(Html.esc(b.shortcut())).append("</td><td>")
                    .append(Html.num(b.dOut().l2Norm())).append("</td><td>").append(Html.num(b.dSum().l2Norm())).append("</td><td>")
                    .append(Html.num(b.dxMain().l2Norm())).append("</td><td>").append(Html.num(b.dxShortcut().l2Norm()))
                    .append("</td><td>").append(Html.num(b.dx().l2Norm())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f%%", 100 * share(b))).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f", b.cosine())).append("</td></tr>");
        }
        return t.append("</table>").toString();
    }
}
