package org.resnet4j.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.train.MicroBatch;
import org.resnet4j.app.train.MicroBatchResult;
import org.resnet4j.app.train.StepGradients;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Parameter;
import org.resnet4j.ops.nn.CrossEntropyLoss;

/**
 * Synchronous data-parallel steps on Spark. Each step broadcasts the driver's weights, spreads the batch's fixed
 * micro-batches over {@code workers} partitions, and collects every micro-batch's gradient and batch-norm statistics
 * keyed by its index; the driver adds them in index order ({@link StepGradients#combine}) and the trainer makes one
 * optimizer step. Nothing in the sum depends on how many workers there are or which one computed what, so the weights
 * are bit-identical to {@code train --accumulate N} with the same N, for any number of workers.
 */
public final class SparkGradients implements StepGradients {
    private final JavaSparkContext jsc;
    private final ModelSpec spec;
    private final int microBatches;
    private final int workers;
    private MicroBatchTask.Hook hook;

    /** {@code microBatches} per step, spread over {@code workers} partitions (at most one per micro-batch is used). */
    public SparkGradients(JavaSparkContext jsc, ModelSpec spec, int microBatches, int workers) {
        if (microBatches < 1) throw new IllegalArgumentException("--accumulate must be >= 1, got " + microBatches);
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        this.jsc = jsc;
        this.spec = spec;
        this.microBatches = microBatches;
        this.workers = workers;
    }

    /** Tests fail chosen task attempts here. */
    SparkGradients withTaskHook(MicroBatchTask.Hook hook) {
        this.hook = hook;
        return this;
    }

    @Override
    public Outcome compute(Module model, Batch batch, CrossEntropyLoss loss) {
        List<MicroBatch> parts = MicroBatch.split(batch, microBatches);
        List<Parameter> params = model.parameters();
        float[][] weights = new float[params.size()][];
        for (int i = 0; i < weights.length; i++) weights[i] = params.get(i).data().toFloats();
        Broadcast<float[][]> shared = jsc.broadcast(weights);
        try {
            List<MicroBatchResult> results = new ArrayList<>(jsc.parallelize(parts, Math.min(workers, parts.size()))
                    .map(new MicroBatchTask(shared, spec, loss.labelSmoothing(), hook)).collect());
            results.sort(Comparator.comparingInt(MicroBatchResult::index));
            return StepGradients.combine(model, results, true);
        } finally {
            shared.destroy();
        }
    }
}
