package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Dropout;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * Seed 000's "simple" ResNet ({@code ResNet(in_channel, num_classes)}), exactly as written, including
 * its unusual choices, which are kept on purpose:
 * <ul>
 *   <li>stem: conv 5x5 stride 2 (with bias) + BN + ReLU, then maxpool 3/2/1;</li>
 *   <li>res_block1: two {@link Basic} blocks at 64 channels, whose second conv has its own ReLU BEFORE
 *       the sum (and another after it);</li>
 *   <li>res_block2: maxpool 3/2/1, ReLU, then {@link Bottle}s 64 -> 256 -> 1024 -> 4096, whose first
 *       two convs have no ReLU and whose shortcut (1x1 conv + BN + ReLU) always projects;</li>
 *   <li>output: conv 4x4 (4096 -> 1024, so the input must be 32x32 to reach 4x4 here) + BN + ReLU,
 *       flatten, Linear(1024, classes), Dropout(0.4) and a final ReLU on the logits.</li>
 * </ul>
 * About 87.4 million parameters, most in the last bottleneck and the 4x4 head.
 */
public final class SimpleResNet extends Chain {

    private static Conv2d conv3x3(int in, int out) {
        return new Conv2d(in, out, 3, 1, 1, 1, 1, false);
    }

    private static Conv2d conv1x1(int in, int out) {
        return new Conv2d(in, out, 1, 1, 0, 1, 1, false);
    }

    /** Seed's BasicBlock(in_channel): out = relu(conv2(conv1(x)) + x), each conv = conv3x3 + BN + ReLU. */
    public static final class Basic extends Module {
        private final Sequential conv1, conv2;
        private final ReLU relu;
        private final ResidualSum sum = new ResidualSum();

        public Basic(int c) {
            conv1 = registerModule("conv1", new Sequential(conv3x3(c, c), new BatchNorm2d(c), new ReLU()));
            conv2 = registerModule("conv2", new Sequential(conv3x3(c, c), new BatchNorm2d(c), new ReLU()));
            relu = registerModule("relu", new ReLU());
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {                                // x: (N, c, H, W)
            return relu.forward(sum.forward(conv2.forward(conv1.forward(x)), x));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: the gradient of the sum goes, unchanged, into the main branch AND the identity.
            ResidualSum.BranchGrads g = sum.backward(relu.backward(dy));
            return Residuals.addBranchGradients(conv1.backward(conv2.backward(g.main())), g.shortcut());
        }

        @Override
        public String describe() {
            return "BasicBlock";
        }
    }

    /** Seed's Bottleneck(in_channel), exp = 4: out = relu(conv3(conv2(conv1(x))) + downsample(x)). */
    public static final class Bottle extends Module {
        public static final int EXP = 4;
        private final Sequential conv1, conv2, conv3, downsample;
        private final ReLU relu;
        private final ResidualSum sum = new ResidualSum();

        public Bottle(int c) {
            conv1 = registerModule("conv1", new Sequential(conv1x1(c, c), new BatchNorm2d(c)));
            conv2 = registerModule("conv2", new Sequential(conv3x3(c, c), new BatchNorm2d(c)));
            conv3 = registerModule("conv3", new Sequential(conv1x1(c, c * EXP), new BatchNorm2d(c * EXP), new ReLU()));
            downsample = registerModule("downsample", new Sequential(conv1x1(c, c * EXP), new BatchNorm2d(c * EXP), new ReLU()));
            relu = registerModule("relu", new ReLU());
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {                                // x: (N, c, H, W)
            Tensor main = conv3.forward(conv2.forward(conv1.forward(x)));      // (N, 4c, H, W)
            return relu.forward(sum.forward(main, downsample.forward(x)));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: the gradient of the sum goes, unchanged, into both branches; both started at x.
            ResidualSum.BranchGrads g = sum.backward(relu.backward(dy));
            Tensor dxMain = conv1.backward(conv2.backward(conv3.backward(g.main())));
            return Residuals.addBranchGradients(dxMain, downsample.backward(g.shortcut()));
        }

        @Override
        public String describe() {
            return "Bottleneck";
        }
    }

    public SimpleResNet(int inChannels, int numClasses) {
        super("SimpleResNet");
        add("conv1", new Sequential(new Conv2d(inChannels, 64, 5, 2, 2, 1, 1, true), new BatchNorm2d(64), new ReLU()));
        add("maxpool", new MaxPool2d(3, 2, 1));
        add("res_block1", new Sequential(new Basic(64), new Basic(64)));
        add("res_block2", new Sequential(new MaxPool2d(3, 2, 1), new ReLU(),
                new Bottle(64), new Bottle(64 * Bottle.EXP), new Bottle(64 * Bottle.EXP * Bottle.EXP)));
        add("output", new Sequential(new Conv2d(64 * 64, 1024, 4, 1, 0, 1, 1, false), new BatchNorm2d(1024), new ReLU(),
                new Flatten(), new Linear(1024, numClasses, true), new Dropout(0.4), new ReLU()));
    }
}
