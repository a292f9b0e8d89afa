package org.resnet4j.verify;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Buffer;
import org.resnet4j.ops.Counter;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;

/**
 * Parameters and buffers as a pure function of their torchvision name, computed identically here and
 * by {@code verify/goldens/generate.py}, so whole-network goldens need not store the weights
 * (ResNet-50 alone is 100 MB in float32).
 *
 * <p>With {@code u_i = Rng.uniformAt(fnv1a64(name), i)} (24 random bits, exact in float32) and, in
 * float64 rounded once to float32 (the same IEEE operations in the same order in both languages):
 * <ul>
 *   <li>{@code running_mean}: 0.1 (2u - 1); {@code running_var}: 0.75 + 0.5u</li>
 *   <li>4-D conv weight: (2u - 1) sqrt(6 / fan_in), fan_in = shape[1]*shape[2]*shape[3] (Kaiming uniform)</li>
 *   <li>2-D linear weight: (2u - 1) / sqrt(fan_in), fan_in = shape[1]</li>
 *   <li>1-D {@code *.weight} (BatchNorm gamma): 1 + 0.2 (2u - 1); other 1-D (biases): 0.1 (2u - 1)</li>
 *   <li>{@code num_batches_tracked}: 0</li>
 * </ul>
 */
public final class SeededParams {
    private SeededParams() {}

    /** FNV-1a, 64 bits, over the UTF-8 bytes of the name. */
    public static long fnv1a64(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The values of the parameter or buffer called {@code name} with this shape, float32-representable. */
    public static double[] values(String name, int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        long seed = fnv1a64(name);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double u = Rng.uniformAt(seed, i), s = 2.0 * u - 1.0, v;
            if (name.endsWith("running_mean")) v = 0.1 * s;
            else if (name.endsWith("running_var")) v = 0.75 + 0.5 * u;
            else if (shape.length == 4) v = s * Math.sqrt(6.0 / (shape[1] * shape[2] * shape[3]));
            else if (shape.length == 2) v = s / Math.sqrt(shape[1]);
            else if (name.endsWith(".weight") || name.equals("weight")) v = 1.0 + 0.2 * s;
            else v = 0.1 * s;
            out[i] = (float) v;
        }
        return out;
    }

    /** The probe vector of a gradient check: r_i = 2 uniformAt(fnv1a64(name + "#probe"), i) - 1. */
    public static double probe(String name, double[] grad) {
        long seed = fnv1a64(name + "#probe");
        double s = 0;
        for (int i = 0; i < grad.length; i++) s += grad[i] * (2.0 * Rng.uniformAt(seed, i) - 1.0);
        return s;
    }

    /** Sets every parameter and buffer of {@code model} (on its current backend) and zeroes its counters. */
    public static void apply(Module model) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Tensor t = e.getValue().data();
            e.getValue().setData(t.backend().fromDoubles(values(e.getKey(), t.shape()), t.shape()));
        }
        for (Map.Entry<String, Buffer> e : model.namedBuffers().entrySet()) {
            Tensor t = e.getValue().data();
            e.getValue().setData(t.backend().fromDoubles(values(e.getKey(), t.shape()), t.shape()));
        }
        for (Counter c : model.namedCounters().values()) c.set(0);
    }
}
