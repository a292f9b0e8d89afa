package org.resnet4j.bench;

import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;

/**
 * A few training steps of one model, for measuring a whole process from outside (peak resident
 * memory with /usr/bin/time in bench/side_by_side.sh). Arguments: model batch side steps.
 *
 * <p>From the second step on, every output and gradient reuses the memory of a tensor released in
 * the step before (see {@code Module}), so the heap's live set stays flat. G1, the default collector,
 * still sizes the heap 40% to 70% above it; the launcher {@code ./resnet4j} runs the serial collector
 * ({@code RESNET4J_GC_OPTS} in scripts/jdk.sh), which keeps it close to the live set, and an application
 * that trains with resnet4j may want it too. side_by_side.sh measures both.
 */
public final class TrainSteps {
    private TrainSteps() {}

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: TrainSteps MODEL BATCH SIDE STEPS   e.g. TrainSteps resnet50 8 224 3");
            System.exit(2);
        }
        int batch = Integer.parseInt(args[1]), side = Integer.parseInt(args[2]), steps = Integer.parseInt(args[3]);
        Module net = ModelZoo.create(args[0]);
        SGD sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0, 5e-4, false);
        CpuBackend cpu = CpuBackend.get();
        Tensor x = cpu.fromFloats(GemmBench.random(1, batch * 3 * side * side), batch, 3, side, side);
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        Tensor labels = cpu.fromFloats(y, batch);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            sgd.zeroGrad();
            double l = loss.forward(net.forward(x), labels);
            net.backwardParameters(loss.backward());
            sgd.step();
            System.out.printf("step %d: loss %.4f, %.2f s%n", s + 1, l, (System.nanoTime() - t0) * 1e-9);
        }
    }
}
