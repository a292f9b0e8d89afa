package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Element-wise kernels, channel moves, host reductions, loss, dropout and optimizer updates vs the
 * CPU baseline. Single float operations round identically on both, so most comparisons are exact;
 * where the device may contract a*b+c into one fma or compute exp/log to a few ulp, 1e-6..1e-5.
 */
class ElementwiseKernelTest {
    static OpenClBackend cl;
    static final CpuBackend CPU = CpuBackend.get();

    @BeforeAll
    static void setUp() {
        cl = OpenClTestSupport.backendOrSkip();
    }

    @Test
    void arithmeticIncludingAliasedOutputs() {
        int[] s = {3, 5, 7};
        Pair a = Pair.random(cl, 1, s), b = Pair.random(cl, 2, s), out = Pair.zeros(cl, s);
        for (Backend k : new Backend[] {CPU, cl}) k.add(Pair.on(k, a), Pair.on(k, b), Pair.on(k, out));
        out.assertClose("add", 0);
        for (Backend k : new Backend[] {CPU, cl}) k.mul(Pair.on(k, a), Pair.on(k, b), Pair.on(k, out));
        out.assertClose("mul", 0);
        for (Backend k : new Backend[] {CPU, cl}) k.scale(Pair.on(k, a), -0.3, Pair.on(k, a)); // aliased
        a.assertClose("scale in place", 0);
        for (Backend k : new Backend[] {CPU, cl}) k.axpy(0.7, Pair.on(k, a), Pair.on(k, b));
        b.assertClose("axpy", 1e-7);
        for (Backend k : new Backend[] {CPU, cl}) k.add(Pair.on(k, a), Pair.on(k, b), Pair.on(k, a)); // out aliases a
        a.assertClose("add aliased", 1e-7);
    }

    @Test
    void reluAndBackward() {
        int[] s = {2, 3, 4, 5};
        float[] xs = GemmTest.random(120, 3);
        xs[0] = 0f;
        xs[1] = -0f;
        Pair x = Pair.of(cl, xs, s), y = Pair.zeros(cl, s), dy = Pair.random(cl, 4, s);
        for (Backend k : new Backend[] {CPU, cl}) {
            k.relu(Pair.on(k, x), Pair.on(k, y));
            k.reluBackward(Pair.on(k, dy), Pair.on(k, y), Pair.on(k, dy)); // dx aliases dy
        }
        y.assertClose("relu", 0);
        dy.assertClose("relu backward", 0);
    }

    @Test
    void fillCopyAndHostRoundTrip() {
        Tensor t = cl.zeros(4, 5);
        assertThat(t.toFloats()).containsOnly(0f);
        cl.fill(t, 2.5);
        assertThat(t.toFloats()).containsOnly(2.5f);
        Tensor u = cl.fromDoubles(new double[] {1.0 / 3, -2, 1e-40}, 3);
        assertThat(u.toDoubles()).containsExactly((float) (1.0 / 3), -2.0, (double) (float) 1e-40);
        Tensor v = cl.zeros(3);
        cl.copy(u, v);
        assertThat(v.toFloats()).containsExactly(u.toFloats());
        assertThat(cl.zeros(0).toFloats()).isEmpty();
        assertThat(v.backend()).isSameAs(cl);
        assertThat(cl.name()).startsWith("opencl:");
    }

