package org.resnet4j.app.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Tensor;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * What one micro-batch contributes to a step, computed from the model's current weights alone: its mean loss,
 * its predicted classes, the gradient of every parameter (from zero) and the batch statistics of every batch
 * norm that keeps running statistics. A pure function of weights and data, so a worker that computes it
 * twice (a retried task) returns the same bits.
 *
 * @param grads       one array per parameter in {@link Module#namedParameters()} order; null for one that got none
 * @param bnMean      per batch norm with running statistics (in {@link Module#namedModules()} order): batch mean (C)
 * @param bnBiasedVar the same batch norms' biased batch variance (C)
 * @param bnCount     the same batch norms' value count per channel, N*H*W
 */
public record MicroBatchResult(int index, float weight, double loss, int[] predicted, float[][] grads, float[][] bnMean,
                               float[][] bnBiasedVar, long[] bnCount) implements Serializable {

    /** Forward and backward of {@code mb} in training mode on {@code model}, whose gradients are zeroed first. */
    public static MicroBatchResult compute(Module model, MicroBatch mb, CrossEntropyLoss ce) {
        Backend be = model.parameters().get(0).data().backend();
        model.train();
        model.zeroGrad();
        Tensor logits = model.forward(mb.imagesOn(be));                           // (n, K)
        double loss = ce.forward(logits, mb.labelsOn(be));
        model.backwardParameters(ce.backward());
        int[] predicted = Evaluation.argmax(logits.toFloats(), mb.size(), logits.dim(1));
        List<Parameter> params = model.parameters();
        float[][] grads = new float[params.size()][];
        for (int i = 0; i < grads.length; i++) if (params.get(i).hasGrad()) grads[i] = params.get(i).grad().toFloats();
        List<BatchNorm2d> bns = trackingBatchNorms(model);
        float[][] mean = new float[bns.size()][], var = new float[bns.size()][];
        long[] count = new long[bns.size()];
        for (int i = 0; i < bns.size(); i++) {
            BatchNorm2d.BatchStatistics st = bns.get(i).lastBatchStatistics();
            if (st == null) throw new IllegalStateException(bns.get(i).describe() + " did not normalize with batch statistics in training mode");
            mean[i] = st.mean().toFloats();
            var[i] = st.biasedVar().toFloats();
            count[i] = st.count();
        }
        return new MicroBatchResult(mb.index(), mb.weight(), loss, predicted, grads, mean, var, count);
    }

    /** The model's batch norms that keep running statistics, in a fixed order. */
    static List<BatchNorm2d> trackingBatchNorms(Module model) {
        List<BatchNorm2d> out = new ArrayList<>();
        for (Module m : model.namedModules().values()) {
            if (m instanceof BatchNorm2d bn && bn.runningMean() != null) out.add(bn);
        }
        return out;
    }
}
