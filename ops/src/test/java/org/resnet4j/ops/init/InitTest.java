package org.resnet4j.ops.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Linear;

/**
 * Initializers against their defining formulas. Statistical checks use 5 standard errors: for n
 * samples the sample mean has standard error std/sqrt(n) and the sample std about std/sqrt(2n).
 */
class InitTest {
    static final CpuBackend CPU = CpuBackend.get();

    static double[] meanStd(float[] v) {
        double s = 0, ss = 0;
        for (float x : v) s += x;
        double mean = s / v.length;
        for (float x : v) ss += (x - mean) * (x - mean);
        return new double[] {mean, Math.sqrt(ss / v.length)};
    }

    @Test
    void fansFollowTorch() {
        assertThat(Init.fanIn(new int[] {64, 16, 3, 3})).isEqualTo(144);
        assertThat(Init.fanOut(new int[] {64, 16, 3, 3})).isEqualTo(576);
        assertThat(Init.fanIn(new int[] {10, 512})).isEqualTo(512);
        assertThat(Init.fanOut(new int[] {10, 512})).isEqualTo(10);
        assertThatThrownBy(() -> Init.fanIn(new int[] {5})).hasMessageContaining("(5,)");
    }

    @Test
    void kaimingNormalFanOutHasStdSqrt2OverFanOut() {
        RandomState.manualSeed(0);
        Parameter w = new Parameter(CPU.zeros(64, 16, 3, 3));
        Init.kaimingNormalFanOut(w);
        float[] v = w.data().toFloats();
        double std = Math.sqrt(2.0 / (64 * 9));
        double[] ms = meanStd(v);
        assertThat(ms[0]).isCloseTo(0, within(5 * std / Math.sqrt(v.length)));
        assertThat(ms[1]).isCloseTo(std, within(5 * std / Math.sqrt(2.0 * v.length)));
    }

    @Test
    void pytorchDefaultConvAndLinearAreUniformWithBound1OverSqrtFanIn() {
        RandomState.manualSeed(1);
        Conv2d conv = new Conv2d(32, 64, 3, 1, 1, 1, 2, true); // grouped: fan_in = 32/2 * 9 = 144
        double bound = 1 / Math.sqrt(144);
        float[] w = conv.weight().data().toFloats();
        for (float x : w) assertThat(Math.abs(x)).isLessThanOrEqualTo((float) bound);
        double[] ms = meanStd(w);
        double std = bound / Math.sqrt(3); // U(-b, b) has std b/sqrt(3)
        assertThat(ms[1]).isCloseTo(std, within(5 * std / Math.sqrt(2.0 * w.length)));
        for (float x : conv.bias().data().toFloats()) assertThat(Math.abs(x)).isLessThanOrEqualTo((float) bound);

        Linear fc = new Linear(400, 10, true);
        double lb = 1 / Math.sqrt(400);
        float[] fw = fc.weight().data().toFloats();
        for (float x : fw) assertThat(Math.abs(x)).isLessThanOrEqualTo((float) lb);
        assertThat(meanStd(fw)[1]).isCloseTo(lb / Math.sqrt(3), within(5 * lb / Math.sqrt(3) / Math.sqrt(2.0 * fw.length)));
    }

    @Test
    void seedAndStateReplayTheSameNumbers() {
        RandomState.manualSeed(42);
        float[] a = new Linear(8, 4, true).weight().data().toFloats();
        long state = RandomState.state();
        float[] b = new Linear(8, 4, true).weight().data().toFloats();
        assertThat(b).isNotEqualTo(a);
        RandomState.manualSeed(42);
        assertThat(new Linear(8, 4, true).weight().data().toFloats()).containsExactly(a);
        RandomState.setState(state);
        assertThat(new Linear(8, 4, true).weight().data().toFloats()).containsExactly(b);
    }

    @Test
    void constantNormalAndUniform() {
        Parameter p = new Parameter(CPU.zeros(3, 2));
        Init.constant(p, 0.25);
        assertThat(p.data().toFloats()).containsOnly(0.25f);
        Init.uniform(p, 2, 3);
        for (float x : p.data().toFloats()) assertThat(x).isBetween(2f, 3f);
        Init.normal(p, 5, 0);
        assertThat(p.data().toFloats()).containsOnly(5f);
        assertThatThrownBy(() -> Init.normal(p, 0, -1)).hasMessageContaining("std");
        assertThatThrownBy(() -> Init.uniform(p, 1, 0)).hasMessageContaining("low <= high");
    }
}
