package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Fusion;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * torchvision's BasicBlock (ResNet-18/34, and the CIFAR ResNets of He et al. 2015):
 * <pre>
 *   out = relu( bn2(conv2( relu(bn1(conv1(x))) ))  +  shortcut(x) )
 * </pre>
 * with conv1 3x3 (stride s), conv2 3x3, and shortcut = x, or {@code downsample(x)} when the shape
 * changes. State names: conv1, bn1, conv2, bn2, downsample.*. Built without a shortcut
 * ({@code residual = false}) it is the block of a "plain" network: the same layers, no sum.
 */
public final class BasicBlock extends Module {
    public static final int EXPANSION = 1;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final ReLU relu;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Module downsample; // null: identity shortcut
    private final boolean residual;
    private final ResidualSum sum = new ResidualSum(true); // out += shortcut over bn2's output, as torchvision
    // torchvision applies its one relu module twice; ours keeps each output for backward, so the
    // ReLU after the sum is a second module (it has no state in the state_dict).
    private final ReLU reluOut;

    /** torchvision's BasicBlock(inplanes, planes, stride, downsample, groups=1, base_width=64, dilation=1). */
    public BasicBlock(int inplanes, int planes, int stride, Module downsample) {
        this(inplanes, planes, stride, downsample, 1, 64, 1, true);
    }

    public BasicBlock(int inplanes, int planes, int stride, Module downsample, int groups, int baseWidth, int dilation,
                      boolean residual) {
        if (groups != 1 || baseWidth != 64) {
            throw new IllegalArgumentException("BasicBlock only supports groups=1 and base_width=64 (got groups=" + groups
                    + ", base_width=" + baseWidth + "); use a Bottleneck model such as resnext50_32x4d");
        }
        if (dilation > 1) {
            throw new IllegalArgumentException("Dilation > 1 not supported in BasicBlock (replace_stride_with_dilation needs a Bottleneck model)");
        }
        if (!residual && downsample != null) throw new IllegalArgumentException("a plain block has no shortcut to downsample");
        this.residual = residual;
        conv1 = registerModule("conv1", new Conv2d(inplanes, planes, 3, stride, 1, 1, 1, false));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        relu = registerModule("relu", new ReLU(true));     // over bn1's output, as torchvision
        conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, 1, 1, 1, 1, false));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        this.downsample = downsample == null ? null : registerModule("downsample", downsample);
        reluOut = registerModule("relu_out", new ReLU(true)); // over the sum (or bn2's output in a plain block)
    }

    /** The last BatchNorm of the main branch (zero_init_residual sets its weight to 0). */
    public BatchNorm2d lastBn() {
        return bn2;
    }

    public boolean isResidual() {
        return residual;
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, inplanes, H, W)
        if (Fusion.applies(conv1, bn1, relu) && Fusion.applies(conv2, bn2, reluOut)) return fusedForward(x);
        // relu(bn1(conv1(x))), the ReLU in the batch norm's last pass where nothing watches them (Fusion.batchNorm)
        Tensor out = Fusion.batchNorm(bn1, conv1.forward(x), null, null, relu, this::ownActivation); // (N, planes, H/s, W/s)
        Tensor main = conv2.forward(out);                                      // (N, planes, H/s, W/s)
        if (!residual) return Fusion.batchNorm(bn2, main, null, null, reluOut, this::ownActivation); // plain block: no shortcut
        // relu(bn2(main) + shortcut(x)), shortcut = x or downsample(x): (N, planes, H/s, W/s)
        return Fusion.batchNorm(bn2, main, sum, () -> downsample == null ? x : downsample.forward(x), reluOut, this::ownActivation);
    }

    /** The same, under InferenceMode: each batch norm, the sum and the ReLUs applied as their convolution stores its output. */
    private Tensor fusedForward(Tensor x) {
        Tensor out = ownActivation(Fusion.convBn(conv1, bn1, null, relu, x));
        Tensor shortcut = !residual ? null : downsample == null ? x : Fusion.shortcut(downsample, x, this::ownActivation);
        return Fusion.convBn(conv2, bn2, shortcut, reluOut, out);
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {                                  // dy: (N, planes, H/s, W/s)
        Tensor dSum = reluOut.backward(dy);
        if (!residual) {
            Tensor dx = conv1.backward(bn1.backward(relu.backward(conv2.backward(bn2.backward(dSum)))));
            return dx;
        }
        // The split: the gradient of the sum goes, unchanged, into the main branch AND the shortcut.
        ResidualSum.BranchGrads g = sum.backward(dSum);
        Tensor dxMain = conv1.backward(bn1.backward(relu.backward(conv2.backward(bn2.backward(g.main())))));
        Tensor dxShortcut = downsample == null ? g.shortcut() : downsample.backward(g.shortcut());
        Tensor dx = Residuals.addBranchGradients(dxMain, dxShortcut);           // dx: (N, inplanes, H, W)
        reportResidualBackward(dSum, dxMain, dxShortcut, dx);                  // for gradient-flow hooks
        return dx;
    }

    @Override
    public String describe() {
        return residual ? "BasicBlock" : "PlainBlock";
    }
}
