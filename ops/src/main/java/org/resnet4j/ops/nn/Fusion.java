package org.resnet4j.ops.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;

/**
 * Layers of a ResNet that run as one pass over memory instead of one each, with the same bits as the layers one
 * by one:
 * <pre>
 *   under InferenceMode:  relu( bn(conv(x)) + shortcut )   one convolution, each output tile finished as it is stored
 *   batch statistics:     relu( bn(t) + shortcut )          the sum and the ReLU in the batch norm's last pass
 * </pre>
 * (see {@link org.resnet4j.core.ConvEpilogue} and {@link org.resnet4j.core.Backend#batchNormTrainForwardFused}). On a
 * 2-core AVX2 CPU the batch norms, ReLUs and sums are a tenth of a ResNet's step, most of it passes over memory that
 * the fused forms do not make. The residual blocks and the zoo's chains call this. A layer with a hook is left to
 * its own forward (its hook sees its own output); so is a batch norm in eval mode outside InferenceMode. What a
 * fused training forward computes is kept for backward exactly as the layers' own forwards keep it.
 */
public final class Fusion {
    private Fusion() {}

    // ------------------------------------------------------------------ inference: conv + eval bn (+ sum) (+ relu)

    /** Whether {@code conv}, {@code bn} and {@code relu} (nullable) may run as one convolution now. */
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
     * A residual block's {@code downsample.forward(x)} under InferenceMode: torchvision's {@code Sequential(Conv2d,
     * BatchNorm2d)} runs as one convolution (through {@link #chain}) when nothing watches it; any other shortcut, and
     * any shortcut outside InferenceMode, runs its own forward.
     */
    public static Tensor shortcut(Module downsample, Tensor x, UnaryOperator<Tensor> own) {
        if (InferenceMode.active() && downsample instanceof Sequential s && !s.hasHooks()) {
            List<Module> layers = new ArrayList<>(s.size());
            for (int i = 0; i < s.size(); i++) layers.add(s.get(i));
            return chain(layers, x, own);
        }
        return downsample.forward(x);
    }

    // ------------------------------------------------------------------ batch statistics: bn (+ sum) (+ relu)

    /**
     * relu?(bn(x) + shortcut) (torchvision's {@code out = bn(out); out += identity; out = relu(out)}), with {@code sum}
     * and {@code shortcut} both null or both given and {@code relu} nullable. When the batch norm uses the batch's
     * statistics and neither it nor the ReLU has a hook, the sum and the ReLU are applied in the batch norm's last
     * pass: the shortcut is computed first, the result goes through {@code own} (the calling module keeps it as its
     * activation) and the sum and the ReLU keep what their backward needs. Otherwise bn, the sum and relu run their
     * own forwards, in that order, the shortcut between bn and the sum.
     */
    public static Tensor batchNorm(BatchNorm2d bn, Tensor x, ResidualSum sum, Supplier<Tensor> shortcut, ReLU relu,
                                   UnaryOperator<Tensor> own) {
        if ((sum == null) != (shortcut == null)) throw new IllegalArgumentException("Fusion.batchNorm: a sum needs its shortcut and the reverse");
        if (bn.usesBatchStats() && !bn.hasHooks() && (relu == null || !relu.hasHooks())) {
            Tensor residual = shortcut == null ? null : shortcut.get();
            if (residual != null) ResidualSum.checkBranches(x, residual);          // bn's output has x's shape
            Tensor y = own.apply(bn.forwardThen(x, residual, relu != null));
            if (sum != null) sum.adoptOutput(y);
            if (relu != null) relu.adoptOutput(y);
            return y;
        }
        Tensor y = bn.forward(x);
        if (sum != null) y = sum.forward(y, shortcut.get());
        return relu == null ? y : relu.forward(y);
    }

    // ------------------------------------------------------------------ chains

    /**
     * {@code layers} one after another from {@code x}: under InferenceMode each Conv2d, BatchNorm2d (, ReLU) runs as
     * one where {@link #applies}; otherwise a BatchNorm2d and the ReLU after it run as {@link #batchNorm} does. The
     * fused outputs go through {@code own}; the other layers' forwards hand theirs to their parent themselves.
     */
    public static Tensor chain(List<Module> layers, Tensor x, UnaryOperator<Tensor> own) {
        for (int i = 0; i < layers.size(); i++) {
            Module layer = layers.get(i), next = i + 1 < layers.size() ? layers.get(i + 1) : null;
            if (layer instanceof Conv2d conv && next instanceof BatchNorm2d bn) {
                ReLU relu = i + 2 < layers.size() && layers.get(i + 2) instanceof ReLU r ? r : null;
                if (applies(conv, bn, relu)) {
                    x = own.apply(convBn(conv, bn, null, relu, x));
                    i += relu == null ? 1 : 2;
                    continue;
                }
            }
            if (layer instanceof BatchNorm2d bn && next instanceof ReLU relu && bn.usesBatchStats()) {
                x = batchNorm(bn, x, null, null, relu, own);
                i++;
                continue;
            }
            x = layer.forward(x);
        }
        return x;
    }
}
