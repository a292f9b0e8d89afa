package org.resnet4j.app.gradflow;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.optim.SGD;

/**
 * The degradation experiment of He et al. 2015 (Fig. 1 and Fig. 6): plain and residual networks of
 * two depths trained with one recipe. The paper's finding is that the deeper plain net has the higher
 * training error, while the deeper ResNet has the lower one; this class measures whatever happens here.
 *
 * <p>Recipe (the paper's CIFAR recipe, scaled to the epochs given): SGD with momentum 0.9, weight
 * decay 1e-4, learning rate 0.1 divided by 10 at 50% and 75% of the iterations, no augmentation.
 */
final class Degradation {

    /** Training error is measured over quarter epochs (running error in train mode, as the paper's thin curves). */
    record Point(double epoch, double trainError, double testError) {}

    record Result(String model, boolean residual, int depth, long parameters, List<Point> curve, double finalTrainError,
                  double finalTestError, double seconds, String stopped) {}

    private Degradation() {}

    static Result train(String name, Module model, BatchLoader train, BatchLoader trainEval, BatchLoader test, int epochs,
                        double lr, PrintWriter log) {
        long t0 = System.nanoTime();
        model.train();
        SGD opt = new SGD(model.namedParameters(), lr, 0.9, 0, 1e-4, false);
        List<Point> curve = new ArrayList<>();
        int perEpoch = train.batchesPerEpoch(), segment = Math.max(1, perEpoch / 4);
        long total = (long) perEpoch * epochs, t = 0;
        String stopped = null;
        outer:
        for (int e = 0; e < epochs; e++) {
            long wrong = 0, seen = 0;
            int i = 0;
            try (BatchLoader.Epoch ep = train.epoch()) {
                while (ep.hasNext()) {
                    Batch b = ep.next();
                    // the paper divides the rate by 10 at 50% and 75% of the iterations (32k and 48k of 64k)
                    opt.setLr(t < total / 2 ? lr : t < 3 * total / 4 ? lr / 10 : lr / 100);
                    t++;
                    opt.zeroGrad();
                    Steps.Result r = Steps.forwardBackward(model, b);
                    if (!Double.isFinite(r.loss())) {
                        stopped = "the loss became " + r.loss() + " in epoch " + (e + 1) + "; training stopped there";
                        break outer;
                    }
                    opt.step();
                    wrong += r.wrong();
                    seen += r.count();
                    i++;
                    if (i % segment == 0 || i == perEpoch) {
                        boolean end = i == perEpoch;
                        double testErr = end ? Steps.testError(model, test) : Double.NaN;
                        curve.add(new Point(e + (double) i / perEpoch, (double) wrong / seen, testErr));
                        if (end) {
                            log.printf(Locale.ROOT, "  %-9s epoch %d/%d  train error %6.2f%%  test error %6.2f%%  (%.0f s)%n", name, e + 1,
                                    epochs, 100.0 * wrong / seen, 100 * testErr, (System.nanoTime() - t0) / 1e9);
                            log.flush();
                        }
                        wrong = 0;
                        seen = 0;
                    }
                }
            }
        }
        double finalTrain = stopped == null ? Steps.testError(model, trainEval) : Double.NaN;
        double finalTest = stopped == null ? Steps.testError(model, test) : Double.NaN;
        boolean residual = !name.startsWith("plain");
        int depth = depthOf(name);
        return new Result(name, residual, depth, model.parameterCount(), curve, finalTrain, finalTest,
                (System.nanoTime() - t0) / 1e9, stopped);
    }

