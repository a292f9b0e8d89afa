package org.resnet4j.ops.init;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Parameter;

/**
 * Parameter initializers with torch.nn.init's formulas. Values are drawn on the host in double from
 * {@link RandomState#global()} (so they do not depend on the backend) and uploaded to the parameter's
 * backend.
 */
public final class Init {
    private Init() {}

    /** fan_in = size(1) * receptive field (kH*kW for a conv weight, 1 for a Linear weight), as torch. */
    public static int fanIn(int[] shape) {
        requireMatrixLike(shape);
        return shape[1] * receptiveField(shape);
    }

    /** fan_out = size(0) * receptive field: out_channels*kH*kW for a conv weight, as torch. */
    public static int fanOut(int[] shape) {
        requireMatrixLike(shape);
        return shape[0] * receptiveField(shape);
    }

    private static int receptiveField(int[] shape) {
        int r = 1;
        for (int i = 2; i < shape.length; i++) r *= shape[i];
        return r;
    }

    private static void requireMatrixLike(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("fan in/out need a weight with at least 2 dimensions, got shape " + Shape.str(shape));
        }
    }

    /**
     * torchvision's ResNet conv init, kaiming_normal_(mode="fan_out", nonlinearity="relu"):
     * N(0, std^2) with std = sqrt(2 / fan_out).
     */
    public static void kaimingNormalFanOut(Parameter p) {
        normal(p, 0.0, Math.sqrt(2.0 / fanOut(p.shape())));
    }

    /**
     * kaiming_uniform_(a, mode="fan_in", nonlinearity="leaky_relu"): U(-bound, bound) with
     * gain = sqrt(2 / (1 + a^2)) and bound = gain * sqrt(3 / fan_in).
     */
    public static void kaimingUniform(Parameter p, double a) {
        double gain = Math.sqrt(2.0 / (1.0 + a * a));
        double bound = gain * Math.sqrt(3.0 / fanIn(p.shape()));
        uniform(p, -bound, bound);
    }

    /**
     * PyTorch's default Conv2d/Linear init (reset_parameters): weight kaiming_uniform_(a=sqrt(5)),
     * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias (nullable) U(-b, b) with the same b.
     */
    public static void pytorchDefault(Parameter weight, Parameter bias) {
        kaimingUniform(weight, Math.sqrt(5.0));
        if (bias != null) {
            double bound = 1.0 / Math.sqrt(fanIn(weight.shape()));
            uniform(bias, -bound, bound);
        }
    }

    /** U(low, high). */
    public static void uniform(Parameter p, double low, double high) {
        if (!(low <= high)) throw new IllegalArgumentException("uniform init needs low <= high, got " + low + " > " + high);
        Rng rng = RandomState.global();
        double[] v = new double[(int) p.numel()];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * rng.nextDouble();
        upload(p, v);
    }

    /** N(mean, std^2). */
    public static void normal(Parameter p, double mean, double std) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal init needs std >= 0, got " + std);
        Rng rng = RandomState.global();
        double[] v = new double[(int) p.numel()];
        for (int i = 0; i < v.length; i++) v[i] = mean + std * rng.nextGaussian();
        upload(p, v);
    }

    /** Every element = value (BatchNorm weight 1 and bias 0; zero-init of the last BN in a block). */
    public static void constant(Parameter p, double value) {
        p.data().backend().fill(p.data(), value);
    }

    private static void upload(Parameter p, double[] values) {
        Backend b = p.data().backend();
        Tensor t = b.fromDoubles(values, p.shape());
        b.copy(t, p.data());
    }
}
