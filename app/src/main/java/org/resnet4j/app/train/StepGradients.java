package org.resnet4j.app.train;

import java.util.List;
import org.resnet4j.app.data.Batch;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * How a training step turns its batch into gradients. The batch is split into fixed micro-batches
 * ({@link MicroBatch#split}); each one's gradient is computed from zero ({@link MicroBatchResult#compute}); the
 * step's gradient is then, per parameter element, g = w_0 g_0 + w_1 g_1 + ... added strictly in micro-batch order
 * (w_i = n_i / B), and the batch norms' running statistics take each micro-batch's statistics in the same order.
 * Where the micro-batches are computed (here, one after the other, or on the workers of a cluster) therefore
 * changes no bit of the result. One micro-batch is plain training: g = 1 * g_0 is g_0 exactly.
 */
public interface StepGradients {

    /** The step's mean loss and each example's predicted class. */
    record Outcome(double loss, int[] predicted) {}

    /**
     * Leaves the step's gradient in every parameter's grad (replacing what was there) and the running statistics
     * advanced by every micro-batch. {@code model} is in training mode.
     */
    Outcome compute(Module model, Batch batch, CrossEntropyLoss loss);

    /** Gradient accumulation in this process over {@code microBatches} micro-batches per step. */
    static StepGradients accumulate(int microBatches) {
        if (microBatches < 1) throw new IllegalArgumentException("--accumulate must be >= 1, got " + microBatches);
        return (model, batch, loss) -> {
            List<MicroBatch> parts = MicroBatch.split(batch, microBatches);
            MicroBatchResult[] results = new MicroBatchResult[parts.size()];
            // each training-mode forward folds its statistics into the running statistics itself, in order
            for (MicroBatch mb : parts) results[mb.index()] = MicroBatchResult.compute(model, mb, loss);
            return combine(model, List.of(results), false);
        };
    }

    /**
     * Writes the weighted sum of the micro-batches' gradients into the parameters' grads, adding them in index order,
     * and with {@code replayStatistics} folds their batch statistics into the running statistics in the same order
     * (for results computed on other copies of the model). {@code results} must hold micro-batches 0, 1, ... in order.
     */
    static Outcome combine(Module model, List<MicroBatchResult> results, boolean replayStatistics) {
        List<Parameter> params = model.parameters();
        float[][] sum = new float[params.size()][];
        double loss = 0;
        int n = 0;
        for (MicroBatchResult r : results) n += r.predicted().length;
        int[] predicted = new int[n];
        int at = 0;
        for (int i = 0; i < results.size(); i++) {
            MicroBatchResult r = results.get(i);
            if (r.index() != i) throw new IllegalStateException("micro-batch " + i + " expected in position " + i + ", got " + r.index());
            if (r.grads().length != params.size()) {
                throw new IllegalStateException("micro-batch " + i + " has gradients of " + r.grads().length + " parameters, the model "
                        + params.size());
            }
            float w = r.weight();
            for (int p = 0; p < sum.length; p++) {
                float[] g = r.grads()[p];
                if (g == null) continue;
                float[] s = sum[p];
                if (s == null) {
                    s = sum[p] = new float[g.length];
                    for (int j = 0; j < g.length; j++) s[j] = w * g[j];
                } else {
                    for (int j = 0; j < g.length; j++) s[j] += w * g[j];
                }
            }
            loss += (double) w * r.loss();
            System.arraycopy(r.predicted(), 0, predicted, at, r.predicted().length);
            at += r.predicted().length;
        }
        for (int p = 0; p < sum.length; p++) {
            Parameter param = params.get(p);
            if (sum[p] == null) {
                param.zeroGrad();
                continue;
            }
            Backend be = param.data().backend();
            Tensor g = be.fromFloats(sum[p], param.shape());
            be.copy(g, param.grad());
            be.release(g);
        }
        if (replayStatistics) replay(model, results);
        return new Outcome(loss, predicted);
    }

    private static void replay(Module model, List<MicroBatchResult> results) {
        List<BatchNorm2d> bns = MicroBatchResult.trackingBatchNorms(model);
        for (MicroBatchResult r : results) {
            if (r.bnMean().length != bns.size()) {
                throw new IllegalStateException("micro-batch " + r.index() + " has statistics of " + r.bnMean().length + " batch norms, the model "
                        + bns.size());
            }
            for (int i = 0; i < bns.size(); i++) {
                Backend be = bns.get(i).runningMean().data().backend();
                Tensor mean = be.fromFloats(r.bnMean()[i], r.bnMean()[i].length);
                Tensor var = be.fromFloats(r.bnBiasedVar()[i], r.bnBiasedVar()[i].length);
                bns.get(i).updateRunningStatistics(mean, var, r.bnCount()[i]);
            }
        }
    }
}
