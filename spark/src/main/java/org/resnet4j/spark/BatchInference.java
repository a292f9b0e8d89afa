package org.resnet4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.resnet4j.app.commands.Checkpoints;
import org.resnet4j.app.train.RunInfo;

/**
 * Scores a Dataset of images with weights saved by {@code resnet4j train}: image files (Spark's binaryFile source:
 * columns path and content) or tensors in Parquet (columns path and image, C*H*W floats in [0, 1] as predict --idx
 * takes them; normalized here as in training). The weights file is broadcast once, loaded once per concurrently
 * running task slot of each executor and reused across partitions; each partition is scored in batches.
 * Probabilities equal single-process {@code predict}'s bit for bit, whatever the batch size or partitioning.
 *
 * <pre>{@code
 * BatchInference model = BatchInference.load(spark, Path.of("runs/x/best.safetensors"));
 * Dataset<Row> scores = model.scoreImageFiles(BatchInference.readImageFiles(spark, "hdfs:///photos"));
 * }</pre>
 */
public final class BatchInference {
    /** path, then the k most probable classes (most probable first), their labels and their probabilities. */
    public static final StructType RESULT = new StructType(new StructField[] {
        DataTypes.createStructField("path", DataTypes.StringType, false),
        DataTypes.createStructField("classes", new ArrayType(DataTypes.IntegerType, false), false),
        DataTypes.createStructField("labels", new ArrayType(DataTypes.StringType, false), false),
        DataTypes.createStructField("probabilities", new ArrayType(DataTypes.FloatType, false), false),
    });

    private final String key = java.util.UUID.randomUUID().toString();
    private final Broadcast<byte[]> weights;
    private final RunInfo info;
    private int batchSize = 32;
    private int topK = 5;

    private BatchInference(Broadcast<byte[]> weights, RunInfo info) {
        this.weights = weights;
        this.info = info;
    }

    /** Reads and checks the weights on the driver (a bad file fails here, not in a task) and broadcasts them. */
    public static BatchInference load(SparkSession spark, Path weightsFile) throws IOException {
        Path file = Checkpoints.resolve(weightsFile);
        RunInfo info = Checkpoints.load(file, null, null).info();
        byte[] bytes = Files.readAllBytes(file);
        return new BatchInference(JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes), info);
    }

    /** Images per forward inside a partition (default 32); results do not depend on it. */
    public BatchInference batchSize(int n) {
        if (n < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + n);
        this.batchSize = n;
        return this;
    }

    /** Classes per result row (default 5; capped at the model's number of classes). */
    public BatchInference topK(int k) {
        if (k < 1) throw new IllegalArgumentException("--top-k must be >= 1, got " + k);
        this.topK = k;
        return this;
    }

    /** What the weights say about the model: its name, input size, normalization and class names. */
    public RunInfo info() {
        return info;
    }

    /** Every file under {@code dir} (recursively) whose name matches {@code glob} (e.g. "*.png"), through binaryFile. */
    public static Dataset<Row> readImageFiles(SparkSession spark, String dir, String glob) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", glob).load(dir);
    }

    /** Scores rows with columns {@code path} (string) and {@code content} (binary: a PNG or JPEG file). */
    public Dataset<Row> scoreImageFiles(Dataset<Row> files) {
        require(files, "content", DataTypes.BinaryType);
        return score(files.select("path", "content"), PartitionScorer.Input.IMAGE_FILE);
    }

    /** Scores rows with columns {@code path} (string) and {@code image} (array of C*H*W floats in [0, 1], CHW order). */
    public Dataset<Row> scoreTensors(Dataset<Row> tensors) {
        require(tensors, "image", new ArrayType(DataTypes.FloatType, true));
        return score(tensors.select("path", "image"), PartitionScorer.Input.TENSOR);
    }

    private Dataset<Row> score(Dataset<Row> in, PartitionScorer.Input kind) {
        return in.mapPartitions(new PartitionScorer(key, weights, kind, batchSize, topK), Encoders.row(RESULT));
    }

    private static void require(Dataset<Row> df, String column, org.apache.spark.sql.types.DataType type) {
        StructType s = df.schema();
        String[] names = s.fieldNames();
        if (!Arrays.asList(names).contains("path") || !Arrays.asList(names).contains(column)) {
            throw new IllegalArgumentException("expected columns 'path' (string) and '" + column + "' (" + type.simpleString()
                    + "), got " + s.simpleString());
        }
        org.apache.spark.sql.types.DataType actual = s.apply(column).dataType();
        boolean ok = type instanceof ArrayType at && actual instanceof ArrayType aa ? at.elementType().equals(aa.elementType()) : type.equals(actual);
        if (!ok) throw new IllegalArgumentException("column '" + column + "' must be " + type.simpleString() + ", got " + actual.simpleString());
    }
}
