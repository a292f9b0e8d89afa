package org.resnet4j.ops;

import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** Inputs for tests: reproducible standard-normal tensors on the CPU backend. */
public final class TestTensors {
    private TestTensors() {}

    public static Tensor gaussian(long seed, int... shape) {
        Rng r = new Rng(seed);
        int n = 1;
        for (int d : shape) n *= d;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return CpuBackend.get().fromFloats(x, shape);
    }
}
