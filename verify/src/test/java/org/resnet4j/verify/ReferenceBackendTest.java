package org.resnet4j.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.ConvGeometry;
import org.resnet4j.core.DType;
import org.resnet4j.core.PoolGeometry;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/** Hand-computed values for the oracle's conventions, independent of PyTorch and of the CPU backend. */
class ReferenceBackendTest {
    private final ReferenceBackend ref = ReferenceBackend.get();

    @Test
    void storesFloat64Exactly() {
        Tensor t = ref.fromDoubles(new double[] {0.1, 1e-300, 3}, 3);
        assertThat(t.dtype()).isEqualTo(DType.FLOAT64);
        assertThat(t.toDoubles()).containsExactly(0.1, 1e-300, 3);
    }

    @Test
    void convolutionOfOnesCountsTheInRangeTaps() {
        // 3x3 input of ones, 3x3 kernel of ones, padding 1: each output counts the taps inside the input
        Tensor x = ref.fromDoubles(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3);
        Tensor w = ref.fromDoubles(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3);
        Tensor y = ref.zeros(1, 1, 3, 3);
        ref.conv2dForward(x, w, ref.fromDoubles(new double[] {0.5}, 1), ConvGeometry.of(1, 1, 3, 3, 1, 3, 1, 1, 1, 1), y);
        assertThat(y.toDoubles()).containsExactly(4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5);
    }

    @Test
    void averagePoolDivisorsFollowPyTorch() {
        // 2x2 input, kernel 2, stride 1, padding 1: the corner window holds one input element
        Tensor x = ref.fromDoubles(new double[] {4, 8, 12, 16}, 1, 1, 2, 2);
        Tensor incl = ref.zeros(1, 1, 3, 3), excl = ref.zeros(1, 1, 3, 3);
        ref.avgPool2dForward(x, PoolGeometry.avg(1, 1, 2, 2, 2, 1, 1, false, true), incl);
        ref.avgPool2dForward(x, PoolGeometry.avg(1, 1, 2, 2, 2, 1, 1, false, false), excl);
        assertThat(incl.toDoubles()[0]).isEqualTo(1.0);  // 4 / 4 (padding counted)
        assertThat(excl.toDoubles()[0]).isEqualTo(4.0);  // 4 / 1
        assertThat(excl.toDoubles()[4]).isEqualTo(10.0); // the centre window covers all four
    }

    @Test
    void maxPoolTakesTheFirstMaximumInScanOrder() {
        Tensor x = ref.fromDoubles(new double[] {7, 7, 7, 7}, 1, 1, 2, 2);
        Tensor dx = ref.zeros(1, 1, 2, 2);
        ref.maxPool2dBackward(ref.fromDoubles(new double[] {1}, 1, 1, 1, 1), x, PoolGeometry.max(1, 1, 2, 2, 2, 2, 0, false), dx);
        assertThat(dx.toDoubles()).containsExactly(1, 0, 0, 0);
    }

    @Test
    void adaptivePoolWindowsOverlapWhenUpsampling() {
        // h = 3 to oh = 2: rows [0, 2) and [1, 3)
        Tensor x = ref.fromDoubles(new double[] {1, 2, 3}, 1, 1, 3, 1);
        Tensor y = ref.zeros(1, 1, 2, 1);
        ref.adaptiveAvgPool2dForward(x, y);
        assertThat(y.toDoubles()).containsExactly(1.5, 2.5);
    }

    @Test
    void batchNormUsesTheTwoPassBiasedVariance() {
        // a large offset would ruin E[x^2] - E[x]^2 in float64; two passes keep it exact
        Tensor x = ref.fromDoubles(new double[] {1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4}, 1, 1, 2, 2);
        Tensor y = ref.zeros(1, 1, 2, 2), mean = ref.zeros(1), var = ref.zeros(1), inv = ref.zeros(1);
        ref.batchNormTrainForward(x, null, null, 0, y, mean, var, inv);
        assertThat(mean.toDoubles()[0]).isEqualTo(1e8 + 2.5);
        assertThat(var.toDoubles()[0]).isEqualTo(1.25);
    }

    @Test
    void crossEntropyWithLabelSmoothingMatchesTheFormula() {
        Tensor z = ref.fromDoubles(new double[] {0, Math.log(3)}, 1, 2); // p = (1/4, 3/4)
        Tensor p = ref.zeros(1, 2);
        double loss = ref.crossEntropyForward(z, ref.fromDoubles(new double[] {1}, 1), 0.2, p);
        // target = (0.1, 0.9): -(0.1 log 1/4 + 0.9 log 3/4)
        assertThat(loss).isCloseTo(-(0.1 * Math.log(0.25) + 0.9 * Math.log(0.75)), org.assertj.core.data.Offset.offset(1e-15));
        assertThatThrownBy(() -> ref.crossEntropyForward(z, ref.fromDoubles(new double[] {2}, 1), 0, p))
                .hasMessageContaining("class index in [0, 2)");
    }

    @Test
    void gemmWithBetaZeroDoesNotReadC() {
        Tensor a = ref.fromDoubles(new double[] {2}, 1), b = ref.fromDoubles(new double[] {3}, 1), c = ref.fromDoubles(new double[] {Double.NaN}, 1);
        ref.gemm(false, false, 1, 1, 1, 1, a, 0, 1, b, 0, 1, 0, c, 0, 1);
        assertThat(c.toDoubles()).containsExactly(6);
    }

    @Test
    void rejectsTensorsOfAnotherBackendWithAClearMessage() {
        Tensor cpu = CpuBackend.get().zeros(2);
        assertThatThrownBy(() -> ref.sum(cpu)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to the reference-f64 backend");
    }

    @Test
    void comparisonNamesTheWorstElementByCoordinates() {
        Comparison c = Compare.compare("y", new int[] {1, 2, 2, 2}, new double[] {0, 0, 0, 0, 0, 0, 0.5, 0},
                new double[] {0, 0, 0, 0, 0, 0, 0, 0}, 1e-5, 1e-5, 1e-8);
        assertThat(c.pass()).isFalse();
        assertThat(c.worstCoordinates()).isEqualTo("(0, 1, 1, 0)");
        assertThat(c.describe()).contains("actual 0.5").contains("expected 0");
        assertThat(Compare.normwise(new double[] {1.1, 0}, new double[] {1, 0})).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void emptyIsNanAndAReleasedTensorFailsWhenUsedAgain() {
        ReferenceBackend ref = ReferenceBackend.get();
        assertThat(ref.empty(2, 2).toDoubles()).as("a kernel that leaves part of its output shows NaN").containsOnly(Double.NaN);
        Tensor t = ref.fromDoubles(new double[] {1, 2, 3}, 3);
        ref.release(t);
        assertThat(ref.isReleased(t)).isTrue();
        assertThatThrownBy(t::toDoubles).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Tensor(3,)").hasMessageContaining("was released");
        ref.release(t);
    }
}
