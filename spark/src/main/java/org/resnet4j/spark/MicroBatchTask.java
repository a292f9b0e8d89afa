package org.resnet4j.spark;

import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.resnet4j.app.train.MicroBatch;
import org.resnet4j.app.train.MicroBatchResult;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * A worker's share of a step: the gradient of one micro-batch at the step's broadcast weights. It reads nothing
 * but its arguments, so a retried attempt computes the same bits as the first.
 */
final class MicroBatchTask implements Function<MicroBatch, MicroBatchResult> {
    /** Runs after the result is computed, before it is returned; tests throw here to fail a first attempt. */
    interface Hook extends java.io.Serializable {
        void afterCompute(MicroBatch mb);
    }

    private final Broadcast<float[][]> weights;
    private final ModelSpec spec;
    private final double labelSmoothing;
    private final Hook hook;

    MicroBatchTask(Broadcast<float[][]> weights, ModelSpec spec, double labelSmoothing, Hook hook) {
        this.weights = weights;
        this.spec = spec;
        this.labelSmoothing = labelSmoothing;
        this.hook = hook;
    }

    @Override
    public MicroBatchResult call(MicroBatch mb) {
        MicroBatchResult r = MicroBatchResult.compute(WorkerModels.withWeights(spec, weights.value()), mb, new CrossEntropyLoss(labelSmoothing));
        if (hook != null) hook.afterCompute(mb);
        return r;
    }
}
