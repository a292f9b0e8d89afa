package org.resnet4j.ops.hooks;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;

/** Size summaries of one tensor: its L2 norm, mean |x| and max |x|, reduced on its own backend. */
public record TensorStats(long count, double l2Norm, double meanAbs, double maxAbs) {

    /** Three reductions and one element-wise pass; the tensor itself is not modified. */
    public static TensorStats of(Tensor t) {
        Backend be = t.backend();
        long n = t.numel();
        if (n == 0) return new TensorStats(0, 0, 0, 0);
        // sum |x| = 2 * sum(max(x, 0)) - sum(x): Backend has no abs-sum kernel, relu is exact
        Tensor pos = be.empty(t.shape());
        be.relu(t, pos);
        double sumAbs = 2 * be.sum(pos) - be.sum(t);
        be.release(pos); // a scratch tensor: its memory goes back to the backend for the next one
        return new TensorStats(n, Math.sqrt(be.sumOfSquares(t)), sumAbs / n, be.maxAbs(t));
    }
}
