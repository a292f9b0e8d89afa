package org.resnet4j.app.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.app.Main;
import org.resnet4j.app.data.Batch;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;

class StepGradientsTest {
    private static final Backend CPU = CpuBackend.get();

    private static Module resnet(long seed) {
        RandomState.manualSeed(seed);
        return ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(5).inChannels(1));
    }

    private static Batch batch(int n, long seed) {
        Rng r = new Rng(seed);
        float[] x = new float[n * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[n];
        float[] yf = new float[n];
        for (int i = 0; i < n; i++) yf[i] = y[i] = r.nextInt(5);
        return new Batch(CPU.fromFloats(x, n, 1, 8, 8), CPU.fromFloats(yf, n), y);
    }

    /** The gradients and running statistics of plain forward + backward over {@code b} (what train did before accumulation). */
    private static double[][] plainStep(Module m, Batch b, double[] lossOut) {
        m.train();
        m.zeroGrad();
        CrossEntropyLoss ce = new CrossEntropyLoss();
        lossOut[0] = ce.forward(m.forward(b.images()), b.labels());
        m.backwardParameters(ce.backward());
        List<Parameter> ps = m.parameters();
        double[][] g = new double[ps.size()][];
        for (int i = 0; i < g.length; i++) {
            float[] f = ps.get(i).grad().toFloats();
            g[i] = new double[f.length];
            for (int j = 0; j < f.length; j++) g[i][j] = f[j];
        }
        return g;
    }

    @Test
    void splitGivesSizesThatDifferByAtMostOneLargerFirst() {
        List<MicroBatch> parts = MicroBatch.split(batch(128, 1), 3);
        assertThat(parts).extracting(MicroBatch::size).containsExactly(43, 43, 42);
        assertThat(parts).extracting(MicroBatch::index).containsExactly(0, 1, 2);
        assertThat(parts.get(2).weight()).isEqualTo((float) (42.0 / 128));
        assertThat(MicroBatch.split(batch(2, 1), 5)).hasSize(2); // never an empty micro-batch
        Batch b = batch(5, 2);
        List<MicroBatch> p = MicroBatch.split(b, 2);
        assertThat(p.get(1).classes()).containsExactly(b.classes()[3], b.classes()[4]);
        assertThat(p.get(1).images()[0]).isEqualTo(b.images().toFloats()[3 * 64]);
    }

    @Test
    void oneMicroBatchIsThePlainStepBitForBit() {
        Batch b = batch(12, 3);
        double[] loss = new double[1];
        Module a = resnet(5);
        double[][] ref = plainStep(a, b, loss);
        Module m = resnet(5);
        StepGradients.Outcome o = StepGradients.accumulate(1).compute(m, b, new CrossEntropyLoss());
        assertThat(o.loss()).isEqualTo(loss[0]);
        List<Parameter> ps = m.parameters();
        for (int i = 0; i < ps.size(); i++) {
            float[] g = ps.get(i).grad().toFloats();
            for (int j = 0; j < g.length; j++) assertThat(Float.floatToRawIntBits(g[j])).isEqualTo(Float.floatToRawIntBits((float) ref[i][j]));
        }
        assertThat(o.predicted()).hasSize(12);
    }

    @Test
    void twoMicroBatchesAreTheMeanOfTheirGradientsWithStatisticsInOrder() {
        Batch b = batch(12, 4);
        Batch first = new Batch(CPU.fromFloats(java.util.Arrays.copyOf(b.images().toFloats(), 6 * 64), 6, 1, 8, 8),
                CPU.fromFloats(java.util.Arrays.copyOf(b.labels().toFloats(), 6), 6), java.util.Arrays.copyOf(b.classes(), 6));
        Batch second = new Batch(CPU.fromFloats(java.util.Arrays.copyOfRange(b.images().toFloats(), 6 * 64, 12 * 64), 6, 1, 8, 8),
                CPU.fromFloats(java.util.Arrays.copyOfRange(b.labels().toFloats(), 6, 12), 6), java.util.Arrays.copyOfRange(b.classes(), 6, 12));
        Module ref = resnet(6);
        double[] l1 = new double[1], l2 = new double[1];
        double[][] g1 = plainStep(ref, first, l1);
        double[][] g2 = plainStep(ref, second, l2); // the second forward folds its statistics in after the first's
        Module m = resnet(6);
        StepGradients.Outcome o = StepGradients.accumulate(2).compute(m, b, new CrossEntropyLoss());
        assertThat(o.loss()).isCloseTo((l1[0] + l2[0]) / 2, org.assertj.core.data.Offset.offset(1e-12));
        List<Parameter> ps = m.parameters();
        double worst = 0;
        for (int i = 0; i < ps.size(); i++) {
            float[] g = ps.get(i).grad().toFloats();
            double num = 0, den = 0;
            for (int j = 0; j < g.length; j++) {
                double want = (g1[i][j] + g2[i][j]) / 2;
                num += (g[j] - want) * (g[j] - want);
                den += want * want;
            }
            worst = Math.max(worst, Math.sqrt(num / Math.max(den, 1e-30)));
        }
        assertThat(worst).as("normwise error of the accumulated gradient (two float32 products and one sum)").isLessThan(1e-6);
        List<BatchNorm2d> bnRef = MicroBatchResult.trackingBatchNorms(ref), bn = MicroBatchResult.trackingBatchNorms(m);
        for (int i = 0; i < bn.size(); i++) {
            assertThat(bn.get(i).runningVar().data().toFloats()).isEqualTo(bnRef.get(i).runningVar().data().toFloats());
            assertThat(bn.get(i).runningMean().data().toFloats()).isEqualTo(bnRef.get(i).runningMean().data().toFloats());
            assertThat(bn.get(i).numBatchesTracked().get()).isEqualTo(2);
        }
    }

    @Test
    void replayedStatisticsEqualForwardsInOrder() {
        Batch b = batch(12, 8);
        Module local = resnet(9);
        StepGradients.accumulate(3).compute(local, b, new CrossEntropyLoss());
        // the same micro-batches computed on another copy, their statistics folded into a third that ran no forward
        Module worker = resnet(9), driver = resnet(9);
        List<MicroBatchResult> rs = new java.util.ArrayList<>();
        for (MicroBatch mb : MicroBatch.split(b, 3)) rs.add(MicroBatchResult.compute(worker, mb, new CrossEntropyLoss()));
        driver.train();
        StepGradients.combine(driver, rs, true);
        List<BatchNorm2d> a = MicroBatchResult.trackingBatchNorms(local), c = MicroBatchResult.trackingBatchNorms(driver);
        for (int i = 0; i < a.size(); i++) {
            assertThat(c.get(i).runningMean().data().toFloats()).isEqualTo(a.get(i).runningMean().data().toFloats());
            assertThat(c.get(i).runningVar().data().toFloats()).isEqualTo(a.get(i).runningVar().data().toFloats());
            assertThat(c.get(i).numBatchesTracked().get()).isEqualTo(3);
        }
        for (int i = 0; i < local.parameters().size(); i++) {
            assertThat(driver.parameters().get(i).grad().toFloats()).isEqualTo(local.parameters().get(i).grad().toFloats());
        }
    }

    @Test
    void resultsOutOfOrderAreRefused() {
        Batch b = batch(8, 1);
        Module m = resnet(1);
        List<MicroBatchResult> rs = new java.util.ArrayList<>();
        for (MicroBatch mb : MicroBatch.split(b, 2)) rs.add(MicroBatchResult.compute(m, mb, new CrossEntropyLoss()));
        java.util.Collections.reverse(rs);
        assertThatThrownBy(() -> StepGradients.combine(m, rs, false)).hasMessageContaining("micro-batch 0 expected in position 0, got 1");
    }

    @Test
    void accumulateOptionIsChecked() {
        assertThat(Main.run("train", "--accumulate", "0", "--limit", "10")).isEqualTo(2);
        assertThat(Main.run("train", "--accumulate", "9", "--batch-size", "8", "--limit", "10")).isEqualTo(2);
    }
}
