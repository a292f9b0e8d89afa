package org.resnet4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.resnet4j.app.data.Batch;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.app.train.StepGradients;
import org.resnet4j.core.Backend;
import org.resnet4j.core.Rng;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;
import org.resnet4j.ops.nn.CrossEntropyLoss;
import org.resnet4j.ops.optim.SGD;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The two figures of the Spark module on this machine, with ResNet-20 (3x32x32, 10 classes) and made-up data:
 * batch inference throughput under local[1] and local[2], and one training step at batch 128 in this process
 * (whole batch, and accumulated over the micro-batches) against the same step on Spark workers.
 */
@Command(name = "spark-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures batch inference (local[1] vs local[2]) and the distributed training step's overhead (ResNet-20, batch 128).")
public final class SparkBenchCommand implements Callable<Integer> {
    @Option(names = "--images", paramLabel = "N", description = "PNG files to score (default ${DEFAULT-VALUE})") int images = 1024;
    @Option(names = "--rounds", paramLabel = "N", description = "timed rounds of each measurement (default ${DEFAULT-VALUE})") int rounds = 3;
    @Option(names = "--steps", paramLabel = "N", description = "timed training steps per variant (default ${DEFAULT-VALUE})") int steps = 10;
    @Option(names = "--micro-batches", paramLabel = "N", description = "micro-batches per training step (default ${DEFAULT-VALUE})") int micro = 2;
    @Option(names = "--workers", paramLabel = "K", description = "Spark workers for the training step (default ${DEFAULT-VALUE})") int workers = 2;

    private static final String MODEL = "resnet20";

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("resnet4j-spark-bench");
        RandomState.manualSeed(1);
        Module net = ModelZoo.create(MODEL, ModelOptions.defaults().numClasses(10).inChannels(3));
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 10; i++) classes.add("c" + i);
        RunInfo info = new RunInfo(MODEL, 3, 10, 32, 32, new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}), classes);
        Path weights = dir.resolve("w.safetensors");
        StateDict.save(net, weights, info.toMetadata());
        Path imgs = Files.createDirectories(dir.resolve("images"));
        Rng rng = new Rng(7);
        for (int i = 0; i < images; i++) {
            BufferedImage im = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) im.setRGB(x, y, (int) (rng.nextLong() & 0xffffff));
            ImageIO.write(im, "png", imgs.resolve(String.format(Locale.ROOT, "%05d.png", i)).toFile());
        }
        System.out.printf(Locale.ROOT, "machine: %d cores seen by the JVM, resnet4j threads %d%n", Runtime.getRuntime().availableProcessors(),
                org.resnet4j.core.Parallel.threads());
        for (String master : new String[] {"local[1]", "local[2]"}) {
            SparkSession spark = SparkSession.builder().appName("resnet4j spark-bench").master(master).getOrCreate();
            try {
                BatchInference model = BatchInference.load(spark, weights).topK(5).batchSize(32);
                double[] secs = new double[rounds + 1];
                for (int r = 0; r <= rounds; r++) { // round 0 warms up the JIT and the executor's models
                    long t0 = System.nanoTime();
                    model.scoreImageFiles(BatchInference.readImageFiles(spark, imgs.toString(), "*.png").repartition(4))
                            .write().format("noop").mode("overwrite").save();
                    secs[r] = (System.nanoTime() - t0) * 1e-9;
                }
                double[] timed = Arrays.copyOfRange(secs, 1, secs.length);
                Arrays.sort(timed);
                System.out.printf(Locale.ROOT, "inference %s: %d images in %.2f s (median of %d), %.0f images/s; rounds %s%n", master, images,
                        timed[timed.length / 2], rounds, images / timed[timed.length / 2], round(timed));
            } finally {
                spark.stop();
            }
        }

        Backend cpu = CpuBackend.get();
        int batch = 128;
        float[] x = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        int[] y = new int[batch];
        float[] yf = new float[batch];
        for (int i = 0; i < batch; i++) yf[i] = y[i] = rng.nextInt(10);
        Batch b = new Batch(cpu.fromFloats(x, batch, 3, 32, 32), cpu.fromFloats(yf, batch), y);
        step("in-process, whole batch", StepGradients.accumulate(1), net, b);
        step("in-process, " + micro + " micro-batches", StepGradients.accumulate(micro), net, b);
        SparkSession spark = SparkSession.builder().appName("resnet4j spark-bench").master("local[" + workers + "]").getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            step("Spark local[" + workers + "], " + micro + " micro-batches on " + workers + " workers",
                    new SparkGradients(jsc, new ModelSpec(MODEL, 3, 10), micro, workers), net, b);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private void step(String what, StepGradients g, Module net, Batch b) {
        SGD sgd = new SGD(net.namedParameters(), 0.01, 0.9, 0.0, 0.0, false);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        net.train();
        double[] secs = new double[steps];
        for (int s = -3; s < steps; s++) { // three warm-up steps
            long t0 = System.nanoTime();
            g.compute(net, b, ce);
            sgd.step();
            if (s >= 0) secs[s] = (System.nanoTime() - t0) * 1e-9;
        }
        Arrays.sort(secs);
        System.out.printf(Locale.ROOT, "training step, ResNet-20 batch %d, %s: %.3f s median of %d (min %.3f, max %.3f)%n", b.size(), what,
                secs[steps / 2], steps, secs[0], secs[steps - 1]);
    }

    private static String round(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", d));
        return sb.toString();
    }
}
