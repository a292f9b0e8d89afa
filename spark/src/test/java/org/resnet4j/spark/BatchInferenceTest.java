package org.resnet4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.commands.Checkpoints;
import org.resnet4j.app.commands.PredictCommand;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.core.Rng;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** Batch inference on local[2] against single-process predict: ResNet-20 on 3x16x16, eleven PNG files of assorted sizes. */
class BatchInferenceTest {
    private static SparkSession spark;
    @TempDir static Path dir;
    private static Path weights, images;
    private static final int N = 11, CLASSES = 4;

    @BeforeAll
    static void setUp() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("BatchInferenceTest").config("spark.ui.enabled", "false").getOrCreate();
        RandomState.manualSeed(3);
        Module net = ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(CLASSES).inChannels(3));
        Rng r = new Rng(5);
        float[] x = new float[8 * 3 * 16 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.5 + r.nextGaussian());
        net.train();
        net.forward(CpuBackend.get().fromFloats(x, 8, 3, 16, 16)); // running statistics away from (0, 1)
        RunInfo info = new RunInfo("resnet20", 3, CLASSES, 16, 16, new Normalization(new float[] {0.4f, 0.5f, 0.6f},
                new float[] {0.2f, 0.25f, 0.3f}), List.of("cat", "dog", "owl", "yak"));
        weights = dir.resolve("w.safetensors");
        StateDict.save(net, weights, info.toMetadata());
        images = Files.createDirectories(dir.resolve("images/nested"));
        for (int i = 0; i < N; i++) {
            int w = 10 + 3 * i, h = 16 + (i % 3) * 5; // resized to 16x16 as predict does
            BufferedImage im = new BufferedImage(w, h, i == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) im.setRGB(xx, y, (int) r.nextLong() | (i == 4 ? 0x40000000 : 0));
            ImageIO.write(im, "png", images.resolve("img" + i + ".png").toFile());
        }
        Files.writeString(images.resolve("notes.txt"), "not an image: the glob leaves it out");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** What single-process predict computes for each file: all of them in one batch (path -> probabilities). */
    private static Map<String, float[]> predictInOneProcess(int batch) throws IOException {
        Checkpoints.Loaded l = Checkpoints.load(weights, null, null);
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(images)) {
            s.filter(p -> p.toString().endsWith(".png")).sorted().forEach(files::add);
        }
        Map<String, float[]> out = new HashMap<>();
        for (int start = 0; start < files.size(); start += batch) {
            List<float[]> in = new ArrayList<>();
            List<Path> part = files.subList(start, Math.min(files.size(), start + batch));
            for (Path f : part) in.add(PredictCommand.load(f, l.info()));
            float[] p = PredictCommand.probabilities(l.model(), l.info(), in);
            for (int i = 0; i < part.size(); i++) out.put(part.get(i).getFileName().toString(), java.util.Arrays.copyOfRange(p, i * CLASSES, (i + 1) * CLASSES));
        }
        return out;
    }

    /** Each row's probabilities put back in class order (path's file name -> probabilities). */
    private static Map<String, float[]> byName(List<Row> rows) {
        Map<String, float[]> out = new HashMap<>();
        for (Row row : rows) {
            List<Integer> classes = row.getList(1);
            List<Float> probs = row.getList(3);
            float[] p = new float[CLASSES];
            for (int j = 0; j < classes.size(); j++) p[classes.get(j)] = probs.get(j);
            String path = row.getString(0);
            out.put(path.substring(path.lastIndexOf('/') + 1), p);
        }
        return out;
    }

    private static void assertBitForBit(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String k : expected.keySet()) {
            for (int j = 0; j < CLASSES; j++) {
                assertThat(Float.floatToRawIntBits(actual.get(k)[j])).as("%s class %d: %s vs predict's %s", k, j, actual.get(k)[j], expected.get(k)[j])
                        .isEqualTo(Float.floatToRawIntBits(expected.get(k)[j]));
            }
        }
    }

    @Test
    void batchSizeChangesNoBitOfPredict() throws IOException {
        Map<String, float[]> all = predictInOneProcess(N);
        assertBitForBit(predictInOneProcess(1), all);
        assertBitForBit(predictInOneProcess(4), all);
    }

    @Test
    void imageFilesScoreAsPredictDoesBitForBit() throws IOException {
        Dataset<Row> files = BatchInference.readImageFiles(spark, dir.resolve("images").toString(), "*.png").repartition(3);
        List<Row> rows = BatchInference.load(spark, weights).topK(CLASSES).batchSize(3).scoreImageFiles(files).collectAsList();
        assertThat(rows).hasSize(N);
        assertBitForBit(byName(rows), predictInOneProcess(N));
    }

    @Test
    void topKIsMostProbableFirstWithTheRunsLabels() throws IOException {
        Dataset<Row> files = BatchInference.readImageFiles(spark, dir.resolve("images").toString(), "*.png");
        Map<String, float[]> ref = predictInOneProcess(N);
        for (Row row : BatchInference.load(spark, weights).topK(2).scoreImageFiles(files).collectAsList()) {
            String path = row.getString(0);
            float[] p = ref.get(path.substring(path.lastIndexOf('/') + 1));
            int best = 0;
            for (int j = 1; j < CLASSES; j++) if (p[j] > p[best]) best = j;
            assertThat(row.getList(1)).hasSize(2).first().isEqualTo(best);
            assertThat(row.<String>getList(2).get(0)).isEqualTo(List.of("cat", "dog", "owl", "yak").get(best));
            assertThat(row.<Float>getList(3).get(0)).isGreaterThanOrEqualTo(row.<Float>getList(3).get(1));
        }
    }

    @Test
    void parquetTensorsScoreAsPredictDoesBitForBit() throws IOException {
        RunInfo info = Checkpoints.load(weights, null, null).info();
        List<Row> in = new ArrayList<>();
        try (var s = Files.list(images)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                float[] x = PredictCommand.load(f, info);
                Float[] boxed = new Float[x.length];
                for (int i = 0; i < x.length; i++) boxed[i] = x[i];
                in.add(RowFactory.create("t/" + f.getFileName(), boxed));
            }
        }
        StructType schema = new StructType().add("path", DataTypes.StringType).add("image", new ArrayType(DataTypes.FloatType, true));
        String parquet = dir.resolve("tensors.parquet").toString();
        spark.createDataFrame(in, schema).write().parquet(parquet);
        List<Row> rows = BatchInference.load(spark, weights).topK(CLASSES).batchSize(5).scoreTensors(spark.read().parquet(parquet)).collectAsList();
        assertBitForBit(byName(rows), predictInOneProcess(N));
    }

    @Test
    void badInputIsNamed() throws IOException {
        BatchInference model = BatchInference.load(spark, weights);
        assertThatThrownBy(() -> model.scoreTensors(BatchInference.readImageFiles(spark, images.toString(), "*.png")))
                .hasMessageContaining("expected columns 'path' (string) and 'image' (array<float>)");
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.write(broken.resolve("bad.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertThatThrownBy(() -> model.scoreImageFiles(BatchInference.readImageFiles(spark, broken.toString(), "*.png")).collectAsList())
                .hasStackTraceContaining("bad.png").hasStackTraceContaining("PNG or JPEG");
        Path notWeights = Files.writeString(dir.resolve("not.safetensors"), "garbage");
        assertThatThrownBy(() -> BatchInference.load(spark, notWeights)).hasMessageContaining("not.safetensors");
    }
}
