package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.resnet4j.ops.nn.Ref.randomFloats;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Parallel;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.RandomState;

/** The same layers give bit-identical outputs and gradients with 1 and 2 threads. */
class ThreadCountTest {
    static final CpuBackend CPU = CpuBackend.get();

    static List<float[]> run(int threads) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            RandomState.manualSeed(11);
            Sequential net = new Sequential(new Conv2d(3, 8, 3, 2, 1, 1, 1, false), new BatchNorm2d(8), new ReLU(),
                    new MaxPool2d(3, 2, 1), new Conv2d(8, 8, 3, 1, 1, 1, 2, true), new AvgPool2d(2),
                    new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(0.2), new Linear(8, 5, true));
            Tensor y = net.forward(CPU.fromFloats(randomFloats(1, 4 * 3 * 16 * 16), 4, 3, 16, 16));
            Tensor dx = net.backward(CPU.fromFloats(randomFloats(2, 4 * 5), 4, 5));
            List<float[]> out = new ArrayList<>(List.of(y.toFloats(), dx.toFloats()));
            for (Parameter p : net.parameters()) out.add(p.grad().toFloats());
            return out;
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void oneAndTwoThreadsAgreeBitForBit() {
        List<float[]> one = run(1), two = run(2);
        assertThat(two).hasSameSizeAs(one);
        for (int i = 0; i < one.size(); i++) assertThat(two.get(i)).as("tensor " + i).containsExactly(one.get(i));
    }
}
