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
 * Seed 000's ResNet-50 (the original v1) and its CIFAR-10 network: a 7x7 stride-2 stem conv WITH
 * bias + BN + ReLU (conv1.0/conv1.1), maxpool, stages conv2..conv5 of {@link Block}s whose stride sits
 * on the FIRST 1x1 conv (v1; torchvision's v1.5 moved it to the 3x3), the first block of each stage
 * with a 1x1 conv + BN shortcut; global average pooling and fc.0. Layers [3, 4, 6, 3] with 1000
 * classes is {@code seed-resnet50-v1}; Layers [3, 4] with fc 512 -> 10 is {@code seed-cifar-resnet}.
 * PyTorch's default init throughout (the seed does not re-initialize).
 */
public final class SeedResNetV1 extends Chain implements HasClassifierHead {
    private static final int[][] FILTERS = {{64, 64, 256}, {128, 128, 512}, {256, 256, 1024}, {512, 512, 2048}};

    /** Seed 000's {@code Block(in_channels, filters, stride, is_1x1conv)}. */
    public static final class Block extends Module {
        private final Sequential conv1, conv2, conv3, shortcut;
        private final ReLU relu;
        private final ResidualSum sum = new ResidualSum();

        public Block(int inChannels, int[] filters, int stride, boolean is1x1conv) {
            relu = registerModule("relu", new ReLU());
            conv1 = registerModule("conv1", new Sequential(
                    new Conv2d(inChannels, filters[0], 1, stride, 0, 1, 1, false), new BatchNorm2d(filters[0]), new ReLU()));
            conv2 = registerModule("conv2", new Sequential(
                    new Conv2d(filters[0], filters[1], 3, 1, 1, 1, 1, false), new BatchNorm2d(filters[1]), new ReLU()));
            conv3 = registerModule("conv3", new Sequential(
                    new Conv2d(filters[1], filters[2], 1, 1, 0, 1, 1, false), new BatchNorm2d(filters[2])));
            shortcut = is1x1conv ? registerModule("shortcut", new Sequential(
                    new Conv2d(inChannels, filters[2], 1, stride, 0, 1, 1, false), new BatchNorm2d(filters[2]))) : null;
        }

        // out = relu(conv3(conv2(conv1(x))) + (shortcut(x) or x))
        @Override
        protected Tensor forwardImpl(Tensor x) {
            Tensor main = conv3.forward(conv2.forward(conv1.forward(x)));      // (N, f3, H/s, W/s)
            Tensor s = shortcut == null ? x : shortcut.forward(x);
            return relu.forward(sum.forward(main, s));
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: the gradient of the sum goes, unchanged, into both branches.
            ResidualSum.BranchGrads g = sum.backward(relu.backward(dy));
            Tensor dxMain = conv1.backward(conv2.backward(conv3.backward(g.main())));
            Tensor dxShortcut = shortcut == null ? g.shortcut() : shortcut.backward(g.shortcut());
            return Residuals.addBranchGradients(dxMain, dxShortcut);
        }

        @Override
        public String describe() {
            return "Block";
        }
    }

    public SeedResNetV1(int[] layers, int numClasses, int inChannels) {
        super("SeedResNetV1");
        if (layers.length < 1 || layers.length > 4) throw new IllegalArgumentException("1 to 4 stages, got " + layers.length);
        add("conv1", new Sequential(new Conv2d(inChannels, 64, 7, 2, 3, 1, 1, true), new BatchNorm2d(64), new ReLU()));
        add("maxpool", new MaxPool2d(3, 2, 1));
        int in = 64;
        for (int i = 0; i < layers.length; i++) {
            Sequential stage = new Sequential();
            stage.add(new Block(in, FILTERS[i], i == 0 ? 1 : 2, true));
            for (int j = 1; j < layers[i]; j++) stage.add(new Block(FILTERS[i][2], FILTERS[i], 1, false));
            add("conv" + (i + 2), stage);
            in = FILTERS[i][2];
        }
        add("avgpool", new AdaptiveAvgPool2d(1, 1));
        add("flatten", new Flatten());
        add("fc", new Sequential(new Linear(in, numClasses, true)));
    }

    @Override
    public Linear fc() {
        return (Linear) ((Sequential) children().get("fc")).get(0);
    }

    @Override
    public void replaceFc(Linear fc) {
        HasClassifierHead.checkHead(this, fc);
        replace("fc", new Sequential(fc));
    }
}
