package org.resnet4j.bench;

import java.util.Locale;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.InferenceMode;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;

/**
 * One model case of {@link ModelBench} without JMH, for bench/models_alternating.sh: prints images/s of an
 * eval-mode forward or of a training step (zero_grad, forward, cross-entropy, backwardParameters, SGD), the mean
 * over at least SECONDS of steps after a warm-up of three steps and at least WARMUP_SECONDS (default 0), the
 * statistic side_by_side.py takes for PyTorch.
 */
public final class ModelThroughput {
    private ModelThroughput() {}

    public static void main(String[] args) {
        if ((args.length != 3 && args.length != 4) || !(args[1].equals("inference") || args[1].equals("train")) || !args[0].matches(".+_\\d+")) {
            System.err.println("usage: ModelThroughput MODEL_BATCH inference|train SECONDS [WARMUP_SECONDS]   e.g. ModelThroughput resnet50_8 train 5 10");
            System.exit(2);
        }
        int cut = args[0].lastIndexOf('_');
        String name = args[0].substring(0, cut);
        int batch = Integer.parseInt(args[0].substring(cut + 1));
        boolean train = args[1].equals("train");
        double seconds = Double.parseDouble(args[2]);
        double warmupSeconds = args.length == 4 ? Double.parseDouble(args[3]) : 0;
        int[] chw = ModelZoo.inputShape(name, null);
        CpuBackend cpu = CpuBackend.get();
        Module net = ModelZoo.create(name);
        SGD sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Tensor x = cpu.fromFloats(GemmBench.random(1, batch * chw[0] * chw[1] * chw[2]), batch, chw[0], chw[1], chw[2]);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        Tensor labels = cpu.fromFloats(y, batch);
        if (train) net.train();
        else net.eval();
        Runnable step = train ? () -> {
            sgd.zeroGrad();
            loss.forward(net.forward(x), labels);
            net.backwardParameters(loss.backward());
            sgd.step();
        } : () -> {
            try (InferenceMode ignored = InferenceMode.enter()) {
                net.forward(x);
            }
        };
        long warmupStart = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - warmupStart < warmupSeconds * 1e9; i++) step.run();
        long start = System.nanoTime(), calls = 0;
        while (System.nanoTime() - start < seconds * 1e9 || calls < 3) {
            step.run();
            calls++;
        }
        System.out.printf(Locale.ROOT, "%.3f%n", batch * calls / ((System.nanoTime() - start) / 1e9));
    }
}
