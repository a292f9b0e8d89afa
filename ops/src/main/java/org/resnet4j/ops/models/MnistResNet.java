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
public final class MnistResNet extends Module {

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

    private final Conv2d conv1, conv2;
    private final MaxPool2d mp, mp2;
    private final ResBlock rb1, rb2;
    private final Linear linear1, linear2;
    private final ReLU relu1 = new ReLU(), relu2 = new ReLU(), relu3 = new ReLU(); // F.relu in the seed: no state
    private final Flatten flatten = new Flatten();

    /** Registered in the seed's order (conv1, conv2, MP, RB1, RB2, linear1, linear2), so the state_dict order matches. */
    public MnistResNet(int inChannels, int numClasses) {
        conv1 = registerModule("conv1", new Conv2d(inChannels, 16, 5, 1, 0, 1, 1, true));
        conv2 = registerModule("conv2", new Conv2d(16, 32, 3, 1, 0, 1, 1, true));
        mp = registerModule("MP", new MaxPool2d(2, 2, 0));
        mp2 = registerModule("MP2", new MaxPool2d(2, 2, 0));
        rb1 = registerModule("RB1", new ResBlock(16));
        rb2 = registerModule("RB2", new ResBlock(32));
        linear1 = registerModule("linear1", new Linear(800, 200, true));
        linear2 = registerModule("linear2", new Linear(200, numClasses, true));
        registerModule("relu1", relu1);
        registerModule("relu2", relu2);
        registerModule("relu3", relu3);
        registerModule("flatten", flatten);
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, 1, 28, 28)
        Tensor y = mp.forward(relu1.forward(conv1.forward(x)));                // (N, 16, 12, 12)
        y = rb1.forward(y);
        y = mp2.forward(relu2.forward(conv2.forward(y)));                      // (N, 32, 5, 5)
        y = rb2.forward(y);
        y = relu3.forward(linear1.forward(flatten.forward(y)));                // (N, 200)
        return linear2.forward(y);                                             // (N, 10)
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {
        Tensor d = flatten.backward(linear1.backward(relu3.backward(linear2.backward(dy))));
        d = conv2.backward(relu2.backward(mp2.backward(rb2.backward(d))));
        return conv1.backward(relu1.backward(mp.backward(rb1.backward(d))));
    }

    @Override
    public String describe() {
        return "MnistResNet";
    }
}
