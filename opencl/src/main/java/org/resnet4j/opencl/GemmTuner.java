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
 * {@code java -cp ... org.resnet4j.opencl.GemmTuner [spec] [size] [reps] [label-filter]} (defaults
 * {@code opencl}, 1024, 3, all).
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
            new GemmTuning("direct 64x64/8x8", 64, 64, 4, 8, 8, GemmTuning.DIRECT),
            new GemmTuning("direct 32x64/4x8", 32, 64, 4, 4, 8, GemmTuning.DIRECT),
            new GemmTuning("vec8 32x64/4x8", 32, 64, 4, 4, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 64x64/8x8", 64, 64, 4, 8, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 48x32/6x8", 48, 32, 4, 6, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 16x128/4x8", 16, 128, 4, 4, 8, GemmTuning.VEC8),
            new GemmTuning("vec8 64x128/8x8", 64, 128, 4, 8, 8, GemmTuning.VEC8));

    /** GFLOP/s of C = A * B (size x size) with the given tiling, on the backend's device. */
    public static double measure(OpenClBackend backend, GemmTuning t, int size, int reps) {
        if (t.workGroupSize() > backend.device().maxWorkGroupSize()) return Double.NaN;
        long bytes = 4L * size * size;
        cl_mem a = clCreateBuffer(backend.context(), CL_MEM_READ_WRITE, bytes, null, null);
        cl_mem b = clCreateBuffer(backend.context(), CL_MEM_READ_WRITE, bytes, null, null);
        cl_mem c = clCreateBuffer(backend.context(), CL_MEM_READ_WRITE, bytes, null, null);
        try (GemmKernel k = new GemmKernel(backend, t)) {
            float[] ones = new float[size * size];
            java.util.Arrays.fill(ones, 1f);
            clEnqueueWriteBuffer(backend.queue(), a, CL_TRUE, 0, bytes, Pointer.to(ones), 0, null, null);
            clEnqueueWriteBuffer(backend.queue(), b, CL_TRUE, 0, bytes, Pointer.to(ones), 0, null, null);
            k.enqueue(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size); // warm-up
            clFinish(backend.queue());
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                k.enqueue(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);
                clFinish(backend.queue());
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            float[] check = new float[1];
            clEnqueueReadBuffer(backend.queue(), c, CL_TRUE, 0, 4, Pointer.to(check), 0, null, null);
            if (check[0] != size) throw new IllegalStateException("tiling " + t.label() + " computed " + check[0] + ", expected " + size);
            return 2.0 * size * size * (double) size / best / 1e9;
        } finally {
            clReleaseMemObject(a);
            clReleaseMemObject(b);
            clReleaseMemObject(c);
        }
    }

    public static List<Result> tune(OpenClBackend backend, int size, int reps, String labelFilter) {
        List<Result> out = new ArrayList<>();
        for (GemmTuning t : CANDIDATES) {
            if (t.label().contains(labelFilter)) out.add(new Result(t, measure(backend, t, size, reps)));
        }
        return out;
    }

    public static void main(String[] args) {
        OpenClBackend b = OpenClBackend.select(args.length > 0 ? args[0] : "opencl");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.println("device: " + b.device().description());
        System.out.println("table entry in use: " + b.gemmTuning());
        String filter = args.length > 3 ? args[3] : "";
        for (Result r : tune(b, size, reps, filter)) {
            System.out.printf(Locale.ROOT, "%-16s %3dx%3dx%2d per-item %dx%d  %8.1f GFLOP/s (sgemm %d^3)%n", r.tuning().label(),
                    r.tuning().tileM(), r.tuning().tileN(), r.tuning().tileK(), r.tuning().wptM(), r.tuning().wptN(), r.gflops(), size);
        }
    }
}
