package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.resnet4j.ops.nn.Ref.randomFloats;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

class ResidualSumTest {
    static final CpuBackend CPU = CpuBackend.get();

    @Test
    void forwardAddsAndBackwardSendsTheSameGradientIntoBothBranches() {
        float[] a = randomFloats(1, 24), b = randomFloats(2, 24), g = randomFloats(3, 24);
        ResidualSum sum = new ResidualSum();
        Tensor out = sum.forward(CPU.fromFloats(a, 2, 3, 2, 2), CPU.fromFloats(b, 2, 3, 2, 2));
        float[] o = out.toFloats();
        for (int i = 0; i < o.length; i++) assertThat(o[i]).isEqualTo(a[i] + b[i]);

        Tensor dy = CPU.fromFloats(g, 2, 3, 2, 2);
        ResidualSum.BranchGrads grads = sum.backward(dy);
        assertThat(grads.main().toFloats()).containsExactly(g);
        assertThat(grads.shortcut().toFloats()).containsExactly(g);
        assertThat(dy.toFloats()).as("dy is left untouched").containsExactly(g);
    }
}
