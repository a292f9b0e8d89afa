package org.resnet4j.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * Times the SGEMM kernel on one device for several tilings, the way the entries of
 * {@link GemmTuning}'s table were chosen:
 * {@code java -cp ... org.resnet4j.opencl.GemmTuner [spec] [shapes] [reps] [label-filter]} (defaults
 * {@code opencl}, 1024, 3, all; shapes are sizes or MxNxK, comma-separated).
 * Prints GFLOP/s per tiling, counting 2*m*n*k operations, best of a few timed runs after a warm-up.
 */
public final class GemmTuner {
    private GemmTuner() {}

    public record Result(GemmTuning tuning, double gflops) {}

    static final List<GemmTuning> CANDIDATES = List.of(
            GemmTuning.DEFAULT, GemmTuning.INTEL_GPU, GemmTuning.NVIDIA_GPU, GemmTuning.CPU,
            new GemmTuning("64x64x8/8x8", 64, 64, 8, 8, 8),
            new GemmTuning("32x64x16/4x8", 32, 64, 16, 4, 8),
            new GemmTuning("128x128x16/8x8", 128, 128, 16, 8, 8),
            new GemmTuning("64x128x16/8x8", 64, 128, 16, 8, 8),
            new GemmTuning("128x64x16/8x8", 128, 64, 16, 8, 8),
            new GemmTuning("64x128x16/4x8", 64, 128, 16, 4, 8),
            new GemmTuning("64x64x16/4x8", 64, 64, 16, 4, 8),
            new GemmTuning("64x64x16/4x4", 64, 64, 16, 4, 4),
            new GemmTuning("db 128x128x16/8x8", 128, 128, 16, 8, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 128x128x8/8x8", 128, 128, 8, 8, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x128x16/8x8", 64, 128, 16, 8, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 128x64x16/8x8", 128, 64, 16, 8, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x16/4x4", 64, 64, 16, 4, 4, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x16/4x8", 64, 64, 16, 4, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x32/4x4", 64, 64, 32, 4, 4, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x8/4x8", 64, 64, 8, 4, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x16/8x8", 64, 64, 16, 8, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x64x16/8x4", 64, 64, 16, 8, 4, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 32x64x16/4x8", 32, 64, 16, 4, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 64x128x16/4x8", 64, 128, 16, 4, 8, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("db 128x64x16/8x4", 128, 64, 16, 8, 4, GemmTuning.DOUBLE_BUFFERED),
            new GemmTuning("direct 64x64/8x8", 64, 64, 4, 8, 8, GemmTuning.DIRECT),
            new GemmTuning("direct 32x64/4x8", 32, 64, 4, 4, 8, GemmTuning.DIRECT),
            new GemmTuning("vec8 32x64/4x8", 32, 64, 4, 4, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 64x64/8x8", 64, 64, 4, 8, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 48x32/6x8", 48, 32, 4, 6, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 16x128/4x8", 16, 128, 4, 4, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 64x128/8x8", 64, 128, 4, 8, 8, GemmTuning.VEC8));

    /** GFLOP/s of C (m x n) = A (m x k) * B (k x n) with the given tiling, on the backend's device. */
    public static double measure(OpenClBackend backend, GemmTuning t, int m, int n, int k, int reps) {
        if (t.workGroupSize() > backend.device().maxWorkGroupSize()) return Double.NaN;
        cl_mem a = filledWithOnes(backend, (long) m * k), b = filledWithOnes(backend, (long) k * n);
        cl_mem c = clCreateBuffer(backend.context(), CL_MEM_READ_WRITE, 4L * m * n, null, null);
        try (GemmKernel kernel = new GemmKernel(backend, t)) {
            kernel.enqueue(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n); // warm-up
            clFinish(backend.queue());
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                kernel.enqueue(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                clFinish(backend.queue());
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            float[] check = new float[1];
            clEnqueueReadBuffer(backend.queue(), c, CL_TRUE, 4L * (m * (long) n - 1), 4, Pointer.to(check), 0, null, null);
            if (check[0] != k) throw new IllegalStateException("tiling " + t.label() + " computed " + check[0] + ", expected " + k);
            return 2.0 * m * n * (double) k / best / 1e9;
        } finally {
            clReleaseMemObject(a);
            clReleaseMemObject(b);
            clReleaseMemObject(c);
        }
    }

    private static cl_mem filledWithOnes(OpenClBackend backend, long floats) {
        cl_mem m = clCreateBuffer(backend.context(), CL_MEM_READ_WRITE, 4 * floats, null, null);
        float[] ones = new float[(int) floats];
        java.util.Arrays.fill(ones, 1f);
        clEnqueueWriteBuffer(backend.queue(), m, CL_TRUE, 0, 4 * floats, Pointer.to(ones), 0, null, null);
        return m;
    }

    public static List<Result> tune(OpenClBackend backend, int m, int n, int k, int reps, String labelFilter) {
        List<Result> out = new ArrayList<>();
        for (GemmTuning t : CANDIDATES) {
            if (t.label().contains(labelFilter)) out.add(new Result(t, measure(backend, t, m, n, k, reps)));
        }
        return out;
    }

    /** Arguments: [spec] [shapes] [reps] [label-filter]; shapes are sizes (1024) or MxNxK, comma-separated. */
    public static void main(String[] args) {
        OpenClBackend b = OpenClBackend.select(args.length > 0 ? args[0] : "opencl");
        String shapes = args.length > 1 ? args[1] : "1024";
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String filter = args.length > 3 ? args[3] : "";
        System.out.println("device: " + b.device().description());
        System.out.println("table entry in use: " + b.gemmTuning());
        for (String shape : shapes.split(",")) {
            String[] p = shape.split("x");
            int m = Integer.parseInt(p[0]), n = p.length > 1 ? Integer.parseInt(p[1]) : m, k = p.length > 2 ? Integer.parseInt(p[2]) : m;
            for (Result r : tune(b, m, n, k, reps, filter)) {
                System.out.printf(Locale.ROOT, "%-16s %3dx%3dx%2d per-item %dx%d  %8.1f GFLOP/s (sgemm %dx%dx%d)%n", r.tuning().label(),
                        r.tuning().tileM(), r.tuning().tileN(), r.tuning().tileK(), r.tuning().wptM(), r.tuning().wptN(), r.gflops(),
                        m, n, k);
            }
        }
    }
}