    @ParameterizedTest(name = "shape rank {0}")
    @CsvSource({"4", "2"})
    void channelBiasAndChannelMoves(int rank) {
        int[] s = rank == 4 ? new int[] {3, 5, 4, 3} : new int[] {3, 5};
        Pair y = Pair.random(cl, 5, s), bias = Pair.random(cl, 6, 5);
        for (Backend k : new Backend[] {CPU, cl}) k.addChannelBias(Pair.on(k, y), Pair.on(k, bias));
        y.assertClose("addChannelBias", 0);
        if (rank == 4) {
            Pair padded = Pair.random(cl, 7, 3, 5 + 2 + 4, 4, 3), back = Pair.random(cl, 8, s);
            for (Backend k : new Backend[] {CPU, cl}) {
                k.padChannels(Pair.on(k, y), 2, 4, Pair.on(k, padded));
                k.sliceChannels(Pair.on(k, padded), 2, Pair.on(k, back));
            }
            padded.assertClose("padChannels", 0);
            back.assertClose("sliceChannels", 0);
            Compare.assertClose("slice(pad(x)) == x", back.cl().toFloats(), y.cpu().toFloats(), 0);
        }
    }

    @Test
    void hostReductions() {
        float[] xs = GemmTest.random(70001, 9); // more elements than work-items: strided accumulation
        Tensor x = cl.fromFloats(xs, xs.length);
        Tensor c = CPU.fromFloats(xs, xs.length);
        assertThat(cl.sum(x)).isCloseTo(CPU.sum(c), within(1e-5 * Math.sqrt(xs.length)));
        assertThat(cl.sumOfSquares(x)).isCloseTo(CPU.sumOfSquares(c), within(1e-5 * CPU.sumOfSquares(c)));
        assertThat(cl.maxAbs(x)).isEqualTo(CPU.maxAbs(c));
        assertThat(cl.countNonFinite(x)).isZero();
        xs[17] = Float.NaN;
        xs[1000] = Float.POSITIVE_INFINITY;
        xs[70000] = Float.NEGATIVE_INFINITY;
        Tensor bad = cl.fromFloats(xs, xs.length);
        assertThat(cl.countNonFinite(bad)).isEqualTo(3);
        assertThat(cl.maxAbs(bad)).isNaN();
        assertThat(cl.sum(cl.zeros(0))).isZero();
    }

