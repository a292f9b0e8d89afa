package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * Seed 001's d2l ResNet-18: {@code nn.Sequential(b1, b2, b3, b4, b5, AdaptiveAvgPool2d, Flatten, Linear(512, 10))}
 * with b1 = conv 7x7/2 (bias) + BN + ReLU + maxpool 3/2/1 and b2..b5 built by {@code resnet_block}: two
 * {@link Residual} units per stage at 64, 128, 256, 512 channels, the first unit of b3..b5 with
 * {@code use_1x1conv=True, strides=2}. State names are Sequential indices, as in d2l: {@code 0.0.weight},
 * {@code 1.0.conv1.weight}, ..., {@code 7.weight}. d2l feeds Fashion-MNIST, so one input channel by default.
 */
public final class D2lResNet18 extends Sequential {

    /**
     * d2l's {@code Residual(input_channels, num_channels, use_1x1conv, strides)}: two 3x3 convs WITH
     * bias, each followed by BN; Y = relu(bn2(conv2(relu(bn1(conv1(X))))) + (conv3(X) or X)), where
     * conv3 is an optional 1x1 conv (with bias) that matches channels and stride.
     */
    public static final class Residual extends Module {
        private final Conv2d conv1, conv2, conv3;
        private final BatchNorm2d bn1, bn2;
        private final ReLU relu, reluOut;
        private final ResidualSum sum = new ResidualSum();

        public Residual(int inputChannels, int numChannels, boolean use1x1conv, int strides) {
            conv1 = registerModule("conv1", new Conv2d(inputChannels, numChannels, 3, strides, 1, 1, 1, true));
            conv2 = registerModule("conv2", new Conv2d(numChannels, numChannels, 3, 1, 1, 1, 1, true));
            conv3 = use1x1conv ? registerModule("conv3", new Conv2d(inputChannels, numChannels, 1, strides, 0, 1, 1, true)) : null;
            bn1 = registerModule("bn1", new BatchNorm2d(numChannels));
            bn2 = registerModule("bn2", new BatchNorm2d(numChannels));
            relu = registerModule("relu", new ReLU());
            reluOut = registerModule("relu_out", new ReLU()); // d2l applies its one relu twice
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {                                // X: (N, in, H, W)
            Tensor y = relu.forward(bn1.forward(conv1.forward(x)));            // (N, c, H/s, W/s)
            y = bn2.forward(conv2.forward(y));
            Tensor shortcut = conv3 == null ? x : conv3.forward(x);
            return reluOut.forward(sum.forward(y, shortcut));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: the gradient of the sum goes, unchanged, into the main branch AND the shortcut.
            ResidualSum.BranchGrads g = sum.backward(reluOut.backward(dy));
            Tensor dxMain = conv1.backward(bn1.backward(relu.backward(conv2.backward(bn2.backward(g.main())))));
            Tensor dxShortcut = conv3 == null ? g.shortcut() : conv3.backward(g.shortcut());
            return Residuals.addBranchGradients(dxMain, dxShortcut);
        }

        @Override
        public String describe() {
            return "Residual";
        }
    }

    /** d2l's {@code resnet_block}: the first unit of every stage but the first changes channels and halves the size. */
    static Sequential resnetBlock(int inputChannels, int numChannels, int numResiduals, boolean firstBlock) {
        Sequential blk = new Sequential();
        for (int i = 0; i < numResiduals; i++) {
            if (i == 0 && !firstBlock) blk.add(new Residual(inputChannels, numChannels, true, 2));
            else blk.add(new Residual(numChannels, numChannels, false, 1));
        }
        return blk;
    }

    public D2lResNet18(int inChannels, int numClasses) {
        add(new Sequential(new Conv2d(inChannels, 64, 7, 2, 3, 1, 1, true), new BatchNorm2d(64), new ReLU(), new MaxPool2d(3, 2, 1)));
        add(resnetBlock(64, 64, 2, true));
        add(resnetBlock(64, 128, 2, false));
        add(resnetBlock(128, 256, 2, false));
        add(resnetBlock(256, 512, 2, false));
        add(new AdaptiveAvgPool2d(1, 1));
        add(new Flatten());
        add(new Linear(512, numClasses, true));
    }

    @Override
    public String describe() {
        return "D2lResNet18";
    }
}
