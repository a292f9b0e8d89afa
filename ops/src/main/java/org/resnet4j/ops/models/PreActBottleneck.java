package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * The pre-activation bottleneck unit of He et al. 2016 (ResNet-164, ResNet-1001 on CIFAR):
 * <pre>
 *   pre = relu(bn1(x))
 *   out = conv3(relu(bn3(conv2(relu(bn2(conv1(pre)))))))  +  (x, or downsample(pre))
 * </pre>
 * conv1 1x1 (in -> planes), conv2 3x3 stride s, conv3 1x1 (planes -> 4*planes).
 */
public final class PreActBottleneck extends Module {
    public static final int EXPANSION = 4;

    private final BatchNorm2d bn1, bn2, bn3;
    private final ReLU relu, relu2, relu3;
    private final Conv2d conv1, conv2, conv3;
    private final Module downsample;
    private final ResidualSum sum = new ResidualSum();

    public PreActBottleneck(int inplanes, int planes, int stride) {
        bn1 = registerModule("bn1", new BatchNorm2d(inplanes));
        relu = registerModule("relu", new ReLU());
        conv1 = registerModule("conv1", new Conv2d(inplanes, planes, 1, 1, 0, 1, 1, false));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        relu2 = registerModule("relu2", new ReLU());
        conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, stride, 1, 1, 1, false));
        bn3 = registerModule("bn3", new BatchNorm2d(planes));
        relu3 = registerModule("relu3", new ReLU());
        conv3 = registerModule("conv3", new Conv2d(planes, planes * EXPANSION, 1, 1, 0, 1, 1, false));
        downsample = stride != 1 || inplanes != planes * EXPANSION
                ? registerModule("downsample", new Sequential(new Conv2d(inplanes, planes * EXPANSION, 1, stride, 0, 1, 1, false)))
                : null;
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, in, H, W)
        Tensor pre = relu.forward(bn1.forward(x));
        Tensor shortcut = downsample == null ? x : downsample.forward(pre);    // (N, 4*planes, H/s, W/s)
        Tensor out = relu2.forward(bn2.forward(conv1.forward(pre)));           // (N, planes, H, W)
        out = relu3.forward(bn3.forward(conv2.forward(out)));                  // (N, planes, H/s, W/s)
        return sum.forward(conv3.forward(out), shortcut);                      // (N, 4*planes, H/s, W/s)
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {
        // The split: dy goes, unchanged, into the main branch AND the shortcut.
        ResidualSum.BranchGrads g = sum.backward(dy);
        Tensor d = conv2.backward(bn3.backward(relu3.backward(conv3.backward(g.main()))));
        Tensor dPre = conv1.backward(bn2.backward(relu2.backward(d)));         // (N, in, H, W)
        if (downsample != null) {
            // both branches started at pre: their gradients meet there
            Tensor fromShortcut = downsample.backward(g.shortcut());
            Tensor dPreSum = Residuals.addBranchGradients(dPre, fromShortcut);
            Tensor dx = bn1.backward(relu.backward(dPreSum));
            reportResidualBackward(dy, dPre, fromShortcut, dPreSum);        // for gradient-flow hooks
            return dx;
        }
        // identity shortcut: the branches meet at x itself
        Tensor fromMain = bn1.backward(relu.backward(dPre));
        Tensor dx = Residuals.addBranchGradients(fromMain, g.shortcut());
        reportResidualBackward(dy, fromMain, g.shortcut(), dx);               // for gradient-flow hooks
        return dx;
    }

    @Override
    public String describe() {
        return "PreActBottleneck";
    }
}
