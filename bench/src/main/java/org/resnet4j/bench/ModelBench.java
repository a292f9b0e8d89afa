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
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;
import org.resnet4j.opencl.OpenClBackend;

/**
 * Whole models on the CPU backend, reported as images/s (":images"). inference: eval-mode forward.
 * trainStep: zero_grad, train-mode forward, cross-entropy, backward, SGD step (momentum 0.9,
 * weight decay 5e-4), what one iteration of a training loop costs.
 * Cases: "resnet20_128" (CIFAR ResNet-20, N=128, 3x32x32) and "resnet50_8" (N=8, 3x224x224); any
 * "MODEL_BATCH" of the zoo runs, with 32x32 images for the CIFAR models and 224x224 for the others.
 * {@code -p device=opencl[:N|:NAME]} runs them on an OpenCL device, tensors kept there: inference then
 * reads the logits back and a training step the loss, so each operation ends when the device is done.
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

    @Param({"cpu"})
    public String device;

    private Module net;
    private SGD sgd;
    private Tensor x, labels;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();
    private int batch;
    private Backend backend;

    @Setup
    public void setup() {
        int cut = model.lastIndexOf('_');
        batch = Integer.parseInt(model.substring(cut + 1));
        String name = model.substring(0, cut);
        int[] chw = ModelZoo.inputShape(name, null);
        backend = device.equals("cpu") ? CpuBackend.get() : OpenClBackend.select(device);
        net = ModelZoo.create(name).to(backend);
        sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        x = backend.fromFloats(GemmBench.random(1, batch * chw[0] * chw[1] * chw[2]), batch, chw[0], chw[1], chw[2]);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        labels = backend.fromFloats(y, batch);
    }

    @Benchmark
    public Object inference(Images images) {
        net.eval();
        Tensor logits;
        try (InferenceMode ignored = InferenceMode.enter()) {
            logits = net.forward(x);
        }
        images.add(batch);
        return backend instanceof CpuBackend ? logits : backend.toFloats(logits);
    }

    @Benchmark
    public double trainStep(Images images) {
        net.train();
        sgd.zeroGrad();
        double l = loss.forward(net.forward(x), labels);
        net.backwardParameters(loss.backward());
        sgd.step();
        images.add(batch);
        return l;
    }
}
