package org.resnet4j.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.resnet4j.ops.nn.Ref.assertClose;
import static org.resnet4j.ops.nn.Ref.randomFloats;
import static org.resnet4j.ops.nn.Ref.toDouble;

import org.junit.jupiter.api.Test;
import org.resnet4j.core.Tensor;
import org.resnet4j.core.cpu.CpuBackend;

/**
 * Running-statistics semantics of BatchNorm2d, checked against PyTorch's formulas evaluated here in
 * double: running = (1 - f) * running + f * batch statistic, f = momentum (or 1/num_batches_tracked
 * when momentum is None), with the unbiased variance var * m/(m-1) going into running_var.
 *
 * <p>Tolerance 2e-6 absolute/relative: the layer keeps the statistics in float32 and applies a few
 * float32 scale/axpy updates to O(1) values, each rounding at ~6e-8 relative.
 */
class BatchNorm2dTest {
    static final CpuBackend CPU = CpuBackend.get();
    static final int N = 4, C = 3, H = 2, W = 3, HW = H * W, M = N * HW;

    static float[] batch(long seed) {
        float[] x = randomFloats(seed, N * C * HW);
        for (int i = 0; i < x.length; i++) x[i] = 1.5f * x[i] + (i / HW % C) - 0.5f; // a different mean per channel
        return x;
    }

    /** Expected running stats after training on the batches with the given momentum (null = cumulative). */
    static double[][] expectedRunning(Double momentum, float[]... batches) {
        double[] mean = new double[C], var = new double[C];
        java.util.Arrays.fill(var, 1.0);
        int t = 0;
        for (float[] b : batches) {
            t++;
            double f = momentum == null ? 1.0 / t : momentum;
            for (int ch = 0; ch < C; ch++) {
                double[] st = Ref.channelStats(toDouble(b), N, C, HW, ch);
                mean[ch] = (1 - f) * mean[ch] + f * st[0];
                var[ch] = (1 - f) * var[ch] + f * st[1] * M / (M - 1);
            }
        }
        return new double[][] {mean, var};
    }

    @Test
    void momentumUpdatesRunningStatsWithUnbiasedVariance() {
        BatchNorm2d bn = new BatchNorm2d(C);
        float[][] batches = {batch(1), batch(2), batch(3)};
        for (float[] b : batches) bn.forward(CPU.fromFloats(b, N, C, H, W));
        double[][] want = expectedRunning(0.1, batches);
        assertClose("running_mean", bn.runningMean().data().toFloats(), want[0], 2e-6, 2e-6);
        assertClose("running_var", bn.runningVar().data().toFloats(), want[1], 2e-6, 2e-6);
        assertThat(bn.numBatchesTracked().get()).isEqualTo(3);
    }

    @Test
    void momentumNoneIsTheCumulativeAverage() {
        BatchNorm2d bn = new BatchNorm2d(C, 1e-5, null, true, true);
        float[][] batches = {batch(4), batch(5), batch(6)};
        for (float[] b : batches) bn.forward(CPU.fromFloats(b, N, C, H, W));
        // With f = 1/t the running values are the plain averages of the batch statistics
        // (the initial 0 and 1 drop out at t = 1): computed here without the recurrence.
        double[] mean = new double[C], var = new double[C];
        for (float[] b : batches) {
            for (int ch = 0; ch < C; ch++) {
                double[] st = Ref.channelStats(toDouble(b), N, C, HW, ch);
                mean[ch] += st[0] / 3;
                var[ch] += st[1] * M / (M - 1) / 3;
            }
        }
        assertClose("running_mean", bn.runningMean().data().toFloats(), mean, 2e-6, 2e-6);
        assertClose("running_var", bn.runningVar().data().toFloats(), var, 2e-6, 2e-6);
        double[][] recurrence = expectedRunning(null, batches);
        assertClose("running_var (recurrence)", bn.runningVar().data().toFloats(), recurrence[1], 2e-6, 2e-6);
    }

    @Test
    void evalUsesRunningStatsAndDoesNotUpdateThem() {
        BatchNorm2d bn = new BatchNorm2d(C);
        float[] b1 = batch(7);
        bn.forward(CPU.fromFloats(b1, N, C, H, W));
        float[] meanBefore = bn.runningMean().data().toFloats(), varBefore = bn.runningVar().data().toFloats();
        bn.eval();
        float[] b2 = batch(8);
        Tensor y = bn.forward(CPU.fromFloats(b2, N, C, H, W));
        double[] ones = {1, 1, 1}, zeros = {0, 0, 0};
        assertClose("eval output", y.toFloats(),
                Ref.batchNormEval(toDouble(b2), toDouble(meanBefore), toDouble(varBefore), ones, zeros, N, C, HW, 1e-5), 1e-5, 1e-5);
        assertThat(bn.runningMean().data().toFloats()).containsExactly(meanBefore);
        assertThat(bn.runningVar().data().toFloats()).containsExactly(varBefore);
        assertThat(bn.numBatchesTracked().get()).isEqualTo(1);

        bn.train();
        Tensor yTrain = bn.forward(CPU.fromFloats(b2, N, C, H, W));
        assertClose("train output", yTrain.toFloats(), Ref.batchNormTrain(toDouble(b2), ones, zeros, N, C, HW, 1e-5), 1e-5, 1e-5);
        assertThat(bn.numBatchesTracked().get()).isEqualTo(2);
    }

    @Test
    void withoutTrackRunningStatsEvalUsesBatchStats() {
        BatchNorm2d bn = new BatchNorm2d(C, 1e-5, 0.1, true, false);
        assertThat(bn.namedBuffers()).isEmpty();
        assertThat(bn.namedCounters()).isEmpty();
        assertThat(bn.runningMean()).isNull();
        bn.eval();
        float[] b = batch(9);
        Tensor y = bn.forward(CPU.fromFloats(b, N, C, H, W));
        assertClose("eval output with batch stats", y.toFloats(),
                Ref.batchNormTrain(toDouble(b), new double[] {1, 1, 1}, new double[3], N, C, HW, 1e-5), 1e-5, 1e-5);
    }

    @Test
    void namesMatchTorchvision() {
        BatchNorm2d bn = new BatchNorm2d(C);
        assertThat(bn.namedParameters()).containsOnlyKeys("weight", "bias");
        assertThat(bn.namedBuffers()).containsOnlyKeys("running_mean", "running_var");
        assertThat(bn.namedCounters()).containsOnlyKeys("num_batches_tracked");
        assertThat(bn.weight().data().toFloats()).containsOnly(1f);
        assertThat(bn.bias().data().toFloats()).containsOnly(0f);
        assertThat(bn.runningVar().data().toFloats()).containsOnly(1f);
    }

    @Test
    void oneValuePerChannelInTrainingIsAnError() {
        BatchNorm2d bn = new BatchNorm2d(C);
        assertThatThrownBy(() -> bn.forward(CPU.zeros(1, C, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BatchNorm2d(3").hasMessageContaining("more than 1 value per channel")
                .hasMessageContaining("(1, 3, 1, 1)");
        bn.eval();
        assertThat(bn.forward(CPU.zeros(1, C, 1, 1)).shape()).containsExactly(1, C, 1, 1);
    }
}
