package org.resnet4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;

/**
 * A ReLU in place on the output of the operation just before it (residual sum, batch norm) is folded into that
 * operation's kernel. The results must be those of the two launches, bit for bit, and anything that looks at the
 * output in between (a hook reading the batch norm's output, a copy, a release) must see it before the ReLU.
 */
class FoldedReluTest {
    static OpenClBackend cl;

    @BeforeAll
    static void setUp() {
        // a backend of its own that profiles its launches, so that the tests can see which were folded
        OpenClBackend shared = OpenClTestSupport.backendOrSkip();
        System.setProperty("resnet4j.opencl.profile", "true");
        try {
            cl = new OpenClBackend(OpenClDevices.enumerate().get(shared.device().index()), ProgramCache.fromSystemProperties());
        } finally {
            System.clearProperty("resnet4j.opencl.profile");
        }
    }

    /** Runs body and returns how many launches of `kernel` it made. */
    static long launches(String kernel, Runnable body) {
        cl.resetKernelProfile();
        body.run();
        return cl.kernelProfile().stream().filter(e -> e.kernel().equals(kernel)).mapToLong(KernelProfiler.Entry::calls).sum();
    }

    /** Values of both signs, zeros and a NaN (which torch.relu keeps). */
    static float[] mixed(int n, long seed) {
        float[] v = Pair.random(cl, seed, n).cpu().toFloats();
        v[0] = 0f;
        v[1] = Float.NaN;
        v[2] = -0f;
        return v;
    }

    /** The same operation followed by a ReLU into another tensor: never folded. */
    static float[] unfolded(java.util.function.Consumer<Tensor> op, int[] shape) {
        Tensor out = cl.empty(shape), rectified = cl.empty(shape);
        op.accept(out);
        cl.relu(out, rectified);
        return rectified.toFloats();
    }

    @Test
    void sumThenReluInPlaceMatchesTwoLaunches() {
        int n = 1000;
        Tensor a = cl.fromFloats(mixed(n, 1), n), b = cl.fromFloats(mixed(n, 2), n);
        float[] expected = unfolded(out -> cl.add(a, b, out), new int[] {n});
        Tensor out = cl.empty(n);
        assertThat(launches("add_f + relu", () -> {
            cl.add(a, b, out);
            cl.relu(out, out);
        })).as("folded").isEqualTo(1);
        assertThat(out.toFloats()).containsExactly(expected);
        assertThat(Float.isNaN(out.toFloats()[1])).as("NaN stays NaN").isTrue();
        for (float v : out.toFloats()) assertThat(v >= 0 || Float.isNaN(v)).as("rectified: %s", v).isTrue();

        // a sum in place into one of its operands, then the ReLU
        Tensor acc = cl.fromFloats(mixed(n, 1), n);
        cl.add(acc, b, acc);
        cl.relu(acc, acc);
        assertThat(acc.toFloats()).containsExactly(expected);
    }

    @Test
    void batchNormEvalThenReluInPlaceMatchesTwoLaunches() {
        int[] s = {3, 4, 5, 5};
        Tensor x = cl.fromFloats(mixed(300, 3), s);
        Tensor mean = cl.fromFloats(new float[] {0.1f, -0.2f, 0.3f, 0f}, 4), var = cl.fromFloats(new float[] {1f, 2f, 0.5f, 3f}, 4);
        Tensor gamma = cl.fromFloats(new float[] {1f, -1f, 2f, 0.5f}, 4), beta = cl.fromFloats(new float[] {0f, 0.1f, -0.3f, 0.2f}, 4);
        float[] expected = unfolded(y -> cl.batchNormEvalForward(x, mean, var, gamma, beta, 1e-5, y), s);
        Tensor y = cl.empty(s);
        assertThat(launches("bn_eval_forward + relu", () -> {
            cl.batchNormEvalForward(x, mean, var, gamma, beta, 1e-5, y);
            cl.relu(y, y);
        })).as("folded").isEqualTo(1);
        assertThat(y.toFloats()).containsExactly(expected);
    }

    @Test
    void batchNormTrainThenReluInPlaceMatchesTwoLaunches() {
        // channels spread over several work-groups: the statistics, then an element-wise pass (the one held back)
        int[] s = {4, 2, 64, 64};
        Tensor x = cl.fromFloats(Pair.random(cl, 4, s).cpu().toFloats(), s);
        Tensor gamma = cl.fromFloats(new float[] {1.5f, -0.5f}, 2), beta = cl.fromFloats(new float[] {0.2f, -0.1f}, 2);
        OpenClTestSupport.withWorkGroupTarget(cl, 64, () -> {
            assertThat(cl.bnShares(4, 2, 64 * 64)).isGreaterThan(1);
            float[] expected = unfolded(y -> cl.batchNormTrainForward(x, gamma, beta, 1e-5, y, cl.empty(2), cl.empty(2), cl.empty(2)), s);
            Tensor y = cl.empty(s);
            assertThat(launches("bn_apply + relu", () -> {
                cl.batchNormTrainForward(x, gamma, beta, 1e-5, y, cl.empty(2), cl.empty(2), cl.empty(2));
                cl.relu(y, y);
            })).as("folded").isEqualTo(1);
            assertThat(y.toFloats()).containsExactly(expected);
        });
    }

    @Test
    void whatLooksAtTheOutputFirstSeesItBeforeTheRelu() {
        int n = 64;
        float[] av = mixed(n, 5), bv = mixed(n, 6);
        Tensor a = cl.fromFloats(av, n), b = cl.fromFloats(bv, n);
        Tensor out = cl.empty(n);
        cl.add(a, b, out);
        float[] seen = out.toFloats(); // a hook reading the sum
        assertThat(launches("add_f + relu", () -> cl.relu(out, out))).as("nothing left to fold into").isZero();
        cl.add(a, b, out);
        assertThat(seen[3]).isEqualTo(av[3] + bv[3]);
        boolean negative = false;
        for (float v : seen) negative |= v < 0;
        assertThat(negative).as("negative sums are there before the ReLU").isTrue();
        cl.relu(out, out);
        assertThat(out.toFloats()[3]).isEqualTo(Math.max(av[3] + bv[3], 0f));

        Tensor copy = cl.empty(n);
        cl.add(a, b, out);
        cl.copy(out, copy);
        cl.relu(out, out);
        assertThat(copy.toFloats()).as("copied before the ReLU").containsExactly(seen);

        // released before anything else ran: the sum is launched first, and a new tensor may take the buffer
        Tensor gone = cl.empty(n);
        cl.add(a, b, gone);
        cl.release(gone);
        Tensor fresh = cl.fromFloats(av, n);
        assertThat(fresh.toFloats()).containsExactly(av);
    }
}
