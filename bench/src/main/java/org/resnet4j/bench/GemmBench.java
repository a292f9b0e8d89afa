package org.resnet4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.opencl.OpenClBackend;

/**
 * SGEMM C (m, n) = A (m, k) B (k, n) on the CPU backend (all threads). The "gflop" counter is GFLOP/s
 * counting 2*m*n*k. Square sizes, plus the GEMM shapes of ResNet convolutions as "MxNxK" with
 * M = out channels, N = output pixels of one image, K = in channels * kernel area.
 * {@code -p device=opencl[:N|:NAME]} multiplies on an OpenCL device instead (operands resident there);
 * each operation then waits for the device to finish.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {
    @Param({"256", "512", "1024", "2048", "64x3136x576", "64x3136x64", "256x3136x64", "128x784x1152", "256x196x2304",
            "512x49x4608", "64x12544x147"})
    public String shape;

    @Param({"cpu"})
    public String device;

    private Backend backend;
    private OpenClBackend openCl;
    private Tensor a, b, c;
    private int m, n, k;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        n = p.length > 1 ? Integer.parseInt(p[1]) : m;
        k = p.length > 2 ? Integer.parseInt(p[2]) : m;
        backend = device.equals("cpu") ? CpuBackend.get() : (openCl = OpenClBackend.select(device));
        a = backend.fromFloats(random(1, m * k), m, k);
        b = backend.fromFloats(random(2, k * n), k, n);
        c = backend.zeros(m, n);
    }

    static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    @Benchmark
    public Tensor sgemm(Flops flops) {
        backend.gemm(false, false, m, n, k, 1.0, a, 0, k, b, 0, n, 0.0, c, 0, n);
        if (openCl != null) openCl.finish();
        flops.add(2L * m * n * k);
        return c;
    }
}