    private static int depthOf(String name) {
        String digits = name.replaceAll("\\D", "");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits);
    }

    // ------------------------------------------------------------------ report

    record Setup(String data, int trainExamples, int testExamples, int epochs, int batchSize, double lr, long seed) {}

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0xff7f0e), new Color(0x8c564b)};

    static String write(Path out, List<Result> results, Setup setup) throws IOException {
        XYChart c = Charts.lineChart("Plain vs residual: training error (thin, dashed) and test error (thick)", "epoch", "error (%)", false);
        int k = 0;
        for (Result r : results) {
            Color col = COLORS[k++ % COLORS.length];
            List<Double> x = new ArrayList<>(), y = new ArrayList<>(), tx = new ArrayList<>(), ty = new ArrayList<>();
            for (Point p : r.curve()) {
                x.add(p.epoch());
                y.add(100 * p.trainError());
                if (!Double.isNaN(p.testError())) {
                    tx.add(p.epoch());
                    ty.add(100 * p.testError());
                }
            }
            if (!x.isEmpty()) {
                var s = c.addSeries(r.model() + " train", Charts.toArray(x), Charts.toArray(y));
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(col);
                s.setLineStyle(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            }
            if (!tx.isEmpty()) {
                var s = c.addSeries(r.model() + " test", Charts.toArray(tx), Charts.toArray(ty));
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(col);
                s.setLineColor(col);
                s.setLineStyle(new BasicStroke(2.8f));
            }
        }
        byte[] png = Charts.save(c, out, "degradation-error");
        StringBuilder curves = new StringBuilder("model,epoch,train_error,test_error\n");
        for (Result r : results) {
            for (Point p : r.curve()) {
                curves.append(r.model()).append(',').append(p.epoch()).append(',').append(p.trainError()).append(',')
                        .append(Double.isNaN(p.testError()) ? "" : Double.toString(p.testError())).append('\n');
            }
        }
        Charts.writeText(out.resolve("degradation-curves.csv"), curves.toString());
        StringBuilder fin = new StringBuilder("model,kind,depth,parameters,final_train_error,final_test_error,seconds,note\n");
        for (Result r : results) {
            fin.append(r.model()).append(',').append(r.residual() ? "residual" : "plain").append(',').append(r.depth()).append(',')
                    .append(r.parameters()).append(',').append(csv(r.finalTrainError())).append(',').append(csv(r.finalTestError()))
                    .append(',').append(String.format(Locale.ROOT, "%.1f", r.seconds())).append(',')
                    .append(r.stopped() == null ? "" : r.stopped().replace(',', ';')).append('\n');
        }
        Charts.writeText(out.resolve("degradation.csv"), fin.toString());
        String text = table(results, setup);
        Charts.writeText(out.resolve("degradation.txt"), text);
        Charts.writeText(out.resolve("degradation.html"), html(results, setup, png, text));
        return text;
    }

    private static String csv(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    static String table(List<Result> results, Setup s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Degradation experiment: %s, %d training / %d test examples, %d epochs, batch %d, lr %.3g%n",
                s.data(), s.trainExamples(), s.testExamples(), s.epochs(), s.batchSize(), s.lr()));
        sb.append(String.format(Locale.ROOT, "%-10s %-9s %6s %11s %15s %15s %9s%n", "model", "kind", "depth", "parameters",
                "train error", "test error", "seconds"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-10s %-9s %6d %11d %15s %15s %9.1f%n", r.model(), r.residual() ? "residual" : "plain",
                    r.depth(), r.parameters(), Html.pct(r.finalTrainError()), Html.pct(r.finalTestError()), r.seconds()));
        }
        sb.append("(train error: the final model in eval mode on the whole training subset; test error: the same on the test subset)\n");
        for (Result r : results) if (r.stopped() != null) sb.append("note: ").append(r.model()).append(": ").append(r.stopped()).append('\n');
        return sb.toString();
    }

    private static String html(List<Result> results, Setup s, byte[] png, String text) {
        StringBuilder h = new StringBuilder(Html.head("The degradation experiment: plain vs residual networks"));
        h.append("<p class=\"note\">He et al. (2015) observed that simply stacking more layers makes a plain network <em>harder to "
                + "train</em>: the 56-layer plain net ends with a higher <em>training</em> error than the 20-layer one, although it "
                + "could in principle copy the shallow net and set its extra layers to the identity. With shortcut connections the "
                + "problem goes away: the deeper ResNet trains to a lower error than the shallower one. The chart shows, for each "
                + "model, the running training error over each quarter epoch (thin dashed line, same colour as its model) and the "
                + "test error after each epoch (thick line with dots). The table gives the final errors of the trained models.</p>");
        h.append(String.format(Locale.ROOT, "<p>Data: %s; %d training and %d test examples; %d epochs, batches of %d; SGD, momentum "
                        + "0.9, weight decay 1e-4, learning rate %.3g divided by 10 at 50%% and 75%% of the iterations; seed %d; the same "
                        + "initial seed and batch order for every model.</p>", Html.esc(s.data()), s.trainExamples(), s.testExamples(),
                s.epochs(), s.batchSize(), s.lr(), s.seed()));
        h.append(Html.img(png, "training and test error curves"));
        h.append("<table><tr><th>model</th><th>kind</th><th>depth</th><th>parameters</th><th>final training error</th>"
                + "<th>final test error</th><th>wall time (s)</th></tr>");
        for (Result r : results) {
            h.append("<tr><td>").append(Html.esc(r.model())).append("</td><td>").append(r.residual() ? "residual" : "plain")
                    .append("</td><td>").append(r.depth()).append("</td><td>").append(r.parameters()).append("</td><td>")
                    .append(Html.pct(r.finalTrainError())).append("</td><td>").append(Html.pct(r.finalTestError())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f", r.seconds())).append("</td></tr>");
        }
        h.append("</table>");
        h.append("<p>How to read it: compare the two plain nets with each other and the two ResNets with each other. If the deeper "
                + "plain net's training error stays above the shallower one's, the degradation problem shows; if the deeper ResNet's "
                + "is at or below the shallower ResNet's, the shortcuts remove it. Short runs on small subsets are noisy: a difference "
                + "of a fraction of a percent is not a finding.</p>");
        for (Result r : results) if (r.stopped() != null) h.append("<p><b>Note:</b> ").append(Html.esc(r.model() + ": " + r.stopped())).append("</p>");
        h.append("<pre>").append(Html.esc(text)).append("</pre>");
        return h.append(Html.tail()).toString();
    }
}
