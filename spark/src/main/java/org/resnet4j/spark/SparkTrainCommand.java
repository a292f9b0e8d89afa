package org.resnet4j.spark;

import java.util.Map;

import java.io.IOException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.resnet4j.app.commands.TrainCommand;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.app.train.StepGradients;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"train, with each step's --accumulate micro-batches computed on Spark's workers: synchronous data-parallel SGD "
                + "whose weights are bit-identical to 'train --accumulate N' with the same N, for any number of workers. "
                + "The files written (checkpoint.safetensors included) are train's, and either command resumes them.",
                "Example: resnet4j spark-train --accumulate 8 --workers 4 --epochs 6 --out runs/dist"})
public final class SparkTrainCommand extends TrainCommand {
    @Option(names = "--workers", paramLabel = "K", description = "partitions per step (default: Spark's default parallelism)") Integer workers;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*])") String master;

    private SparkSession spark;

    @Override
    public Integer call() throws IOException {
        try {
            return super.call();
        } finally {
            if (spark != null) spark.stop();
        }
    }

    @Override
    protected StepGradients stepGradients(int microBatches, RunInfo info, Map<String, String> architecture) {
        spark = Sessions.start("resnet4j spark-train", master);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int k = workers != null ? workers : jsc.defaultParallelism();
        if (k > microBatches) {
            System.out.println("note: " + k + " workers but " + microBatches + " micro-batches per step (--accumulate): " + (k - microBatches)
                    + " workers stay idle");
        }
        return new SparkGradients(jsc, ModelSpec.of(info, architecture), microBatches, k);
    }
}
