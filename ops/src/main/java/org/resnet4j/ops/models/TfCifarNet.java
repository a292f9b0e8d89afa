package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.AvgPool2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * Seed 000's TensorFlow CIFAR-10 residual net ({@code res_net(x, [2, 3, 2], 32, 10)}), in NCHW:
 * no batch norm anywhere; conv0 3x3 to 32 filters with ReLU; stages of [2, 3, 2] residual blocks at
 * 32, 64, 128 channels; global average pooling ({@code reduce_mean} over H, W); dense to 10.
 * <p>Differences from the TF code, neither of which changes shapes or the parameter count:
 * TF's 'same' padding pads a stride-2 3x3 conv on an even input by 0 before and 1 after, PyTorch's
 * padding=1 by 1 before (the output grid is shifted by one pixel); and the init is PyTorch's
 * default instead of TF's glorot_uniform weights and zero biases.
 */
public final class TfCifarNet extends Chain implements HasClassifierHead {

    /**
     * {@code residual_block(x, output_channel)}: out = relu(conv2(relu(conv1(x)))) + shortcut(x), with
     * NO ReLU after the sum. When the channels double, conv1 has stride 2 and the shortcut is a 2x2
     * average pool plus zero channels, input_channel/2 before and after.
     */
    public static final class Block extends Module {
        private final Conv2d conv1, conv2;
        private final ReLU relu1, relu2;
        private final AvgPool2d pool; // null: identity shortcut
        private final int inChannels, pad;
        private final ResidualSum sum = new ResidualSum();
        private int[] pooledShape;

        public Block(int inChannels, int outChannels) {
            boolean increase;
            if (inChannels * 2 == outChannels) increase = true;
            else if (inChannels == outChannels) increase = false;
            else throw new IllegalArgumentException("input channel can't match output channel: " + inChannels + " -> " + outChannels);
            this.inChannels = inChannels;
            this.pad = inChannels / 2;
            int stride = increase ? 2 : 1;
            conv1 = registerModule("conv1", new Conv2d(inChannels, outChannels, 3, stride, 1, 1, 1, true));
            relu1 = registerModule("relu1", new ReLU());
            conv2 = registerModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1, 1, 1, true));
            relu2 = registerModule("relu2", new ReLU());
            pool = increase ? registerModule("pool", new AvgPool2d(2, 2, 0)) : null;
        }

        @Override
        protected Tensor forwardImpl(Tensor x) {                                // x: (N, in, H, W)
            Tensor main = relu2.forward(conv2.forward(relu1.forward(conv1.forward(x))));
            Tensor shortcut = x;
            if (pool != null) {
                Tensor pooled = pool.forward(x);                               // (N, in, H/2, W/2)
                pooledShape = pooled.shape();
                shortcut = x.backend().zeros(main.shape());                    // (N, 2*in, H/2, W/2)
                x.backend().padChannels(pooled, pad, pad, shortcut);
            }
            return sum.forward(main, shortcut);
        }

        @Override
        protected Tensor backwardImpl(Tensor dy) {
            // The split: dy goes, unchanged, into the main branch AND the shortcut.
            ResidualSum.BranchGrads g = sum.backward(dy);
            Tensor dxMain = conv1.backward(relu1.backward(conv2.backward(relu2.backward(g.main()))));
            Tensor dxShortcut = g.shortcut();
            if (pool != null) {
                Tensor dPooled = dy.backend().zeros(pooledShape);              // the padded channels had no input
                dy.backend().sliceChannels(g.shortcut(), pad, dPooled);
                dxShortcut = pool.backward(dPooled);
            }
            return Residuals.addBranchGradients(dxMain, dxShortcut);
        }

        @Override
        public String describe() {
            return "TfResidualBlock(" + inChannels + (pool == null ? "" : " -> " + 2 * inChannels + ", stride=2") + ")";
        }
    }

    public TfCifarNet(int[] blocksPerStage, int base, int numClasses, int inChannels) {
        super("TfCifarNet");
        add("conv0", new Conv2d(inChannels, base, 3, 1, 1, 1, 1, true));
        add("relu0", new ReLU());
        Sequential blocks = new Sequential();
        int in = base;
        for (int s = 0; s < blocksPerStage.length; s++) {
            int out = base << s;
            for (int i = 0; i < blocksPerStage[s]; i++) {
                blocks.add(new Block(in, out));
                in = out;
            }
        }
        add("blocks", blocks);
        add("avgpool", new AdaptiveAvgPool2d(1, 1));
        add("flatten", new Flatten());
        add("fc", new Linear(in, numClasses, true));
    }

    @Override
    public Linear fc() {
        return (Linear) children().get("fc");
    }

    @Override
    public void replaceFc(Linear fc) {
        HasClassifierHead.checkHead(this, fc);
        replace("fc", fc);
    }
}
