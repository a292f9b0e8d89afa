package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * Seed 000's {@code Bottleneck(in_dim, out_dim, stride)}: a 1x1 / 3x3 / 1x1 main branch at in_dim
 * channels, and a shortcut that is ALWAYS a 1x1 conv with bias + BN, even when the shapes already
 * match:
 * <pre>
 *   out = relu( bottleneck(x) + downsample(x) )
 *   bottleneck = [conv 1x1, BN, ReLU, conv 3x3 (stride), BN, ReLU, conv 1x1 -> out_dim, BN]
 *   downsample = [conv 1x1 -> out_dim (bias), BN]
 * </pre>
 * Its demo, Bottleneck(64, 256) on (1, 64, 56, 56), gives (1, 256, 56, 56).
 * Difference from the seed: its downsample conv has stride 1 whatever {@code stride} is, so with
 * stride 2 the two branches could not be added; here the shortcut takes the same stride (the intent).
 */
public final class SeedBottleneck extends Module {
    private final Sequential bottleneck;
    private final ReLU relu;
    private final Sequential downsample;
    private final ResidualSum sum = new ResidualSum();

    public SeedBottleneck(int inDim, int outDim, int stride) {
        bottleneck = registerModule("bottleneck", new Sequential(
                new Conv2d(inDim, inDim, 1, 1, 0, 1, 1, false), new BatchNorm2d(inDim), new ReLU(),
                new Conv2d(inDim, inDim, 3, stride, 1, 1, 1, false), new BatchNorm2d(inDim), new ReLU(),
                new Conv2d(inDim, outDim, 1, 1, 0, 1, 1, false), new BatchNorm2d(outDim)));
        relu = registerModule("relu", new ReLU());
        downsample = registerModule("downsample", new Sequential(
                new Conv2d(inDim, outDim, 1, stride, 0, 1, 1, true), new BatchNorm2d(outDim)));
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, in, H, W)
        Tensor main = bottleneck.forward(x);                                   // (N, out, H/s, W/s)
        Tensor shortcut = downsample.forward(x);                               // (N, out, H/s, W/s)
        return relu.forward(sum.forward(main, shortcut));
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {
        // The split: the gradient of the sum goes, unchanged, into both branches; both started at x.
        ResidualSum.BranchGrads g = sum.backward(relu.backward(dy));
        return Residuals.addBranchGradients(bottleneck.backward(g.main()), downsample.backward(g.shortcut()));
    }

    @Override
    public String describe() {
        return "SeedBottleneck";
    }
}
