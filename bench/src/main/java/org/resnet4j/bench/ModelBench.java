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
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;

/**
 * Whole models on the CPU backend, reported as images/s (":images"). inference: eval-mode forward.
 * trainStep: zero_grad, train-mode forward, cross-entropy, backward, SGD step (momentum 0.9,
 * weight decay 5e-4), what one iteration of a training loop costs.
 * Cases: "resnet20_128" (CIFAR ResNet-20, N=128, 3x32x32) and "resnet50_8" (N=8, 3x224x224).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class ModelBench {
    @Param({"resnet20_128", "resnet50_8"})
    public String model;

    private Module net;
    private SGD sgd;
    private Tensor x, labels;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private int batch;

    @Setup
    public void setup() {
        String[] parts = model.split("_");
        batch = Integer.parseInt(parts[1]);
        int side = parts[0].equals("resnet20") ? 32 : 224;
        net = ModelZoo.create(parts[0]);
        sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        CpuBackend cpu = CpuBackend.get();
        x = cpu.fromFloats(GemmBench.random(1, batch * 3 * side * side), batch, 3, side, side);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        labels = cpu.fromFloats(y, batch);
    }

    @Benchmark
    public Tensor inference(Images images) {
        net.eval();
        Tensor logits = net.forward(x);
        images.add(batch);
        return logits;
    }

    @Benchmark
    public double trainStep(Images images) {
        net.train();
        sgd.zeroGrad();
        double l = loss.forward(net.forward(x), labels);
        net.backward(loss.backward());
        sgd.step();
        images.add(batch);
        return l;
    }
}
