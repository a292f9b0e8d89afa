package org.resnet4j.ops.models;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.ReLU;

/**
 * The CIFAR-10 networks of He et al. 2015, section 4.2: a 3x3 conv to 16 channels, three stages of
 * n BasicBlocks at 16, 32 and 64 channels (32x32, 16x16, 8x8 on CIFAR), global average pooling and
 * a 10-way fc: 6n+2 weighted layers (n = 3, 5, 7, 9, 18, 200 for depth 20, 32, 44, 56, 110, 1202).
 * The shortcut where the shape changes is option A (subsample + zero channels, no parameters) or
 * option B (1x1 projection conv + BN); {@link Shortcut#NONE} gives the "plain" network of the same
 * depth (same layers, no shortcuts). Names follow torchvision (conv1, bn1, layer1..3, fc) and so does
 * the init (kaiming_normal fan_out convs, BN 1/0).
 */
public final class CifarResNet extends Chain implements HasClassifierHead {
    public enum Shortcut { A, B, NONE }

    private final Shortcut shortcut;
    private int inplanes = 16;

    public CifarResNet(int depth, Shortcut shortcut, ModelOptions o) {
        super(shortcut == Shortcut.NONE ? "PlainNet" : "CifarResNet");
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("a CIFAR ResNet has 6n+2 layers (20, 32, 44, 56, 110, 1202, ...), got depth " + depth);
        }
        this.shortcut = shortcut;
        int n = (depth - 2) / 6;
        add("conv1", new Conv2d(o.inChannelsOr(3), 16, 3, 1, 1, 1, 1, false));
        add("bn1", new BatchNorm2d(16));
        add("relu", new ReLU());
        add("layer1", stage(16, n, 1));
        add("layer2", stage(32, n, 2));
        add("layer3", stage(64, n, 2));
        add("avgpool", new AdaptiveAvgPool2d(1, 1));
        add("flatten", new Flatten());
        add("fc", new Linear(64, o.numClassesOr(10), true));
        ResNet.initialize(this, o.zeroInitResidual());
    }

    private Sequential stage(int planes, int blocks, int stride) {
        Sequential layer = new Sequential();
        for (int i = 0; i < blocks; i++) {
            int s = i == 0 ? stride : 1;
            Module downsample = null;
            if (shortcut != Shortcut.NONE && (s != 1 || inplanes != planes)) {
                downsample = shortcut == Shortcut.A
                        ? new OptionAShortcut(inplanes, planes, s)
                        : new Sequential(new Conv2d(inplanes, planes, 1, s, 0, 1, 1, false), new BatchNorm2d(planes));
            }
            layer.add(new BasicBlock(inplanes, planes, s, downsample, 1, 64, 1, shortcut != Shortcut.NONE));
            inplanes = planes;
        }
        return layer;
    }

    public Shortcut shortcut() {
        return shortcut;
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
