package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.resnet4j.ops.nn.Ref.assertClose;
import static org.resnet4j.ops.nn.Ref.randomFloats;
import static org.resnet4j.ops.nn.Ref.toDouble;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Mean cross-entropy with and without label smoothing against the formula evaluated in double here,
 * and dlogits against central differences of that formula. The loss is accumulated in double from
 * exact float32 logits (tolerance 1e-6 relative); dlogits = (p - target)/N is rounded to float32 once
 * (absolute 1e-7 for values below 1/N = 0.25).
 */
class CrossEntropyLossTest {
    static final CpuBackend CPU = CpuBackend.get();

    void check(double smoothing) {
        int n = 4, k = 5;
        int[] labels = {0, 3, 4, 1};
        float[] z = randomFloats(5, n * k);
        for (int i = 0; i < z.length; i++) z[i] *= 3;
        double[] zd = toDouble(z);
        CrossEntropyLoss ce = new CrossEntropyLoss(smoothing);
        double loss = ce.forward(CPU.fromFloats(z, n, k), CPU.fromFloats(new float[] {0, 3, 4, 1}, n));
        double want = Ref.crossEntropy(zd, labels, n, k, smoothing);
        assertThat(loss).isCloseTo(want, within(1e-6 * want));
        Tensor dz = ce.backward();
        assertThat(dz.shape()).containsExactly(n, k);
        assertClose("dlogits", dz.toFloats(), Ref.fd(zd, () -> new double[] {Ref.crossEntropy(zd, labels, n, k, smoothing)},
                new double[] {1.0}), 1e-7, 1e-6);

        float[] p = ce.probabilities().toFloats();
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < k; j++) s += p[i * k + j];
            assertThat(s).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void plain() {
        check(0.0);
    }

    @Test
    void labelSmoothing() {
        check(0.1);
        check(1.0);
    }

    @Test
    void smoothingChangesTheLossAsPyTorchDoes() {
        // torch.nn.CrossEntropyLoss(label_smoothing=0.2)(torch.tensor([[0., 1., 2.]]), torch.tensor([2])) = 0.6076059341430664
        // (printed by torch 1.13): -(0.8 + 0.2/3) * log p2 - 0.2/3 * (log p0 + log p1)
        CrossEntropyLoss ce = new CrossEntropyLoss(0.2);
        double loss = ce.forward(CPU.fromFloats(new float[] {0, 1, 2}, 1, 3), CPU.fromFloats(new float[] {2}, 1));
        assertThat(loss).isCloseTo(0.6076059341430664, within(1e-6));
    }
}