    @ParameterizedTest(name = "n={0} k={1} smoothing={2}")
    @CsvSource({"4,10,0.0", "3,7,0.1", "1,1000,0.0", "5,2,0.3"})
    void crossEntropyAndSoftmax(int n, int k, double smoothing) {
        float[] z = GemmTest.random(n * k, 10);
        for (int i = 0; i < z.length; i++) z[i] *= 8; // confident logits, exercising the max shift
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) labels[i] = (i * 7 + 3) % k;
        Pair logits = Pair.of(cl, z, n, k), lab = Pair.of(cl, labels, n);
        Pair probs = Pair.zeros(cl, n, k), d = Pair.zeros(cl, n, k), sm = Pair.zeros(cl, n, k);
        double cpuLoss = CPU.crossEntropyForward(logits.cpu(), lab.cpu(), smoothing, probs.cpu());
        double clLoss = cl.crossEntropyForward(logits.cl(), lab.cl(), smoothing, probs.cl());
        // float32 log-sum-exp of logits up to |8|: a few ulp of the loss
        assertThat(clLoss).isCloseTo(cpuLoss, within(1e-5 * Math.max(1, Math.abs(cpuLoss))));
        probs.assertClose("softmax probabilities", 1e-5);
        for (Backend b : new Backend[] {CPU, cl}) {
            b.crossEntropyBackward(Pair.on(b, probs), Pair.on(b, lab), smoothing, 1.0 / n, Pair.on(b, d));
            b.softmax(Pair.on(b, logits), Pair.on(b, sm));
        }
        d.assertClose("cross-entropy backward", 1e-5);
        sm.assertClose("softmax", 1e-5);
    }

    @Test
    void uniformAtIsBitExactPort() {
        for (long seed : new long[] {0, 1, -7, 42, Long.MIN_VALUE, 0x123456789ABCDEFL}) {
            Tensor u = cl.zeros(5000);
            cl.uniformAt(u, seed);
            float[] got = u.toFloats();
            for (int i = 0; i < got.length; i++) {
                assertThat((double) got[i]).as("uniformAt(%d, %d)", seed, i).isEqualTo(Rng.uniformAt(seed, i));
            }
        }
    }

    @ParameterizedTest(name = "keep={0}")
    @CsvSource({"0.9", "0.5", "0.1", "1.0", "0.3333333333"})
    void dropoutMaskMatchesCpuBitForBit(double keep) {
        for (long seed : new long[] {3, -99}) {
            Pair mask = Pair.zeros(cl, 3, 4000);
            CPU.dropoutMask(mask.cpu(), keep, seed);
            cl.dropoutMask(mask.cl(), keep, seed);
            assertThat(mask.cl().toFloats()).containsExactly(mask.cpu().toFloats());
        }
    }

    @ParameterizedTest(name = "momentum={0} dampening={1} nesterov={2} wd={3}")
    @CsvSource({"0.0,0.0,false,0.0", "0.9,0.0,false,5e-4", "0.9,0.1,false,0.0", "0.9,0.0,true,1e-4"})
    void sgdUpdate(double momentum, double dampening, boolean nesterov, double wd) {
        Pair p = Pair.random(cl, 11, 3, 33), g = Pair.random(cl, 12, 3, 33);
        Pair buf = momentum == 0 ? null : Pair.zeros(cl, 3, 33);
        for (int step = 0; step < 3; step++) {
            for (Backend b : new Backend[] {CPU, cl}) {
                b.sgdUpdate(Pair.on(b, p), Pair.on(b, g), Pair.on(b, buf), 0.1, momentum, dampening, nesterov, wd, step == 0);
            }
        }
        // CPU and device round each float operation alike; the device may fuse a multiply-add
        p.assertClose("sgd param", 1e-6);
        if (buf != null) buf.assertClose("sgd momentum buffer", 1e-6);
    }

    @ParameterizedTest(name = "wd={0} decoupled={1}")
    @CsvSource({"0.0,false", "0.01,false", "0.01,true"})
    void adamUpdate(double wd, boolean decoupled) {
        Pair p = Pair.random(cl, 13, 101), m = Pair.zeros(cl, 101), v = Pair.zeros(cl, 101);
        for (int step = 1; step <= 3; step++) {
            Pair g = Pair.random(cl, 14 + step, 101);
            for (Backend b : new Backend[] {CPU, cl}) {
                b.adamUpdate(Pair.on(b, p), Pair.on(b, g), Pair.on(b, m), Pair.on(b, v), 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, step);
            }
        }
        p.assertClose("adam param", 1e-6);
        m.assertClose("adam exp_avg", 1e-6);
        v.assertClose("adam exp_avg_sq", 1e-6);
    }

    @Test
    void foreignTensorIsRejectedClearly() {
        Tensor cpuTensor = CPU.zeros(3);
        assertThatThrownBy(() -> cl.relu(cpuTensor, cl.zeros(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not belong to backend opencl:");
    }

    @Test
    void shapeMismatchOnUploadIsRejectedClearly() {
        assertThatThrownBy(() -> cl.fromFloats(new float[5], 2, 3))
                .hasMessageContaining("length 5").hasMessageContaining("(2, 3)");
    }

    @Test
    void transferCounterCountsOnlyHostCrossings() {
        cl.resetTransfers();
        Tensor a = cl.fromFloats(new float[100], 10, 10);
        Tensor b = cl.zeros(10, 10);
        cl.add(a, a, b);
        cl.copy(b, a);
        cl.relu(a, b);
        assertThat(cl.transfers()).isEqualTo(new TransferStats(1, 400, 0, 0));
        b.toFloats();
        cl.sum(b);
        TransferStats t = cl.transfers();
        assertThat(t.hostToDeviceCount()).isEqualTo(1);
        assertThat(t.deviceToHostCount()).isEqualTo(2);
        assertThat(t.deviceToHostBytes()).isEqualTo(400 + 64 * 4);
    }
}
