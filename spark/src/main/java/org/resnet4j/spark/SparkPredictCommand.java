package org.resnet4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "spark-predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Scores image files or Parquet tensors on Spark with weights saved by train, and writes Parquet rows "
                + "(path, classes, labels, probabilities): the top-k classes, equal bit for bit to predict's.",
                "Example: resnet4j spark-predict --weights runs/X/best.safetensors --images photos/ --out scores.parquet"})
public final class SparkPredictCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "weights saved by train (or a run folder)") Path weights;
    @Option(names = "--images", paramLabel = "DIR", description = "a folder (any file system Spark reads) of PNG/JPEG files, searched recursively")
    String images;
    @Option(names = "--glob", paramLabel = "GLOB", description = "file names to take from --images (default ${DEFAULT-VALUE})") String glob = "*.{png,jpg,jpeg,PNG,JPG,JPEG}";
    @Option(names = "--tensors", paramLabel = "PARQUET", description = "Parquet with columns path (string) and image (array<float>, CHW in [0, 1])")
    String tensors;
    @Option(names = "--out", required = true, paramLabel = "PARQUET", description = "output folder; must not exist") String out;
    @Option(names = {"-k", "--top-k"}, paramLabel = "K", description = "classes per image (default ${DEFAULT-VALUE})") int topK = 5;
    @Option(names = "--batch-size", paramLabel = "N", description = "images per forward inside a partition (default ${DEFAULT-VALUE})") int batchSize = 32;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*])") String master;

    @Override
    public Integer call() throws IOException {
        if ((images == null) == (tensors == null)) throw new CommandLine.ParameterException(spec.commandLine(), "give either --images DIR or --tensors PARQUET");
        if (topK < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--top-k must be >= 1, got " + topK);
        if (batchSize < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
        SparkSession spark = Sessions.start("resnet4j spark-predict", master);
        try {
            BatchInference model = BatchInference.load(spark, weights).topK(topK).batchSize(batchSize);
            Dataset<Row> scores = images != null ? model.scoreImageFiles(BatchInference.readImageFiles(spark, images, glob))
                    : model.scoreTensors(spark.read().parquet(tensors));
            scores.write().mode("errorifexists").parquet(out);
            long n = spark.read().parquet(out).count();
            System.out.println("scored " + n + " images with " + model.info() + "; results in " + out);
            return 0;
        } finally {
            spark.stop();
        }
    }
}
