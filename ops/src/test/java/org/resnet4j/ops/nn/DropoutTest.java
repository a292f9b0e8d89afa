package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.init.RandomState;

class DropoutTest {
    static final CpuBackend CPU = CpuBackend.get();
    static final int N = 20_000;

    static Tensor ones() {
        Tensor x = CPU.zeros(10, N / 10);
        CPU.fill(x, 1.0);
        return x;
    }

    @Test
    void evalIsTheIdentity() {
        Dropout d = new Dropout(0.5);
        d.eval();
        Tensor x = ones();
        assertThat(d.forward(x)).isSameAs(x);
        assertThat(d.backward(x)).isSameAs(x);
    }

    @Test
    void trainDropsAboutPAndScalesSurvivorsBy1OverKeep() {
        RandomState.manualSeed(7);
        double p = 0.3;
        Dropout d = new Dropout(p);
        float[] y = d.forward(ones()).toFloats();
        int zeros = 0, wrong = 0;
        float scale = (float) (1 / (1 - p));
        for (float v : y) {
            if (v == 0f) zeros++;
            else if (v != scale) wrong++;
        }
        assertThat(wrong).as("survivors not scaled by exactly 1/(1-p)").isZero();
        // the dropped fraction is binomial: sd = sqrt(p(1-p)/N) = 0.00324; 5 sd = 0.0162
        assertThat(zeros / (double) N).isCloseTo(p, within(0.0162));

        float[] g = new float[N];
        for (int i = 0; i < N; i++) g[i] = i % 7 - 3;
        float[] dx = d.backward(CPU.fromFloats(g, 10, N / 10)).toFloats();
        int bad = 0;
        for (int i = 0; i < N; i++) if (dx[i] != (y[i] == 0f ? 0f : g[i] * scale)) bad++;
        assertThat(bad).as("elements where dx != dy * mask").isZero();
    }

    @Test
    void theGlobalSeedMakesTheMaskReproducible() {
        Dropout d = new Dropout(0.5);
        RandomState.manualSeed(123);
        float[] first = d.forward(ones()).toFloats();
        float[] second = d.forward(ones()).toFloats();
        assertThat(second).as("each forward draws a new mask").isNotEqualTo(first);

        RandomState.manualSeed(123);
        assertThat(d.forward(ones()).toFloats()).containsExactly(first);

        long saved = RandomState.state();
        float[] next = d.forward(ones()).toFloats();
        RandomState.setState(saved);
        assertThat(d.forward(ones()).toFloats()).as("restoring the global state replays the mask").containsExactly(next);
    }

    @Test
    void pZeroAndPOne() {
        Tensor x = ones();
        assertThat(new Dropout(0.0).forward(x)).isSameAs(x);
        assertThat(new Dropout(1.0).forward(x).toFloats()).containsOnly(0f);
    }
}
