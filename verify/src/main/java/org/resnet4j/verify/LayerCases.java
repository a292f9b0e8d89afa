package org.resnet4j.verify;

import java.util.ArrayList;
import java.util.List;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.PoolGeometry;

/**
 * The configuration matrix every backend is held to, per layer. Each factor the fast kernels treat
 * specially appears at least once: stride 1/2, padding 0/1/3, dilation 1/2, groups 1/2/4 and
 * depthwise, bias on/off, batch 1 and 3, channel counts that are not a multiple of the vector width
 * (3, 5, 7, 17, ...), spatial sizes 1, 7 and odd, non-square kernels and inputs.
 *
 * <p>It lives in main (not test) code so any module's tests can run the same matrix against another
 * backend: {@code new BackendConformance(myBackend).runAll()}. The golden generator
 * ({@code verify/goldens/generate.py}) holds the same list; a test checks that they agree.
 */
public final class LayerCases {
    private LayerCases() {}

    /** A convolution case; kernel, stride, padding and dilation as (H, W) pairs. */
    public record ConvCase(String name, int n, int cIn, int h, int w, int cOut, int kH, int kW, int sH, int sW,
                           int pH, int pW, int dH, int dW, int groups, boolean bias) {
        public ConvGeometry geometry() {
            return new ConvGeometry(n, cIn, h, w, cOut, kH, kW, sH, sW, pH, pW, dH, dW, groups);
        }
    }

    /** A batch-norm case in training (batch statistics) or eval (running statistics) mode. */
    public record BatchNormCase(String name, int n, int c, int h, int w, boolean training, boolean affine, double eps,
                                Double momentum) {}

    /** A max or average pooling case. */
    public record PoolCase(String name, boolean max, int n, int c, int h, int w, int kH, int kW, int sH, int sW,
                           int pH, int pW, int dilation, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        public PoolGeometry geometry() {
            return new PoolGeometry(n, c, h, w, kH, kW, sH, sW, pH, pW, dilation, dilation, ceilMode, countIncludePad, divisorOverride);
        }
    }

    public record AdaptiveCase(String name, int n, int c, int h, int w, int oh, int ow) {}

    public record LinearCase(String name, int n, int in, int out, boolean bias) {}

    public record CrossEntropyCase(String name, int n, int k, double labelSmoothing) {}

    /** Dropout with drop probability p; the layer's mask seed is the first draw of RandomState after manualSeed(rngSeed). */
    public record DropoutCase(String name, int n, int c, int h, int w, double p, long rngSeed) {}

    /** num_batches_tracked before the step in every BatchNorm case: non-zero, so the cumulative average divides by 3. */
    public static final long BN_BATCHES_TRACKED_BEFORE = 2;

    /** Element-wise cases (ReLU, residual sum) only need a shape. */
    public record ShapeCase(String name, int n, int c, int h, int w) {}

    private static ConvCase conv(String name, int n, int cIn, int h, int w, int cOut, int k, int s, int p, int d, int g, boolean bias) {
        return new ConvCase(name, n, cIn, h, w, cOut, k, k, s, s, p, p, d, d, g, bias);
    }

