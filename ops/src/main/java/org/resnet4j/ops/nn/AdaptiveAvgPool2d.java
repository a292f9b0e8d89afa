package org.resnet4j.ops.nn;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/**
 * torch.nn.AdaptiveAvgPool2d: output cell (i, j) averages rows [floor(i*H/OH), ceil((i+1)*H/OH)) and
 * the same rule for columns. With (1, 1) it is the global average pool before a ResNet's fc.
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH, outW;
    private int[] inputShape;

    public AdaptiveAvgPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d needs an output size >= 1, got (" + outH + ", " + outW + ")");
        }
        this.outH = outH;
        this.outW = outW;
    }

    // y[n, c, i, j] = mean of x[n, c, rows(i), cols(j)]
    @Override
    protected Tensor forwardImpl(Tensor x) {
        checkInput(x, x.rank() == 4, "(N, C, H, W)");
        Tensor y = x.backend().empty(x.dim(0), x.dim(1), outH, outW);        // y: (N, C, OH, OW), overwritten
        x.backend().adaptiveAvgPool2dForward(x, y);
        this.inputShape = x.shape();
        return y;
    }

    // dx[n, c, rows(i), cols(j)] += dy[n, c, i, j] / (|rows(i)| * |cols(j)|)
    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Checks.forwardDone(describe(), inputShape);
        Checks.gradShape(describe(), dy, new int[] {inputShape[0], inputShape[1], outH, outW});
        Tensor dx = dy.backend().empty(inputShape);                            // dx: (N, C, H, W), overwritten
        dy.backend().adaptiveAvgPool2dBackward(dy, dx);
        return dx;
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(output_size=" + (outH == outW ? Integer.toString(outH) : "(" + outH + ", " + outW + ")") + ")";
    }
}
