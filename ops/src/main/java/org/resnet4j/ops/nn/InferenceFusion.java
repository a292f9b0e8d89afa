package org.resnet4j.ops.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;

/**
 * The layers {@link InferenceMode} runs as one: a Conv2d whose output goes straight into an eval-mode
 * BatchNorm2d, and from there into a residual sum and a ReLU,
 * <pre>
 *   relu( bn(conv(x)) + shortcut )   as one convolution, each output tile finished as it is stored
 * </pre>
 * with the same bits as the layers one by one ({@link org.resnet4j.core.ConvEpilogue}). On a 2-core AVX2 CPU the
 * batch norms, ReLUs and sums are a tenth of a ResNet's inference, nearly all of it passes over memory that
 * the epilogue does not need. The residual blocks and the zoo's chains call this; a layer with a hook, or a
 * batch norm in training mode or without running statistics, is left to its own forward.
 */
public final class InferenceFusion {
    private InferenceFusion() {}

    /** Whether {@code conv}, {@code bn} and {@code relu} (nullable) may run as one now. */
    public static boolean applies(Conv2d conv, BatchNorm2d bn, ReLU relu) {
        return InferenceMode.active() && bn.usesRunningStats() && bn.numFeatures() == conv.outChannels()
                && !conv.hasHooks() && !bn.hasHooks() && (relu == null || !relu.hasHooks());
    }

    /** relu?(bn(conv(x)) + residual) in one pass ({@code residual} and {@code relu} nullable); see {@link #applies}. */
    public static Tensor convBn(Conv2d conv, BatchNorm2d bn, Tensor residual, ReLU relu, Tensor x) {
        Tensor y = conv.forwardFused(x, bn, residual, relu != null);
        InferenceMode.recordFusedConvolution();
        return y;
    }

    /**
     * {@code layers} one after another from {@code x}, each Conv2d, BatchNorm2d (, ReLU) run in that order as one
     * where {@link #applies}. The fused outputs go through {@code own} (the calling module keeps them as its
     * activations); the other layers' forwards hand theirs to their parent themselves.
     */
    public static Tensor chain(List<Module> layers, Tensor x, UnaryOperator<Tensor> own) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d conv && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm2d bn) {
                ReLU relu = i + 2 < layers.size() && layers.get(i + 2) instanceof ReLU r ? r : null;
                if (applies(conv, bn, relu)) {
                    x = own.apply(convBn(conv, bn, null, relu, x));
                    i += relu == null ? 1 : 2;
                    continue;
                }
            }
            x = layers.get(i).forward(x);
        }
        return x;
    }

    /**
     * A residual block's {@code downsample.forward(x)}: torchvision's {@code Sequential(Conv2d, BatchNorm2d)} runs as
     * one convolution (through {@link #chain}) when nothing watches it; any other shortcut runs its own forward.
     */
    public static Tensor shortcut(Module downsample, Tensor x, UnaryOperator<Tensor> own) {
        if (InferenceMode.active() && downsample instanceof Sequential s && !s.hasHooks()) {
            List<Module> layers = new ArrayList<>(s.size());
            for (int i = 0; i < s.size(); i++) layers.add(s.get(i));
            return chain(layers, x, own);
        }
        return downsample.forward(x);
    }
}
