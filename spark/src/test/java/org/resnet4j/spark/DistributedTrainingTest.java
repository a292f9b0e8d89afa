package org.resnet4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.PlainProgress;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.app.train.StepGradients;
import org.resnet4j.app.train.TrainConfig;
import org.resnet4j.app.train.Trainer;
import org.resnet4j.core.Rng;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/**
 * Data-parallel training on local[2] (with a second attempt allowed per task) against gradient accumulation in one
 * process: ResNet-20 on 1x8x8 images, 3 steps of a batch of 16 in 4 micro-batches per epoch, augmentation on.
 */
class DistributedTrainingTest {
    private static final int MICRO = 4;
    private static SparkSession spark;
    private static JavaSparkContext jsc;
    private static final Dataset TRAIN = data(48, 1), TEST = data(16, 2);
    private static final RunInfo INFO = new RunInfo("resnet20", 1, 3, 8, 8, Normalization.of(TRAIN), TRAIN.classNames());

    @TempDir static Path dir;
    private static final java.util.concurrent.atomic.AtomicInteger INJECTED = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,2]").appName("DistributedTrainingTest").config("spark.ui.enabled", "false").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** n 1x8x8 images of 3 classes: uniform noise with column band c (columns 3c..3c+1) lit for class c. */
    static Dataset data(int n, long seed) {
        Rng r = new Rng(seed);
        int[] labels = new int[n];
        float[] pixels = new float[n * 64];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(3);
            for (int row = 0; row < 8; row++) {
                for (int col = 0; col < 8; col++) {
                    boolean lit = col / 3 == labels[i];
                    pixels[i * 64 + row * 8 + col] = (float) ((lit ? 0.6 : 0.0) + 0.4 * r.nextDouble());
                }
            }
        }
        return new Dataset("synthetic bands", pixels, labels, 1, 8, 8, List.of("a", "b", "c"));
    }

    private static Module model() {
        RandomState.manualSeed(11);
        return ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(3).inChannels(1));
    }

    private static TrainConfig cfg(Path out, int epochs) {
        return new TrainConfig(epochs, 16, "sgd", 0.05, 0.9, false, 5e-4, "none", 0, 0.0, 7, true, 1, 16, out);
    }

    /** Trains (or resumes) in {@code out} to {@code epochs} and returns the checkpoint's bytes: weights, statistics, optimizer. */
    private static byte[] train(Path out, int epochs, StepGradients g, boolean resume) throws IOException {
        Module m = model();
        new Trainer(m, CpuBackend.get(), TRAIN, TEST, cfg(out, epochs), INFO, new PlainProgress(new PrintStream(new ByteArrayOutputStream()), 1000))
                .withGradients(g).run(resume ? out.resolve(Trainer.CHECKPOINT) : null);
        return Files.readAllBytes(out.resolve(Trainer.CHECKPOINT));
    }

    /** Equal files, or the first byte where they differ (a byte-array assertion would print both files). */
    private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        int diff = java.util.Arrays.mismatch(actual, expected);
        assertThat(diff).as("%s: first differing byte of %d and %d bytes (-1: identical)", what, actual.length, expected.length).isEqualTo(-1);
    }

    private static SparkGradients onSpark(int workers) {
        return new SparkGradients(jsc, ModelSpec.of(INFO, Map.of()), MICRO, workers);
    }

    @Test
    void anyNumberOfWorkersGivesTheAccumulatedRunBitForBit() throws IOException {
        byte[] local = train(dir.resolve("local"), 1, StepGradients.accumulate(MICRO), false);
        byte[] whole = train(dir.resolve("whole"), 1, StepGradients.accumulate(1), false);
        assertThat(java.util.Arrays.mismatch(whole, local)).as("micro-batch statistics change the run, so the comparisons below can fail")
                .isNotEqualTo(-1);
        for (int k = 1; k <= 3; k++) {
            byte[] distributed = train(dir.resolve("spark" + k), 1, onSpark(k), false);
            assertSameBytes(distributed, local, "checkpoint of " + k + " workers");
            assertSameBytes(Files.readAllBytes(dir.resolve("spark" + k).resolve("last.safetensors")),
                    Files.readAllBytes(dir.resolve("local").resolve("last.safetensors")), "last.safetensors of " + k + " workers");
        }
    }

    @Test
    void aFailedFirstAttemptIsRetriedWithTheSameResult() throws IOException {
        byte[] local = train(dir.resolve("ref-retry"), 1, StepGradients.accumulate(MICRO), false);
        // attempt 0 of micro-batch 1's task fails after computing on (and so dirtying) the executor's model
        SparkGradients flaky = onSpark(2).withTaskHook(mb -> {
            if (mb.index() == 1 && TaskContext.get().attemptNumber() == 0) {
                INJECTED.incrementAndGet(); // local mode: the task runs in this JVM
                throw new IllegalStateException("injected failure of a first attempt");
            }
        });
        assertSameBytes(train(dir.resolve("retried"), 1, flaky, false), local, "checkpoint after a retried task");
        assertThat(INJECTED.get()).as("first attempts that failed, one per step").isEqualTo(3);
    }

    @Test
    void checkpointsResumeInEitherMode() throws IOException {
        byte[] local2 = train(dir.resolve("two-local"), 2, StepGradients.accumulate(MICRO), false);
        train(dir.resolve("spark-then-local"), 1, onSpark(2), false);
        assertSameBytes(train(dir.resolve("spark-then-local"), 2, StepGradients.accumulate(MICRO), true), local2, "resumed in-process");
        train(dir.resolve("local-then-spark"), 1, StepGradients.accumulate(MICRO), false);
        assertSameBytes(train(dir.resolve("local-then-spark"), 2, onSpark(3), true), local2, "resumed on Spark");
    }
}
