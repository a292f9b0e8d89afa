package org.resnet4j.app.train;

import java.util.List;
import java.util.Locale;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * A model's loss, accuracy and confusion matrix on a data set, in eval mode (running batch-norm
 * statistics, no dropout). {@code confusion[actual][predicted]} counts examples.
 */
public record Evaluation(double loss, double accuracy, long[][] confusion, List<String> classes) {

    public static Evaluation run(Module model, BatchLoader loader) {
        return run(model, loader, false);
    }

    /**
     * With {@code flipAverage}, each image's logits are the mean of the logits of the image and of its mirror
     * image (left to right), the test-time counterpart of training with random horizontal flips; the loss and the
     * predictions are those of the averaged logits.
     */
    public static Evaluation run(Module model, BatchLoader loader, boolean flipAverage) {
        boolean wasTraining = model.isTraining();
        model.eval();
        int k = loader.data().numClasses();
        long[][] conf = new long[k][k];
        CrossEntropyLoss ce = new CrossEntropyLoss();
        double lossSum = 0;
        long n = 0, correct = 0;
        try (BatchLoader.Epoch e = loader.epoch(); InferenceMode ignored = InferenceMode.enter()) {
            while (e.hasNext()) {
                Batch b = e.next();
                Tensor logits = model.forward(b.images());
                if (flipAverage) logits = meanOfLogits(logits, model.forward(mirrored(b.images())));
                lossSum += ce.forward(logits, b.labels()) * b.size();
                int[] pred = argmax(logits.toFloats(), b.size(), logits.dim(1));
                for (int i = 0; i < b.size(); i++) {
                    if (pred[i] < k) conf[b.classes()[i]][pred[i]]++;
                    if (pred[i] == b.classes()[i]) correct++;
                }
                n += b.size();
            }
        } finally {
            if (wasTraining) model.train();
        }
        return new Evaluation(lossSum / n, (double) correct / n, conf, loader.data().classNames());
    }

    /** images (N, C, H, W) mirrored left to right: out[n, c, y, x] = in[n, c, y, W-1-x]. */
    static Tensor mirrored(Tensor images) {
        int w = images.dim(3);
        float[] v = images.toFloats();
        for (int row = 0; row < v.length; row += w) {
            for (int a = row, z = row + w - 1; a < z; a++, z--) {
                float t = v[a];
                v[a] = v[z];
                v[z] = t;
            }
        }
        return images.backend().fromFloats(v, images.shape());
    }

    // (a + b) / 2 in float, element by element: (N, classes)
    private static Tensor meanOfLogits(Tensor a, Tensor b) {
        float[] x = a.toFloats(), y = b.toFloats();
        for (int i = 0; i < x.length; i++) x[i] = (x[i] + y[i]) * 0.5f;
        return a.backend().fromFloats(x, a.shape());
    }

    /** Index of the largest value of each row (the first one on ties, like torch.argmax). */
    public static int[] argmax(float[] rows, int n, int k) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (rows[i * k + j] > rows[i * k + best]) best = j;
            out[i] = best;
        }
        return out;
    }

    public double classAccuracy(int c) {
        long total = 0;
        for (long v : confusion[c]) total += v;
        return total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }

    /** Per-class accuracy and the confusion matrix as aligned text. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "loss %.4f  accuracy %.2f%%%n%nper-class accuracy:%n", loss, 100 * accuracy));
        int w = 4;
        for (String c : classes) w = Math.max(w, c.length() + 3); // room for the "9 " row prefix
        for (int c = 0; c < classes.size(); c++) {
            sb.append(String.format(Locale.ROOT, "  %-" + w + "s %6.2f%%%n", classes.get(c), 100 * classAccuracy(c)));
        }
        sb.append(String.format("%nconfusion matrix (rows: actual, columns: predicted):%n"));
        sb.append(String.format("  %-" + w + "s", ""));
        for (int c = 0; c < classes.size(); c++) sb.append(String.format(" %6d", c));
        sb.append('\n');
        for (int r = 0; r < classes.size(); r++) {
            sb.append(String.format("  %-" + w + "s", r + " " + classes.get(r)));
            for (int c = 0; c < classes.size(); c++) sb.append(String.format(" %6d", confusion[r][c]));
            sb.append('\n');
        }
        return sb.toString();
    }
}
