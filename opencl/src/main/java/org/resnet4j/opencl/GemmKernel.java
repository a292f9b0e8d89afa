package org.resnet4j.opencl;

import static org.jocl.CL.*;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * The SGEMM kernel of gemm.cl built for one tiling on a backend's device, apart from the backend's
 * own program: the tuner times tilings with it, and tests run every table entry on whatever device
 * they have (so the GPU tilings are checked on PoCL too).
 */
final class GemmKernel implements AutoCloseable {
    private final OpenClBackend backend;
    private final GemmTuning tuning;
    private final cl_program program;
    private final cl_kernel kernel;

    GemmKernel(OpenClBackend backend, GemmTuning tuning) {
        if (tuning.workGroupSize() > backend.device().maxWorkGroupSize()) {
            throw new IllegalArgumentException("tiling " + tuning.label() + " needs work-groups of " + tuning.workGroupSize()
                    + " but " + backend.device().deviceName() + " allows " + backend.device().maxWorkGroupSize());
        }
        this.backend = backend;
        this.tuning = tuning;
        var found = OpenClDevices.enumerate().get(backend.device().index());
        this.program = ProgramCache.fromSystemProperties()
                .build(backend.context(), found.device(), found.info(), ProgramCache.loadSources("gemm.cl"), tuning.buildOptions())
                .program();
        this.kernel = clCreateKernel(program, tuning.kernelName(), null);
    }

    GemmTuning tuning() {
        return tuning;
    }

    /** Enqueues C = alpha op(A) op(B) + beta C (same contract as {@link OpenClBackend#gemm}). */
    void enqueue(boolean transA, boolean transB, int m, int n, int k, float alpha, cl_mem a, int offA, int lda,
                 cl_mem b, int offB, int ldb, float beta, cl_mem c, int offC, int ldc) {
        if (m <= 0 || n <= 0) return;
        Object[] args = {m, n, k, alpha, a, offA, lda, transA ? 1 : 0, b, offB, ldb, transB ? 1 : 0, beta, c, offC, ldc, k, 0, n, 0, 0, 0};
        for (int i = 0; i < args.length; i++) {
            Object v = args[i];
            if (v instanceof cl_mem mem) clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(mem));
            else if (v instanceof Integer x) clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {x}));
            else clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {(Float) v}));
        }
        long groupsN = (n + tuning.tileN() - 1) / tuning.tileN(), groupsM = (m + tuning.tileM() - 1) / tuning.tileM();
        clEnqueueNDRangeKernel(backend.queue(), kernel, 2, null,
                new long[] {groupsN * tuning.workGroupN(), groupsM * tuning.workGroupM()},
                new long[] {tuning.workGroupN(), tuning.workGroupM()}, 0, null, null);
    }

    @Override
    public void close() {
        clReleaseKernel(kernel);
        clReleaseProgram(program);
    }
}
