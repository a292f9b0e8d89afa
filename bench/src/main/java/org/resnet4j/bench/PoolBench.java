package org.resnet4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** ResNet-50's stem max pool (3x3, stride 2, padding 1, 8x64x112x112) on the CPU backend; time per call in milliseconds. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PoolBench {
    private final CpuBackend cpu = CpuBackend.get();
    private final PoolGeometry g = PoolGeometry.max(8, 64, 112, 112, 3, 2, 1, false);
    private Tensor x, y, dy, dx;

    @Setup
    public void setup() {
        x = cpu.fromFloats(GemmBench.random(1, 8 * 64 * 112 * 112), 8, 64, 112, 112);
        y = cpu.zeros(8, 64, g.outH(), g.outW());
        dy = cpu.fromFloats(GemmBench.random(2, 8 * 64 * g.outH() * g.outW()), 8, 64, g.outH(), g.outW());
        dx = cpu.zeros(8, 64, 112, 112);
    }

    @Benchmark
    public Tensor maxForward() {
        cpu.maxPool2dForward(x, g, y);
        return y;
    }

    @Benchmark
    public Tensor maxForwardBackward() {
        cpu.maxPool2dForward(x, g, y);
        cpu.maxPool2dBackward(dy, x, g, dx);
        return dx;
    }
}
