package org.resnet4j.app.gradflow;

import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.BatchLoader;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/** One training step's forward and backward, and a pass over a test set; shared by both experiments. */
final class Steps {
    private Steps() {}

    /** Loss and number of misclassified examples of one batch. */
    record Result(double loss, int wrong, int count) {}

    /** Forward, loss and backward (gradients accumulate into the parameters; the caller zeroes them). */
    static Result forwardBackward(Module model, Batch b) {
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor logits = model.forward(b.images());                          // (N, K)
        double loss = lossFn.forward(logits, b.labels());
        model.backward(lossFn.backward());
        return new Result(loss, wrong(logits, b.classes()), b.size());
    }

    /** Classification error (fraction wrong) over the loader's data, in eval mode (BN running statistics). */
    static double testError(Module model, BatchLoader loader) {
        model.eval();
        long wrong = 0, n = 0;
        try (BatchLoader.Epoch e = loader.epoch(); InferenceMode ignored = InferenceMode.enter()) {
            while (e.hasNext()) {
                Batch b = e.next();
                wrong += wrong(model.forward(b.images()), b.classes());
                n += b.size();
            }
        } finally {
            model.train();
        }
        return n == 0 ? Double.NaN : (double) wrong / n;
    }

    static int wrong(Tensor logits, int[] classes) {
        float[] z = logits.toFloats();
        int k = logits.dim(1), wrong = 0;
        for (int i = 0; i < classes.length; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (z[i * k + j] > z[i * k + best]) best = j;
            if (best != classes[i]) wrong++;
        }
        return wrong;
    }
}
