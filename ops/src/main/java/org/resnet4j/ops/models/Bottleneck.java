package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Fusion;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * torchvision's Bottleneck, ResNet v1.5 (ResNet-50/101/152, ResNeXt, Wide ResNet):
 * <pre>
 *   out = relu( bn3(conv3( relu(bn2(conv2( relu(bn1(conv1(x))) ))) ))  +  shortcut(x) )
 * </pre>
 * conv1 1x1 (inplanes -> width), conv2 3x3 (width -> width, stride s, groups, dilation), conv3 1x1
 * (width -> planes*4), with width = planes * base_width/64 * groups. v1.5 puts the stride on the 3x3
 * (v1, the original paper, put it on the first 1x1: see {@link SeedResNetV1}).
 */
public final class Bottleneck extends Module {
    public static final int EXPANSION = 4;

    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    private final ReLU relu, relu2, reluOut; // torchvision reuses one relu three times; ours keep their outputs
    // in place, as torchvision: each relu overwrites a BatchNorm's output, the sum overwrites bn3's output
    private final Module downsample;         // null: identity shortcut
    private final ResidualSum sum = new ResidualSum(true);

    public Bottleneck(int inplanes, int planes, int stride, Module downsample, int groups, int baseWidth, int dilation) {
        int width = (int) (planes * (baseWidth / 64.0)) * groups;
        conv1 = registerModule("conv1", new Conv2d(inplanes, width, 1, 1, 0, 1, 1, false));
        bn1 = registerModule("bn1", new BatchNorm2d(width));
        conv2 = registerModule("conv2", new Conv2d(width, width, 3, stride, dilation, dilation, groups, false));
        bn2 = registerModule("bn2", new BatchNorm2d(width));
        conv3 = registerModule("conv3", new Conv2d(width, planes * EXPANSION, 1, 1, 0, 1, 1, false));
        bn3 = registerModule("bn3", new BatchNorm2d(planes * EXPANSION));
        relu = registerModule("relu", new ReLU(true));
        relu2 = registerModule("relu2", new ReLU(true));
        this.downsample = downsample == null ? null : registerModule("downsample", downsample);
        reluOut = registerModule("relu_out", new ReLU(true));
    }

    public BatchNorm2d lastBn() {
        return bn3;
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, inplanes, H, W)
        if (Fusion.applies(conv1, bn1, relu) && Fusion.applies(conv2, bn2, relu2)
                && Fusion.applies(conv3, bn3, reluOut)) {
            return fusedForward(x);
        }
        // each relu(bn(conv(...))) with the ReLU in the batch norm's last pass where nothing watches them (Fusion.batchNorm)
        Tensor out = Fusion.batchNorm(bn1, conv1.forward(x), null, null, relu, this::ownActivation);   // (N, width, H, W)
        out = Fusion.batchNorm(bn2, conv2.forward(out), null, null, relu2, this::ownActivation);       // (N, width, H/s, W/s)
        Tensor main = conv3.forward(out);                                      // (N, 4*planes, H/s, W/s)
        // relu(bn3(main) + shortcut(x)), shortcut = x or downsample(x): (N, 4*planes, H/s, W/s)
        return Fusion.batchNorm(bn3, main, sum, () -> downsample == null ? x : downsample.forward(x), reluOut, this::ownActivation);
    }

    /** The same, under InferenceMode: each batch norm, the sum and the ReLUs applied as their convolution stores its output. */
    private Tensor fusedForward(Tensor x) {
        Tensor out = ownActivation(Fusion.convBn(conv1, bn1, null, relu, x));
        out = ownActivation(Fusion.convBn(conv2, bn2, null, relu2, out));
        Tensor shortcut = downsample == null ? x : Fusion.shortcut(downsample, x, this::ownActivation);
        return Fusion.convBn(conv3, bn3, shortcut, reluOut, out);
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {                                  // dy: (N, 4*planes, H/s, W/s)
        Tensor dSum = reluOut.backward(dy);
        // The split: the gradient of the sum goes, unchanged, into the main branch AND the shortcut.
        ResidualSum.BranchGrads g = sum.backward(dSum);
        // conv1 <- bn1 <- relu <- conv2 <- bn2 <- relu2 <- conv3 <- bn3   // (N, width, H/s, W/s), (N, width, H, W)
        Tensor dxMain = backwardThrough(g.main(), bn3, conv3, relu2, bn2, conv2, relu, bn1, conv1); // (N, inplanes, H, W)
        Tensor dxShortcut = downsample == null ? g.shortcut() : downsample.backward(g.shortcut());
        Tensor dx = Residuals.addBranchGradients(dxMain, dxShortcut);           // dx: (N, inplanes, H, W)
        reportResidualBackward(dSum, dxMain, dxShortcut, dx);                  // for gradient-flow hooks
        return dx;
    }

    @Override
    public String describe() {
        return "Bottleneck";
    }
}
