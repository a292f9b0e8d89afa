package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;

/**
 * Sets every parameter and BatchNorm statistic from its state_dict name, exactly as
 * ops/src/test/python/formula_goldens.py does in PyTorch: u_i = ((i * 2654435761 + hash(name)) mod 2^32)
 * / 2^32 - 0.5 in float64 (exact integer arithmetic, hash = Java's String.hashCode), then rounded to float32.
 */
final class DeterministicWeights {
    private DeterministicWeights() {}

    static double[] uniform(String name, int n) {
        long h = name.hashCode() & 0xFFFFFFFFL;
        double[] u = new double[n];
        for (int i = 0; i < n; i++) u[i] = (((i * 2654435761L) + h) & 0xFFFFFFFFL) / 4294967296.0 - 0.5;
        return u;
    }

    static float[] value(String name, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] u = uniform(name, n);
        float[] v = new float[n];
        int fanIn = 1;
        for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
        for (int i = 0; i < n; i++) {
            double x;
            if (name.endsWith("running_var")) x = 1.0 + u[i];
            else if (name.endsWith("running_mean")) x = 0.2 * u[i];
            else if (shape.length == 1 && name.endsWith("weight")) x = 1.0 + 0.4 * u[i];
            else if (shape.length == 1) x = 0.2 * u[i];
            else x = 2.0 * u[i] * Math.sqrt(6.0 / fanIn);
            v[i] = (float) x;
        }
        return v;
    }

    static void fill(Module m) {
        m.namedParameters().forEach((k, p) -> set(p.data(), value(k, p.shape())));
        m.namedBuffers().forEach((k, b) -> set(b.data(), value(k, b.data().shape())));
    }

    private static void set(Tensor t, float[] v) {
        t.backend().copy(t.backend().fromFloats(v, t.shape()), t);
    }
}
