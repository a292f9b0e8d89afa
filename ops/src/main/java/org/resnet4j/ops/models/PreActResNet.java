package org.resnet4j.ops.models;

import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.MaxPool2d;
import org.resnet4j.ops.nn.ReLU;

/**
 * Pre-activation ResNets (He et al. 2016). Since each unit ends with a sum, not a ReLU, the last
 * unit's output goes through a final BN + ReLU before pooling.
 * <ul>
 *   <li>CIFAR layout: 3x3 conv to 16 channels, three stages at 16/32/64 planes (preact-resnet20..110
 *       with basic units, 164 and 1001 with bottleneck units), final_bn, final_relu, avgpool, fc.</li>
 *   <li>ImageNet layout: the 7x7 stem (conv1, bn1, relu, maxpool), four stages at 64..512 planes,
 *       final_bn, final_relu, avgpool, fc (preact-resnet18..152).</li>
 * </ul>
 */
public final class PreActResNet extends Chain implements HasClassifierHead {
    private final boolean bottleneck;
    private int inplanes;

    public PreActResNet(boolean bottleneck, int[] layers, boolean cifar, ModelOptions o) {
        super("PreActResNet");
        this.bottleneck = bottleneck;
        int[] widths = cifar ? new int[] {16, 32, 64} : new int[] {64, 128, 256, 512};
        if (layers.length != widths.length) {
            throw new IllegalArgumentException("the " + (cifar ? "CIFAR" : "ImageNet") + " layout has " + widths.length
                    + " stages, got " + layers.length + " stage sizes");
        }
        inplanes = widths[0];
        if (cifar) {
            add("conv1", new Conv2d(o.inChannelsOr(3), 16, 3, 1, 1, 1, 1, false));
        } else {
            add("conv1", new Conv2d(o.inChannelsOr(3), 64, 7, 2, 3, 1, 1, false));
            add("bn1", new BatchNorm2d(64));
            add("relu", new ReLU());
            add("maxpool", new MaxPool2d(3, 2, 1));
        }
        for (int i = 0; i < widths.length; i++) add("layer" + (i + 1), stage(widths[i], layers[i], i == 0 ? 1 : 2));
        add("final_bn", new BatchNorm2d(inplanes));
        add("final_relu", new ReLU());
        add("avgpool", new AdaptiveAvgPool2d(1, 1));
        add("flatten", new Flatten());
        add("fc", new Linear(inplanes, o.numClassesOr(cifar ? 10 : 1000), true));
        ResNet.initialize(this, false);
    }

    private Sequential stage(int planes, int blocks, int stride) {
        Sequential layer = new Sequential();
        for (int i = 0; i < blocks; i++) {
            int s = i == 0 ? stride : 1;
            Module unit = bottleneck ? new PreActBottleneck(inplanes, planes, s) : new PreActBasicBlock(inplanes, planes, s);
            layer.add(unit);
            inplanes = planes * (bottleneck ? PreActBottleneck.EXPANSION : PreActBasicBlock.EXPANSION);
        }
        return layer;
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