    public static List<ConvCase> conv() {
        List<ConvCase> c = new ArrayList<>();
        c.add(conv("conv_base_k3s1p1", 3, 3, 7, 7, 5, 3, 1, 1, 1, 1, true));
        c.add(conv("conv_stride2", 3, 3, 7, 7, 5, 3, 2, 1, 1, 1, true));
        c.add(conv("conv_pad0", 3, 3, 7, 7, 5, 3, 1, 0, 1, 1, true));
        c.add(conv("conv_pad3", 1, 3, 7, 7, 5, 3, 1, 3, 1, 1, true));
        c.add(conv("conv_stem_k7s2p3", 3, 3, 9, 9, 7, 7, 2, 3, 1, 1, false));
        c.add(conv("conv_dilation2", 3, 3, 7, 7, 5, 3, 1, 2, 2, 1, true));
        c.add(conv("conv_dilation2_stride2", 1, 5, 9, 9, 3, 3, 2, 1, 2, 1, false));
        c.add(conv("conv_groups2", 3, 6, 7, 7, 10, 3, 1, 1, 1, 2, true));
        c.add(conv("conv_groups4", 1, 12, 7, 7, 8, 3, 2, 1, 1, 4, false));
        c.add(conv("conv_depthwise", 3, 5, 7, 7, 5, 3, 1, 1, 1, 5, true));
        c.add(conv("conv_depthwise_mult2", 1, 5, 9, 9, 10, 3, 2, 1, 1, 5, false));
        c.add(conv("conv_nobias", 3, 3, 7, 7, 5, 3, 1, 1, 1, 1, false));
        c.add(conv("conv_batch1", 1, 3, 7, 7, 5, 3, 1, 1, 1, 1, true));
        c.add(conv("conv_spatial1_k1", 3, 17, 1, 1, 9, 1, 1, 0, 1, 1, true));
        c.add(conv("conv_spatial1_k3p1", 3, 5, 1, 1, 7, 3, 1, 1, 1, 1, true));
        c.add(conv("conv_odd_13", 1, 7, 13, 13, 9, 3, 2, 1, 1, 1, true));
        c.add(conv("conv_pointwise", 3, 17, 7, 7, 33, 1, 1, 0, 1, 1, false));
        c.add(conv("conv_downsample_k1s2", 3, 9, 7, 7, 17, 1, 2, 0, 1, 1, false));
        c.add(new ConvCase("conv_kernel1x3", 3, 5, 7, 9, 7, 1, 3, 1, 1, 0, 1, 1, 1, 1, true));
        c.add(new ConvCase("conv_kernel3x1", 1, 5, 9, 7, 7, 3, 1, 1, 1, 1, 0, 1, 1, 1, false));
        c.add(new ConvCase("conv_kernel5x3_mixed", 3, 4, 11, 9, 6, 5, 3, 2, 1, 2, 1, 1, 2, 2, true));
        c.add(new ConvCase("conv_nonsquare_input", 3, 3, 5, 11, 5, 3, 3, 1, 2, 1, 0, 1, 1, 1, true));
        // large enough that the CPU backend's default runs all three passes by Winograd F(2x2, 3x3)
        c.add(conv("conv_winograd_64ch_28", 1, 64, 28, 28, 64, 3, 1, 1, 1, 1, true));
        // ResNet-20's layer1 shape, which the CPU backend's default runs forward and input gradient by DirectConv and
        // the weight gradient on channels-last copies without packing (ChannelsLastWeightGradient)
        c.add(conv("conv_direct_16ch_16", 2, 16, 16, 16, 16, 3, 1, 1, 1, 1, true));
        // ResNet-20's downsampling 3x3 (16 -> 32, stride 2), whose weight gradient takes the same channels-last path
        c.add(conv("conv_clweight_s2_16to32", 2, 16, 16, 16, 32, 3, 2, 1, 1, 1, true));
        // ResNet-20's layer3 on Fashion-MNIST (7x7 outputs), which the CPU backend's default runs forward and input
        // gradient by several images to a product (Im2colImages)
        c.add(conv("conv_images_48ch_7", 4, 48, 7, 7, 48, 3, 1, 1, 1, 1, true));
        return c;
    }

    public static List<BatchNormCase> batchNorm() {
        List<BatchNormCase> c = new ArrayList<>();
        c.add(new BatchNormCase("bn_train", 3, 5, 7, 7, true, true, 1e-5, 0.1));
        c.add(new BatchNormCase("bn_train_batch1", 1, 17, 7, 7, true, true, 1e-5, 0.1));
        c.add(new BatchNormCase("bn_train_spatial1", 3, 7, 1, 1, true, true, 1e-5, 0.1));
        c.add(new BatchNormCase("bn_train_noaffine", 3, 5, 5, 3, true, false, 1e-5, 0.1));
        c.add(new BatchNormCase("bn_train_cumulative", 3, 5, 5, 5, true, true, 1e-3, null));
        c.add(new BatchNormCase("bn_eval", 3, 5, 7, 7, false, true, 1e-5, 0.1));
        c.add(new BatchNormCase("bn_eval_spatial1", 1, 17, 1, 1, false, true, 1e-5, 0.1));
        return c;
    }

    private static PoolCase max(String name, int n, int c, int h, int w, int k, int s, int p, int dil, boolean ceil) {
        return new PoolCase(name, true, n, c, h, w, k, k, s, s, p, p, dil, ceil, true, 0);
    }

    private static PoolCase avg(String name, int n, int c, int h, int w, int k, int s, int p, boolean ceil, boolean incl, int div) {
        return new PoolCase(name, false, n, c, h, w, k, k, s, s, p, p, 1, ceil, incl, div);
    }

