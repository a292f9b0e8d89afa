package org.resnet4j.ops.nn;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;

/**
 * torch.nn.Dropout: in training each element is zeroed with probability p and the survivors are
 * scaled by 1/(1-p), so eval (the identity) sees the same expected value. The mask comes from the
 * backend's counter-based generator with a seed drawn from {@link RandomState#global()}, so the same
 * global state gives the same mask on every backend.
 */
public final class Dropout extends Module {
    private final double p;
    private Tensor mask;     // (same shape as x): 0 or 1/(1-p); null when the last forward was the identity
    private int[] inputShape;

    public Dropout() {
        this(0.5);
    }

    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    public double p() {
        return p;
    }

    // train: y = x * mask, mask = (u < 1-p) / (1-p); eval: y = x
    @Override
    protected Tensor forwardImpl(Tensor x) {
        inputShape = x.shape();
        if (!training || p == 0) {
            mask = null;
            return x;
        }
        Backend be = x.backend();
        Tensor m = be.zeros(x.shape());                                        // mask: same shape as x
        long seed = RandomState.global().nextLong();
        if (p < 1) be.dropoutMask(m, 1 - p, seed); // p == 1 drops everything: the mask stays zero
        Tensor y = be.zeros(x.shape());                                        // y: same shape as x
        be.mul(x, m, y);
        mask = m;
        return y;
    }

    // train: dx = dy * mask; eval: dx = dy
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), inputShape);
        Checks.gradShape(describe(), dy, inputShape);
        if (mask == null) return dy;
        Tensor dx = dy.backend().zeros(inputShape);                            // dx: same shape as x
        dy.backend().mul(dy, mask, dx);
        return dx;
    }

    @Override
    public String describe() {
        return "Dropout(p=" + Checks.py(p) + ")";
    }
}
