package org.resnet4j.ops.nn;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/**
 * torch.nn.ReLU: y = max(x, 0), any shape. With {@code inplace} (torchvision's ResNets use
 * {@code nn.ReLU(inplace=True)}) y is written over x and no new tensor is allocated: only for an input
 * that nothing reads afterwards and whose producer's backward does not need it, such as the output
 * of a BatchNorm2d (whose backward needs its input) or of a residual sum.
 */
public final class ReLU extends Module {
    private final boolean inplace;
    private Tensor y; // saved output: the mask of backward is y > 0, as PyTorch's threshold_backward

    public ReLU() {
        this(false);
    }

    public ReLU(boolean inplace) {
        this.inplace = inplace;
    }

    // y = max(x, 0)
    @Override
    protected Tensor forwardImpl(Tensor x) {
        Tensor y = inplace ? x : x.backend().empty(x.shape());                 // y: same shape as x (overwritten)
        x.backend().relu(x, y);
        this.y = y;
        return y;
    }

    /** What a fused forward ({@link Fusion#batchNorm}) computed for this layer: y, kept for backward as forward keeps it. */
    void adoptOutput(Tensor y) {
        this.y = y;
    }

    // dx = dy where y > 0, else 0 (into a new tensor: dy may also feed another branch)
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), y);
        Checks.gradShape(describe(), dy, y.shape());
        Tensor dx = dy.backend().empty(y.shape());                             // dx: same shape as x (overwritten)
        dy.backend().reluBackward(dy, y, dx);
        return dx;
    }

    @Override
    public String describe() {
        return inplace ? "ReLU(inplace=True)" : "ReLU()";
    }
}
