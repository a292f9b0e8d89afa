package org.resnet4j.opencl;

import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** The same host data on the CPU baseline and on the OpenCL device, to run one kernel on both. */
record Pair(Tensor cpu, Tensor cl) {
    static Pair of(OpenClBackend cl, float[] data, int... shape) {
        return new Pair(CpuBackend.get().fromFloats(data, shape), cl.fromFloats(data, shape));
    }

    static Pair random(OpenClBackend cl, long seed, int... shape) {
        return of(cl, GemmTest.random((int) org.resnet4j.core.Shape.numel(shape), seed), shape);
    }

    static Pair zeros(OpenClBackend cl, int... shape) {
        return new Pair(CpuBackend.get().zeros(shape), cl.zeros(shape));
    }

    static Tensor on(Backend b, Pair p) {
        return p == null ? null : (b instanceof OpenClBackend ? p.cl : p.cpu);
    }

    void assertClose(String what, double tol) {
        Compare.assertClose(what, cl.toFloats(), cpu.toFloats(), tol);
    }
}