    public static List<PoolCase> pool() {
        List<PoolCase> c = new ArrayList<>();
        c.add(max("maxpool_k3s2p1", 3, 5, 9, 9, 3, 2, 1, 1, false));
        c.add(max("maxpool_k2s2", 3, 3, 7, 7, 2, 2, 0, 1, false));
        c.add(max("maxpool_k2s2_ceil", 1, 3, 7, 7, 2, 2, 0, 1, true));
        c.add(max("maxpool_k3s2p1_ceil", 3, 5, 8, 8, 3, 2, 1, 1, true));
        c.add(max("maxpool_dilation2", 1, 3, 9, 9, 3, 1, 1, 2, false));
        c.add(max("maxpool_spatial1", 3, 7, 1, 1, 1, 1, 0, 1, false));
        c.add(new PoolCase("maxpool_kernel3x2", true, 3, 3, 7, 9, 3, 2, 2, 1, 1, 0, 1, false, true, 0));
        c.add(avg("avgpool_k2s2", 3, 5, 7, 7, 2, 2, 0, false, true, 0));
        c.add(avg("avgpool_k3s1p1_incl", 3, 3, 7, 7, 3, 1, 1, false, true, 0));
        c.add(avg("avgpool_k3s2p1_excl", 1, 3, 9, 9, 3, 2, 1, false, false, 0));
        c.add(avg("avgpool_k3s2p1_ceil_incl", 3, 5, 8, 8, 3, 2, 1, true, true, 0));
        c.add(avg("avgpool_k2s2_ceil_excl", 1, 3, 7, 7, 2, 2, 0, true, false, 0));
        c.add(avg("avgpool_divisor5", 1, 3, 7, 7, 3, 2, 1, false, true, 5));
        c.add(new PoolCase("avgpool_kernel3x2", false, 3, 3, 7, 9, 3, 2, 2, 1, 1, 1, 1, false, false, 0));
        return c;
    }

    public static List<AdaptiveCase> adaptive() {
        return List.of(
                new AdaptiveCase("adaptive_7to1", 3, 5, 7, 7, 1, 1),
                new AdaptiveCase("adaptive_7to3", 3, 5, 7, 7, 3, 3),
                new AdaptiveCase("adaptive_5x7to2x3", 1, 3, 5, 7, 2, 3),
                new AdaptiveCase("adaptive_3to4_overlap", 1, 3, 3, 3, 4, 4),
                new AdaptiveCase("adaptive_spatial1", 3, 17, 1, 1, 1, 1));
    }

    public static List<LinearCase> linear() {
        return List.of(
                new LinearCase("linear_bias", 3, 17, 10, true),
                new LinearCase("linear_nobias", 3, 17, 10, false),
                new LinearCase("linear_batch1", 1, 9, 5, true),
                new LinearCase("linear_wide", 3, 65, 33, true));
    }

    public static List<CrossEntropyCase> crossEntropy() {
        return List.of(
                new CrossEntropyCase("ce_k10", 3, 10, 0.0),
                new CrossEntropyCase("ce_k10_smooth", 3, 10, 0.1),
                new CrossEntropyCase("ce_batch1_k7", 1, 7, 0.0),
                new CrossEntropyCase("ce_k33_smooth", 5, 33, 0.2));
    }

    public static List<ShapeCase> relu() {
        return List.of(new ShapeCase("relu_3x5x7x7", 3, 5, 7, 7), new ShapeCase("relu_1x17x1x1", 1, 17, 1, 1));
    }

    public static List<ShapeCase> residual() {
        return List.of(new ShapeCase("residual_3x5x7x7", 3, 5, 7, 7), new ShapeCase("residual_1x17x3x3", 1, 17, 3, 3));
    }

    public static List<DropoutCase> dropout() {
        return List.of(new DropoutCase("dropout_3x5x7x7", 3, 5, 7, 7, 0.3, 1234),
                new DropoutCase("dropout_1x17x1x1", 1, 17, 1, 1, 0.3, 1234));
    }

    /** Every case record of every layer, in the order of {@link #names()}. */
    public static List<Object> all() {
        List<Object> out = new ArrayList<>();
        out.addAll(conv());
        out.addAll(batchNorm());
        out.addAll(pool());
        out.addAll(adaptive());
        out.addAll(linear());
        out.addAll(crossEntropy());
        out.addAll(relu());
        out.addAll(residual());
        out.addAll(dropout());
        return out;
    }

    /** Every case name, in the order above. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        conv().forEach(c -> out.add(c.name()));
        batchNorm().forEach(c -> out.add(c.name()));
        pool().forEach(c -> out.add(c.name()));
        adaptive().forEach(c -> out.add(c.name()));
        linear().forEach(c -> out.add(c.name()));
        crossEntropy().forEach(c -> out.add(c.name()));
        relu().forEach(c -> out.add(c.name()));
        residual().forEach(c -> out.add(c.name()));
        dropout().forEach(c -> out.add(c.name()));
        return out;
    }
}
