package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * Seed 002's MNIST model, for 1x28x28 inputs (MNIST, Fashion-MNIST):
 * <pre>
 *   conv1 5x5 (1 -> 16) + ReLU, max-pool 2   (16, 12, 12)
 *   RB1 = ResBlock(16)
 *   conv2 3x3 (16 -> 32) + ReLU, max-pool 2  (32, 5, 5)
 *   RB2 = ResBlock(32)
 *   flatten (800), linear1 800 -> 200 + ReLU, linear2 200 -> 10
 * </pre>
 * All convs and linears have biases. The seed's single MP module is applied twice; here each use is
 * its own MaxPool2d (MP and MP2), because each remembers its input for backward.
 */
public final class MnistResNet extends Chain {

    /** Seed 002's ResBlock(channel): relu(x + conv2(relu(conv1(x)))), conv1 3x3 pad 1, conv2 5x5 pad 2. */
    public static final class ResBlock extends Module {
        private final Conv2d conv1, conv2;
        private final ReLU relu1, reluOut;
        private final ResidualSum sum = new ResidualSum();

        public ResBlock(int channel) {
            conv1 = registerModule("conv1", new Conv2d(channel, channel, 3, 1, 1, 1, 1, true));
            relu1 = registerModule("relu1", new ReLU());
            conv2 = registerModule("conv2", new Conv2d(channel, channel, 5, 1, 2, 1, 1, true));
            reluOut = registerModule("relu_out", new ReLU());
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {                                // x: (N, c, H, W)
            Tensor y = conv2.forward(relu1.forward(conv1.forward(x)));         // (N, c, H, W)
            return reluOut.forward(sum.forward(y, x));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: the gradient of the sum goes, unchanged, into the conv branch AND the identity.
            ResidualSum.BranchGrads g = sum.backward(reluOut.backward(dy));
            Tensor dxMain = conv1.backward(relu1.backward(conv2.backward(g.main())));
            return Residuals.addBranchGradients(dxMain, g.shortcut());
        }

        @Override
        public String describe() {
            return "ResBlock";
        }
    }

    public MnistResNet(int inChannels, int numClasses) {
        super("MnistResNet");
        add("conv1", new Conv2d(inChannels, 16, 5, 1, 0, 1, 1, true));
        add("relu1", new ReLU());
        add("MP", new MaxPool2d(2, 2, 0));
        add("RB1", new ResBlock(16));
        add("conv2", new Conv2d(16, 32, 3, 1, 0, 1, 1, true));
        add("relu2", new ReLU());
        add("MP2", new MaxPool2d(2, 2, 0));
        add("RB2", new ResBlock(32));
        add("flatten", new Flatten());
        add("linear1", new Linear(800, 200, true));
        add("relu3", new ReLU());
        add("linear2", new Linear(200, numClasses, true));
    }
}
