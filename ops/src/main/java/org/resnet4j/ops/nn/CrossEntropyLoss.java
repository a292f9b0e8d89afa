package org.resnet4j.ops.nn;

import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/**
 * torch.nn.CrossEntropyLoss with mean reduction and optional label smoothing:
 * target = (1 - s) * onehot(label) + s / K, loss = mean over the batch of -sum_j target_j * log softmax(z)_j.
 */
public final class CrossEntropyLoss {
    private final double labelSmoothing;
    private Tensor probs;  // (N, K), softmax of the last logits
    private Tensor labels; // (N)

    public CrossEntropyLoss() {
        this(0.0);
    }

    public CrossEntropyLoss(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got " + labelSmoothing);
        }
        this.labelSmoothing = labelSmoothing;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    /** logits (N, K); labels (N) holding class indices as floats, on the logits' backend. Returns the mean loss. */
    public double forward(Tensor logits, Tensor labels) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException(describe() + " expected logits of shape (N, K) but got " + Shape.str(logits.shape()));
        }
        int n = logits.dim(0), k = logits.dim(1);
        if (!labels.hasShape(n)) {
            throw new IllegalArgumentException(describe() + " expected labels of shape " + Shape.str(n) + " for logits "
                    + Shape.str(logits.shape()) + " but got " + Shape.str(labels.shape()));
        }
        Checks.sameBackend(describe(), "the labels tensor", logits, labels);
        float[] host = labels.toFloats(); // n values: cheap, and a bad label would otherwise index out of bounds
        for (int i = 0; i < n; i++) {
            float v = host[i];
            if (!(v >= 0 && v < k && v == Math.rint(v))) {
                throw new IllegalArgumentException(describe() + ": label " + v + " at index " + i
                        + " is not a class index in [0, " + k + ") for " + k + " classes");
            }
        }
        Tensor p = logits.backend().zeros(n, k);                               // probs: (N, K)
        double loss = logits.backend().crossEntropyForward(logits, labels, labelSmoothing, p);
        this.probs = p;
        this.labels = labels;
        return loss;
    }

    // dlogits (N, K) = (softmax(z) - target) / N  (mean reduction)
    public Tensor backward() {
        Checks.forwardDone(describe(), probs);
        Tensor d = probs.backend().zeros(probs.shape());                      // dlogits: (N, K)
        probs.backend().crossEntropyBackward(probs, labels, labelSmoothing, 1.0 / probs.dim(0), d);
        return d;
    }

    /** The softmax probabilities (N, K) of the last forward. */
    public Tensor probabilities() {
        if (probs == null) throw new IllegalStateException(describe() + ": probabilities() called before forward; run forward(logits, labels) first");
        return probs;
    }

    public String describe() {
        return "CrossEntropyLoss(label_smoothing=" + Checks.py(labelSmoothing) + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
