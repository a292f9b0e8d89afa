package org.resnet4j.bench;

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
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** BatchNorm2d training-mode forward + backward on the CPU backend; time per call in milliseconds. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BatchNormBench {
    /** "N_C_HW": batch, channels, spatial size. */
    @Param({"8_64_56", "8_256_56", "128_16_32"})
    public String shape;

    private final CpuBackend cpu = CpuBackend.get();
    private Tensor x, y, dy, dx, gamma, beta, mean, var, inv, dg, db;

    @Setup
    public void setup() {
        String[] p = shape.split("_");
        int n = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]), hw = Integer.parseInt(p[2]);
        x = cpu.fromFloats(GemmBench.random(1, n * c * hw * hw), n, c, hw, hw);
        dy = cpu.fromFloats(GemmBench.random(2, n * c * hw * hw), n, c, hw, hw);
        y = cpu.zeros(n, c, hw, hw);
        dx = cpu.zeros(n, c, hw, hw);
        gamma = cpu.fromFloats(GemmBench.random(3, c), c);
        beta = cpu.zeros(c);
        mean = cpu.zeros(c);
        var = cpu.zeros(c);
        inv = cpu.zeros(c);
        dg = cpu.zeros(c);
        db = cpu.zeros(c);
    }

    @Benchmark
    public Tensor forwardBackward() {
        cpu.batchNormTrainForward(x, gamma, beta, 1e-5, y, mean, var, inv);
        cpu.batchNormTrainBackward(dy, x, gamma, mean, inv, dx, dg, db);
        return dx;
    }
}
