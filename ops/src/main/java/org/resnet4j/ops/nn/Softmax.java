package org.resnet4j.ops.nn;

import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;

/** softmax over the last dimension of logits (N, K): p[i, j] = exp(z[i, j] - max_i) / sum_k exp(z[i, k] - max_i). */
public final class Softmax {
    private Softmax() {}

    /** probs (N, K) on the logits' backend. */
    public static Tensor probabilities(Tensor logits) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("Softmax expected logits of shape (N, K) but got " + Shape.str(logits.shape()));
        }
        Tensor probs = logits.backend().zeros(logits.shape());
        logits.backend().softmax(logits, probs);
        return probs;
    }

    /** The index of the largest logit of each row (the predicted class), computed on the host. */
    public static int[] argmax(Tensor logits) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("argmax expected logits of shape (N, K) but got " + Shape.str(logits.shape()));
        }
        int n = logits.dim(0), k = logits.dim(1);
        float[] z = logits.toFloats();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (z[i * k + j] > z[i * k + best]) best = j;
            out[i] = best;
        }
        return out;
    }
}
