package org.resnet4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Conv2d on the CPU backend at ResNet shapes, N = 8, no bias. forward counts 2*N*Cout*P*Cin*k*k
 * FLOPs; backwardInput and backwardWeight count the same each; forwardBackward runs forward, input gradient and
 * weight gradient and counts three times that.
 * Cases: "3x3_64_64_56" (layer1 3x3), "1x1_256_64_56" (bottleneck reduce), "3x3_128_128_28" (layer2 3x3),
 * "7x7s2_3_64_224" (stem), ResNet-50's strided convolutions "3x3s2_128_128_56" (layer2's first 3x3) and
 * "1x1s2_256_512_56" (layer2's downsample); and ResNet-20's CIFAR 3x3 convolutions at its training batch
 * N = 128: "r20_3x3_16_32" (16->16, 32x32), "r20_3x3_32_16" (32->32, 16x16), "r20_3x3_64_8" (64->64, 8x8).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ConvBench {
    @Param({"3x3_64_64_56", "1x1_256_64_56", "3x3_128_128_28", "7x7s2_3_64_224", "3x3s2_128_128_56", "1x1s2_256_512_56",
            "r20_3x3_16_32", "r20_3x3_32_16", "r20_3x3_64_8"})
    public String conv;

    /**
     * Distinct (x, dy, y, dx) sets the calls rotate through: 1 keeps one set hot in the caches, as a lone
     * convolution called again and again; 8 or more leaves each call's data out of cache, as in a network, where a
     * layer's input was written many layers ago.
     */
    @Param({"1"})
    public int sets;

    private final CpuBackend cpu = CpuBackend.get();
    private ConvGeometry g;
    private Tensor w, dw;
    private Tensor[] xs, ys, dys, dxs;
    private Tensor x, y, dy, dx;
    private int next;

    static ConvGeometry geometry(String name) {
        return switch (name) {
            case "3x3_64_64_56" -> ConvGeometry.of(8, 64, 56, 56, 64, 3, 1, 1, 1, 1);
            case "1x1_256_64_56" -> ConvGeometry.of(8, 256, 56, 56, 64, 1, 1, 0, 1, 1);
            case "3x3_128_128_28" -> ConvGeometry.of(8, 128, 28, 28, 128, 3, 1, 1, 1, 1);
            case "7x7s2_3_64_224" -> ConvGeometry.of(8, 3, 224, 224, 64, 7, 2, 3, 1, 1);
            case "r20_3x3_16_32" -> ConvGeometry.of(128, 16, 32, 32, 16, 3, 1, 1, 1, 1);
            case "r20_3x3_32_16" -> ConvGeometry.of(128, 32, 16, 16, 32, 3, 1, 1, 1, 1);
            case "r20_3x3_64_8" -> ConvGeometry.of(128, 64, 8, 8, 64, 3, 1, 1, 1, 1);
            // ResNet-50's layer4 on 7x7 images, and ResNet-20's downsampling convolutions (not in the default list;
            // pass them with -p conv=...)
            case "3x3_512_512_7" -> ConvGeometry.of(8, 512, 7, 7, 512, 3, 1, 1, 1, 1);
            case "1x1_2048_512_7" -> ConvGeometry.of(8, 2048, 7, 7, 512, 1, 1, 0, 1, 1);
            case "r20_3x3_16_28" -> ConvGeometry.of(128, 16, 28, 28, 16, 3, 1, 1, 1, 1);
            case "r20_3x3_32_14" -> ConvGeometry.of(128, 32, 14, 14, 32, 3, 1, 1, 1, 1);
            case "r20_3x3_64_7" -> ConvGeometry.of(128, 64, 7, 7, 64, 3, 1, 1, 1, 1);
            case "r20_3x3s2_16_32" -> new ConvGeometry(128, 16, 32, 32, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1);
            case "r20_3x3s2_32_16" -> new ConvGeometry(128, 32, 16, 16, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1);
            case "3x3s2_128_128_56" -> ConvGeometry.of(8, 128, 56, 56, 128, 3, 2, 1, 1, 1);
            case "1x1s2_256_512_56" -> ConvGeometry.of(8, 256, 56, 56, 512, 1, 2, 0, 1, 1);
            default -> throw new IllegalArgumentException("unknown conv case " + name);
        };
    }

    @Setup
    public void setup() {
        g = geometry(conv);
        w = cpu.fromFloats(GemmBench.random(2, g.cOut() * g.cInPerGroup() * g.kH() * g.kW()), g.weightShape());
        dw = cpu.zeros(g.weightShape());
        xs = new Tensor[sets];
        ys = new Tensor[sets];
        dys = new Tensor[sets];
        dxs = new Tensor[sets];
        for (int i = 0; i < sets; i++) {
            xs[i] = cpu.fromFloats(GemmBench.random(1 + 10 * i, g.n() * g.cIn() * g.h() * g.w()), g.inputShape());
            ys[i] = cpu.zeros(g.outputShape());
            dys[i] = cpu.fromFloats(GemmBench.random(3 + 10 * i, g.n() * g.cOut() * g.outH() * g.outW()), g.outputShape());
            dxs[i] = cpu.zeros(g.inputShape());
        }
        rotate();
    }

    /** The next set, before each call. */
    @Setup(Level.Invocation)
    public void rotate() {
        int i = next++ % sets;
        x = xs[i];
        y = ys[i];
        dy = dys[i];
        dx = dxs[i];
    }

    @Benchmark
    public Tensor forward(Flops flops) {
        cpu.conv2dForward(x, w, null, g, y);
        flops.add(g.flops());
        return y;
    }

    @Benchmark
    public Tensor backwardInput(Flops flops) {
        cpu.conv2dBackwardInput(dy, w, g, dx);
        flops.add(g.flops());
        return dx;
    }

    @Benchmark
    public Tensor backwardWeight(Flops flops) {
        cpu.conv2dBackwardWeight(dy, x, g, dw);
        flops.add(g.flops());
        return dw;
    }

    @Benchmark
    public Tensor forwardBackward(Flops flops) {
        cpu.conv2dForward(x, w, null, g, y);
        cpu.conv2dBackwardInput(dy, w, g, dx);
        cpu.conv2dBackwardWeight(dy, x, g, dw);
        flops.add(3 * g.flops());
        return dw;
    }
}
