package org.resnet4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.commands.Checkpoints;
import org.resnet4j.app.commands.PredictCommand;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.StateDict;
import org.resnet4j.ops.models.ModelOptions;
import org.resnet4j.ops.models.ModelZoo;

/** spark-predict as a user runs it (its own session on local[2]), and its usage errors. */
class SparkCommandsTest {
    @TempDir Path dir;

    @Test
    void sparkPredictWritesParquetThatMatchesPredict() throws IOException {
        RandomState.manualSeed(8);
        Module net = ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(3).inChannels(1));
        RunInfo info = new RunInfo("resnet20", 1, 3, 8, 8, new Normalization(new float[] {0.5f}, new float[] {0.3f}), List.of("a", "b", "c"));
        Path w = dir.resolve("w.safetensors");
        StateDict.save(net, w, info.toMetadata());
        Path imgs = Files.createDirectories(dir.resolve("imgs"));
        for (int i = 0; i < 3; i++) {
            BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            for (int p = 0; p < 64; p++) im.setRGB(p % 8, p / 8, (p * 37 + i * 91) * 0x010101 & 0xffffff);
            ImageIO.write(im, "png", imgs.resolve("i" + i + ".png").toFile());
        }
        String out = dir.resolve("scores.parquet").toString();
        assertThat(SparkMain.run("spark-predict", "--master", "local[2]", "--weights", w.toString(), "--images", imgs.toString(),
                "--out", out, "-k", "3", "--batch-size", "2")).isEqualTo(0);
        assertThat(SparkMain.run("spark-predict", "--master", "local[2]", "--weights", w.toString(), "--images", imgs.toString(),
                "--out", out)).as("an existing output is never overwritten").isEqualTo(1);

        // a second run, a new SparkContext whose broadcast ids start again at 0: it must score with its own weights
        RandomState.manualSeed(9);
        Path w2 = dir.resolve("w2.safetensors");
        StateDict.save(ModelZoo.create("resnet20", ModelOptions.defaults().numClasses(2).inChannels(1)), w2,
                new RunInfo("resnet20", 1, 2, 8, 8, info.norm(), List.of("x", "y")).toMetadata());
        String out2 = dir.resolve("scores2.parquet").toString();
        assertThat(SparkMain.run("spark-predict", "--master", "local[2]", "--weights", w2.toString(), "--images", imgs.toString(),
                "--out", out2)).isEqualTo(0);

        Checkpoints.Loaded l = Checkpoints.load(w, null, null);
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = spark.read().parquet(out).collectAsList();
            assertThat(rows).hasSize(3);
            for (Row r : spark.read().parquet(out2).collectAsList()) assertThat(r.<String>getList(2)).containsExactlyInAnyOrder("x", "y");
            for (Row r : rows) {
                String path = r.getString(0);
                float[] p = PredictCommand.probabilities(l.model(), l.info(),
                        List.of(PredictCommand.load(imgs.resolve(path.substring(path.lastIndexOf('/') + 1)), l.info())));
                List<Integer> classes = r.getList(1);
                List<Float> probs = r.getList(3);
                for (int j = 0; j < 3; j++) assertThat(probs.get(j)).isEqualTo(p[classes.get(j)]);
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void usageErrorsExitWithTwoBeforeSparkStarts() {
        assertThat(SparkMain.run("spark-predict", "--weights", "w", "--out", "o")).isEqualTo(2);
        assertThat(SparkMain.run("spark-predict", "--weights", "w", "--out", "o", "--images", "d", "--tensors", "t")).isEqualTo(2);
        assertThat(SparkMain.run("spark-predict", "--weights", "w", "--out", "o", "--images", "d", "-k", "0")).isEqualTo(2);
        assertThat(SparkMain.run("spark-train", "--accumulate", "0")).isEqualTo(2);
        assertThat(SparkMain.run("spark-nothing")).isEqualTo(2);
    }
}
