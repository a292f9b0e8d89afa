package org.resnet4j.ops.nn;

import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/**
 * torch.nn.MaxPool2d: the maximum of each window; padding counts as -infinity; the first maximum in
 * scan order takes the gradient.
 */
public final class MaxPool2d extends Module {
    private final int kernelSize, stride, padding, dilation;
    private final boolean ceilMode;

    private Tensor x;         // saved input, (N, C, H, W): backward recomputes each window's argmax
    private PoolGeometry geom;

    /** stride = kernel_size, as PyTorch's default. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    public MaxPool2d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, 1, false);
    }

    public MaxPool2d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        if (kernelSize < 1 || stride < 1 || dilation < 1 || padding < 0 || 2 * padding > kernelSize) {
            throw new IllegalArgumentException("MaxPool2d needs kernel_size, stride, dilation >= 1 and 0 <= padding <= kernel_size/2, got kernel_size="
                    + kernelSize + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation);
        }
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
    }

    private PoolGeometry geometryFor(Tensor x) {
        checkInput(x, x.rank() == 4, "(N, C, H, W)");
        try {
            return new PoolGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), kernelSize, kernelSize, stride, stride,
                    padding, padding, dilation, dilation, ceilMode, true, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe() + " cannot take input " + Shape.str(x.shape()) + ": " + e.getMessage(), e);
        }
    }

    // y[n, c, i, j] = max over the window (i*s - p + a*d, j*s - p + b*d) of x
    @Override
    protected Tensor forwardImpl(Tensor x) {
        PoolGeometry g = geometryFor(x);
        Tensor y = x.backend().empty(g.outputShape());                        // y: (N, C, OH, OW), overwritten
        x.backend().maxPool2dForward(x, g, y);
        this.x = x;
        this.geom = g;
        return y;
    }

    // dx[argmax of window (i, j)] += dy[n, c, i, j]
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), x);
        Checks.gradShape(describe(), dy, geom.outputShape());
        Tensor dx = dy.backend().empty(geom.inputShape());                     // dx: (N, C, H, W), overwritten
        dy.backend().maxPool2dBackward(dy, x, geom, dx);
        return dx;
    }

    @Override
    public String describe() {
        return "MaxPool2d(kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation
                + ", ceil_mode=" + (ceilMode ? "True" : "False") + ")";
    }
}
