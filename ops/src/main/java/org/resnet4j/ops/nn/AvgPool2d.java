package org.resnet4j.ops.nn;

import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/** torch.nn.AvgPool2d, with PyTorch's divisor rules (count_include_pad, divisor_override, ceil_mode). */
public final class AvgPool2d extends Module {
    private final int kernelSize, stride, padding, divisorOverride;
    private final boolean ceilMode, countIncludePad;

    private PoolGeometry geom; // of the last input; backward needs only the geometry

    /** stride = kernel_size, as PyTorch's default. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, false, true, 0);
    }

    /** divisorOverride 0 means none (PyTorch's None). */
    public AvgPool2d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        if (kernelSize < 1 || stride < 1 || padding < 0 || 2 * padding > kernelSize || divisorOverride < 0) {
            throw new IllegalArgumentException("AvgPool2d needs kernel_size, stride >= 1, 0 <= padding <= kernel_size/2 and divisor_override >= 0, got kernel_size="
                    + kernelSize + ", stride=" + stride + ", padding=" + padding + ", divisor_override=" + divisorOverride);
        }
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    // y[n, c, i, j] = sum of x over window (i, j) / divisor
    @Override
    protected Tensor forwardImpl(Tensor x) {
        checkInput(x, x.rank() == 4, "(N, C, H, W)");
        PoolGeometry g;
        try {
            g = new PoolGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), kernelSize, kernelSize, stride, stride,
                    padding, padding, 1, 1, ceilMode, countIncludePad, divisorOverride);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe() + " cannot take input " + Shape.str(x.shape()) + ": " + e.getMessage(), e);
        }
        Tensor y = x.backend().empty(g.outputShape());                        // y: (N, C, OH, OW), overwritten
        x.backend().avgPool2dForward(x, g, y);
        this.geom = g;
        return y;
    }

    // dx[window (i, j)] += dy[n, c, i, j] / divisor
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), geom);
        Checks.gradShape(describe(), dy, geom.outputShape());
        Tensor dx = dy.backend().empty(geom.inputShape());                     // dx: (N, C, H, W), overwritten
        dy.backend().avgPool2dBackward(dy, geom, dx);
        return dx;
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("AvgPool2d(kernel_size=").append(kernelSize).append(", stride=").append(stride)
                .append(", padding=").append(padding);
        if (ceilMode) sb.append(", ceil_mode=True");
        if (!countIncludePad) sb.append(", count_include_pad=False");
        if (divisorOverride > 0) sb.append(", divisor_override=").append(divisorOverride);
        return sb.append(')').toString();
    }
}
