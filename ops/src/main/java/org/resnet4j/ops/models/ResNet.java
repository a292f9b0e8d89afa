package org.resnet4j.ops.models;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.Init;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;

/**
 * torchvision.models.ResNet: a 7x7 stride-2 stem (conv1, bn1, relu, maxpool), four stages
 * layer1..layer4 of Basic or Bottleneck blocks at 64/128/256/512 planes (stages 2-4 halve the
 * resolution in their first block), global average pooling and fc. Same options, same state_dict
 * names, same initialization: convs kaiming_normal(fan_out, relu), BatchNorm weight 1 and bias 0,
 * Linear PyTorch's default, and with zero_init_residual the last BN of every block starts at 0, so
 * each block starts as the identity.
 */
public final class ResNet extends Chain implements HasClassifierHead {
    public enum Block { BASIC, BOTTLENECK }

    private final Block block;
    private final int groups, baseWidth;
    private int inplanes = 64;
    private int dilation = 1;

    public ResNet(Block block, int[] layers, ModelOptions o) {
        super("ResNet");
        if (layers.length != 4) throw new IllegalArgumentException("ResNet needs 4 stage sizes, got " + layers.length);
        this.block = block;
        this.groups = o.groupsOr(1);
        this.baseWidth = o.widthPerGroupOr(64);
        boolean[] dilate = o.replaceStrideWithDilation();
        add("conv1", new Conv2d(o.inChannelsOr(3), 64, 7, 2, 3, 1, 1, false));
        add("bn1", new BatchNorm2d(64));
        add("relu", new ReLU(true)); // over bn1's output, as torchvision
        add("maxpool", new MaxPool2d(3, 2, 1));
        add("layer1", makeLayer(64, layers[0], 1, false));
        add("layer2", makeLayer(128, layers[1], 2, dilate[0]));
        add("layer3", makeLayer(256, layers[2], 2, dilate[1]));
        add("layer4", makeLayer(512, layers[3], 2, dilate[2]));
        add("avgpool", new AdaptiveAvgPool2d(1, 1));
        add("flatten", new Flatten());
        add("fc", new Linear(512 * expansion(), o.numClassesOr(1000), true));
        initialize(this, o.zeroInitResidual());
    }

    private int expansion() {
        return block == Block.BASIC ? BasicBlock.EXPANSION : Bottleneck.EXPANSION;
    }

    /** torchvision's _make_layer: the first block may change stride and width, so it gets the downsample. */
    private Sequential makeLayer(int planes, int blocks, int stride, boolean dilate) {
        Module downsample = null;
        int previousDilation = dilation;
        if (dilate) {
            dilation *= stride;
            stride = 1;
        }
        if (stride != 1 || inplanes != planes * expansion()) {
            downsample = new Sequential(new Conv2d(inplanes, planes * expansion(), 1, stride, 0, 1, 1, false),
                    new BatchNorm2d(planes * expansion()));
        }
        Sequential layer = new Sequential();
        layer.add(newBlock(inplanes, planes, stride, downsample, previousDilation));
        inplanes = planes * expansion();
        for (int i = 1; i < blocks; i++) layer.add(newBlock(inplanes, planes, 1, null, dilation));
        return layer;
    }

    private Module newBlock(int in, int planes, int stride, Module downsample, int dil) {
        return block == Block.BASIC
                ? new BasicBlock(in, planes, stride, downsample, groups, baseWidth, dil, true)
                : new Bottleneck(in, planes, stride, downsample, groups, baseWidth, dil);
    }

    /**
     * torchvision's init loop over every module: Conv2d weight kaiming_normal(fan_out, relu);
     * BatchNorm weight 1, bias 0; then, with zero_init_residual, the last BN weight of each block 0.
     * (Linear keeps PyTorch's default init from its constructor.)
     */
    static void initialize(Module model, boolean zeroInitResidual) {
        for (Module m : model.namedModules().values()) {
            if (m instanceof Conv2d c) {
                Init.kaimingNormalFanOut(c.weight());
            } else if (m instanceof BatchNorm2d bn && bn.weight() != null) {
                Init.constant(bn.weight(), 1.0);
                Init.constant(bn.bias(), 0.0);
            }
        }
        if (zeroInitResidual) {
            for (Module m : model.namedModules().values()) {
                if (m instanceof Bottleneck b) Init.constant(b.lastBn().weight(), 0.0);
                else if (m instanceof BasicBlock b) Init.constant(b.lastBn().weight(), 0.0);
            }
        }
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
