package org.resnet4j.ops.nn;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/** torch.nn.ReLU: y = max(x, 0), any shape. */
public final class ReLU extends Module {
    private Tensor y; // saved output: the mask of backward is y > 0, as PyTorch's threshold_backward

    // y = max(x, 0)
    @Override
    protected Tensor forwardImpl(Tensor x) {
        Tensor y = x.backend().zeros(x.shape());                              // y: same shape as x
        x.backend().relu(x, y);
        this.y = y;
        return y;
    }

    // dx = dy where y > 0, else 0
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), y);
        Checks.gradShape(describe(), dy, y.shape());
        Tensor dx = dy.backend().zeros(y.shape());                             // dx: same shape as x
        dy.backend().reluBackward(dy, y, dx);
        return dx;
    }

    @Override
    public String describe() {
        return "ReLU()";
    }
}
