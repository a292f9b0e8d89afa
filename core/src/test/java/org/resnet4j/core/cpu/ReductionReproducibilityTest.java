package org.resnet4j.core.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;

/**
 * The same reduction on the same data must give the same bits on its first call (interpreted) and
 * after the JIT has compiled it: a vector lane reduction whose order the compiler may choose broke
 * bit-identical resume once.
 */
class ReductionReproducibilityTest {
    private static final CpuBackend CPU = CpuBackend.get();

    @Test
    void reductionsGiveTheSameBitsBeforeAndAfterCompilation() {
        Rng r = new Rng(5);
        float[] v = new float[4099];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * Math.exp(4 * r.nextDouble()));
        Tensor x = CPU.fromFloats(v, 1, 1, 1, v.length);
        Tensor dy = CPU.fromFloats(v.clone(), 1, 1, 1, v.length);
        double sum0 = CPU.sum(x), sq0 = CPU.sumOfSquares(x);
        float[][] bn0 = batchNorm(x, dy);
        for (int call = 0; call < 3000; call++) {
            assertThat(Double.doubleToRawLongBits(CPU.sum(x))).as("sum, call %d", call).isEqualTo(Double.doubleToRawLongBits(sum0));
            assertThat(Double.doubleToRawLongBits(CPU.sumOfSquares(x))).as("sumOfSquares, call %d", call)
                    .isEqualTo(Double.doubleToRawLongBits(sq0));
            if (call % 100 == 99) {
                float[][] bn = batchNorm(x, dy);
                for (int k = 0; k < bn.length; k++) assertThat(bn[k]).as("batch norm output %d, call %d", k, call).containsExactly(bn0[k]);
            }
        }
    }

    private static float[][] batchNorm(Tensor x, Tensor dy) {
        Tensor y = CPU.zeros(x.shape()), mean = CPU.zeros(1), var = CPU.zeros(1), inv = CPU.zeros(1), dx = CPU.zeros(x.shape());
        CPU.batchNormTrainForward(x, null, null, 1e-5, y, mean, var, inv);
        CPU.batchNormTrainBackward(dy, x, null, mean, inv, dx, null, null);
        return new float[][] {y.toFloats(), mean.toFloats(), var.toFloats(), dx.toFloats()};
    }
}
