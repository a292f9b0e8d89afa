package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import org.resnet4j.app.data.TestFiles;

/** Each recipe trains its seed model on a few 28x28 images; explicit options override recipe values. */
class RecipeTest {
    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream oldOut;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
    }

    int train(String... extra) throws Exception {
        Path data = dir.resolve("data");
        TestFiles.writeIdxSet(data, "train", 8, 28, 28, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 28, 28, 10, false);
        String[] base = {"train", "--data", data.toString(), "--out", dir.resolve("out" + out.size()).toString()};
        return Main.run(CommandLineTest.concat(base, extra));
    }

    @Test
    void seedCifarSgdReplaysTheScriptSettings() throws Exception {
        assertThat(train("--recipe", "seed-cifar-sgd", "--limit", "4")).isEqualTo(0);
        assertThat(out.toString()).contains("training seed-cifar-resnet", "2 epochs, batch 32, sgd lr 0.01 momentum 0.0 wd 0.0, schedule none",
                "augmentation off", "epoch 2/2:");
    }

    @Test
    void seedTfAdamAndSeedMnistRunWithOverrides() throws Exception {
        assertThat(train("--recipe", "seed-tf-adam", "--epochs", "1", "--batch-size", "4")).isEqualTo(0);
        assertThat(out.toString()).contains("training seed-tf-cifar", "1 epochs, batch 4, adam lr 0.001");
        assertThat(train("--recipe", "seed-mnist", "--epochs", "1", "--lr", "0.01")).isEqualTo(0);
        assertThat(out.toString()).contains("training seed-mnist", "1 epochs, batch 30, sgd lr 0.01 momentum 0.5");
    }
}
