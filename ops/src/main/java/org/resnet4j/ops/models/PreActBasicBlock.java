package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.ReLU;
import org.resnet4j.ops.nn.ResidualSum;

/**
 * The pre-activation residual unit of He et al. 2016 ("Identity Mappings in Deep Residual Networks"):
 * BN and ReLU move before each conv and nothing follows the sum, so the shortcut is a clean identity
 * path from unit to unit:
 * <pre>
 *   pre = relu(bn1(x))
 *   out = conv2(relu(bn2(conv1(pre))))  +  (x, or downsample(pre) when the shape changes)
 * </pre>
 * The projection shortcut (1x1 conv) takes the pre-activated input, as in the authors' code.
 */
public final class PreActBasicBlock extends Module {
    public static final int EXPANSION = 1;

    private final BatchNorm2d bn1, bn2;
    private final ReLU relu, relu2;
    private final Conv2d conv1, conv2;
    private final Module downsample; // null: identity shortcut on x
    private final ResidualSum sum = new ResidualSum();

    public PreActBasicBlock(int inplanes, int planes, int stride) {
        bn1 = registerModule("bn1", new BatchNorm2d(inplanes));
        relu = registerModule("relu", new ReLU());
        conv1 = registerModule("conv1", new Conv2d(inplanes, planes, 3, stride, 1, 1, 1, false));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        relu2 = registerModule("relu2", new ReLU());
        conv2 = registerModule("conv2", new Conv2d(planes, planes, 3, 1, 1, 1, 1, false));
        downsample = stride != 1 || inplanes != planes
                ? registerModule("downsample", new Sequential(new Conv2d(inplanes, planes, 1, stride, 0, 1, 1, false)))
                : null;
    }

    @Override
    protected Tensor forwardImpl(Tensor x) {                                    // x: (N, in, H, W)
        Tensor pre = relu.forward(bn1.forward(x));                             // (N, in, H, W)
        Tensor shortcut = downsample == null ? x : downsample.forward(pre);    // (N, planes, H/s, W/s)
        Tensor out = conv2.forward(relu2.forward(bn2.forward(conv1.forward(pre))));
        return sum.forward(out, shortcut);                                     // (N, planes, H/s, W/s)
    }

    @Override
    protected Tensor backwardImpl(Tensor dy) {                                  // dy: (N, planes, H/s, W/s)
        // The split: dy goes, unchanged, into the main branch AND the shortcut.
        ResidualSum.BranchGrads g = sum.backward(dy);
        Tensor dPre = conv1.backward(bn2.backward(relu2.backward(conv2.backward(g.main())))); // (N, in, H, W)
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
        return "PreActBasicBlock";
    }
}
