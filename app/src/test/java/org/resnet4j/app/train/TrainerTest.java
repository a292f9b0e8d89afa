package org.resnet4j.app.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.data.Dataset;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.core.Rng;
import org.resnet4j.core.cpu.CpuBackend;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.Sequential;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.StoredTensor;
import org.resnet4j.ops.nn.AdaptiveAvgPool2d;
import org.resnet4j.ops.nn.BatchNorm2d;
import org.resnet4j.ops.nn.Conv2d;
import org.resnet4j.ops.nn.Dropout;
import org.resnet4j.ops.nn.Flatten;
import org.resnet4j.ops.nn.Linear;
import org.resnet4j.ops.nn.ReLU;

class TrainerTest {
    @TempDir Path dir;

    /** n noisy 1x8x8 images of 3 classes (class c brightens row band c). */
    static Dataset data(int n, long seed) {
        Rng r = new Rng(seed);
        float[] im = new float[n * 64];
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) {
            lb[i] = r.nextInt(3);
            for (int k = 0; k < 64; k++) im[i * 64 + k] = (float) Math.min(1, Math.max(0, (k / 8 / 3 == lb[i] ? 0.8 : 0.2) + 0.1 * r.nextGaussian()));
        }
        return new Dataset("synthetic", im, lb, 1, 8, 8, List.of("a", "b", "c"));
    }

    /** Conv-BN-ReLU, a dropout (so the global random stream matters), pooling and a linear head. */
    static Module tiny(long seed) {
        RandomState.manualSeed(seed);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, 1, 1, false), new BatchNorm2d(4), new ReLU(), new Dropout(0.2),
                new AdaptiveAvgPool2d(1, 1), new Flatten(), new Linear(4, 3, true));
    }

    static TrainConfig cfg(Path out, int epochs, double lr) {
        return new TrainConfig(epochs, 8, "sgd", lr, 0.9, true, 5e-4, "cosine", 0.5, 0.1, 7, true, 2, 16, out);
    }

    static RunInfo info(Dataset d) {
        return new RunInfo("tiny", 1, 3, 8, 8, Normalization.of(d), d.classNames());
    }

    static Progress quiet() {
        return new PlainProgress(new PrintStream(new ByteArrayOutputStream()), 1000);
    }

    static Map<String, StoredTensor> weights(Path f) throws Exception {
        return SafeTensors.read(f).tensors();
    }

    @Test
    void resumeAfterAnInterruptionIsBitIdentical() throws Exception {
        Dataset train = data(40, 1), test = data(16, 2);
        Path a = dir.resolve("a"), b = dir.resolve("b");
        new Trainer(tiny(3), CpuBackend.get(), train, test, cfg(a, 3, 0.05), info(train), quiet()).run(null);

        class Crash extends RuntimeException {}
        assertThatThrownBy(() -> new Trainer(tiny(3), CpuBackend.get(), train, test, cfg(b, 3, 0.05), info(train), quiet())
                .onEpochEnd(e -> { if (e == 1) throw new Crash(); }).run(null)).isInstanceOf(Crash.class);
        RandomState.manualSeed(999); // the resumed process starts from other random state and other weights
        Trainer.Result res = new Trainer(tiny(12345), CpuBackend.get(), train, test, cfg(b, 3, 0.05), info(train), quiet())
                .run(b.resolve(Trainer.CHECKPOINT));

        Map<String, StoredTensor> wa = weights(a.resolve("last.safetensors")), wb = weights(b.resolve("last.safetensors"));
        assertThat(wb.keySet()).isEqualTo(wa.keySet()).contains("0.weight", "1.running_var", "1.num_batches_tracked", "6.bias");
        for (String k : wa.keySet()) assertThat(wb.get(k).data()).as(k).isEqualTo(wa.get(k).data());
        assertThat(weights(b.resolve(Trainer.CHECKPOINT))).isEqualTo(weights(a.resolve(Trainer.CHECKPOINT)));
        assertThat(res.epochsDone()).isEqualTo(3);
        // metrics of the resumed run: the same epoch rows as the uninterrupted one
        List<String> ma = Files.readAllLines(a.resolve("metrics.csv")), mb = Files.readAllLines(b.resolve("metrics.csv"));
        assertThat(mb.stream().filter(l -> l.startsWith("epoch")).map(TrainerTest::numbers).toList())
                .isEqualTo(ma.stream().filter(l -> l.startsWith("epoch")).map(TrainerTest::numbers).toList());
    }

    /** kind through test_acc: the columns that do not depend on timing. */
    static String numbers(String csvRow) {
        String[] f = csvRow.split(",");
        return String.join(",", java.util.Arrays.copyOf(f, 8));
    }

    @Test
    void writesMetricsCurvesAndWeights() throws Exception {
        Dataset train = data(32, 4), test = data(8, 5);
        Path out = dir.resolve("run");
        Trainer.Result r = new Trainer(tiny(1), CpuBackend.get(), train, test, cfg(out, 2, 0.05), info(train), quiet()).run(null);
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(csv.get(0)).isEqualTo(MetricsLog.HEADER);
        assertThat(csv.stream().filter(l -> l.startsWith("epoch,")).count()).isEqualTo(2);
        assertThat(csv.stream().filter(l -> l.startsWith("step,")).count()).isEqualTo(4); // 4 steps per epoch, a row every 2
        assertThat(ImageIO.read(out.resolve("curves.png").toFile()).getWidth()).isEqualTo(1280);
        assertThat(RunInfo.fromMetadata(RunState.info(out.resolve("best.safetensors")), out)).isNotNull();
        assertThat(r.bestAccuracy()).isBetween(0.0, 1.0);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("metrics.csv", "curves.png", "last.safetensors", "best.safetensors", Trainer.CHECKPOINT);
        }
    }

    /** A machine that cannot draw (no fonts) still trains to the end and keeps every file but the chart. */
    @Test
    void aChartThatCannotBeDrawnWarnsOnceAndTrainingGoesOn() throws Exception {
        Dataset train = data(32, 4), test = data(8, 5);
        Path out = dir.resolve("nofonts");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int[] attempts = {0};
        Trainer.Result r = new Trainer(tiny(1), CpuBackend.get(), train, test, cfg(out, 3, 0.05), info(train),
                new PlainProgress(new PrintStream(log, true), 1000))
                .drawCurvesWith((file, rows, steps) -> {
                    attempts[0]++;
                    throw new java.io.IOException("could not draw curves.png: the JDK found no usable font");
                })
                .run(null);
        assertThat(r.epochsDone()).isEqualTo(3);
        assertThat(attempts[0]).isEqualTo(3);
        String text = log.toString();
        assertThat(text).contains("warning: curves.png not written: could not draw curves.png: the JDK found no usable font");
        assertThat(text.split("not written", -1)).hasSize(2); // once, not every epoch
        assertThat(Files.readAllLines(out.resolve("metrics.csv")).stream().filter(l -> l.startsWith("epoch,")).count()).isEqualTo(3);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("metrics.csv", "last.safetensors", "best.safetensors", Trainer.CHECKPOINT);
        }
    }

    @Test
    void listenersSeeEveryStepWithGradientsAndEveryEpoch() throws Exception {
        Dataset train = data(20, 9);
        Module m = tiny(4);
        java.util.List<Long> steps = new java.util.ArrayList<>();
        java.util.List<Integer> epochs = new java.util.ArrayList<>();
        new Trainer(m, CpuBackend.get(), train, train, cfg(dir.resolve("l"), 2, 0.05), info(train), quiet())
                .onStep((step, epoch, loss) -> {
                    steps.add(step);
                    assertThat(loss).isFinite();
                    assertThat(m.namedParameters().get("0.weight").grad().backend().sumOfSquares(m.namedParameters().get("0.weight").grad()))
                            .isPositive();
                })
                .onEpochEnd(epochs::add).run(null);
        assertThat(steps).containsExactly(1L, 2L, 3L, 4L, 5L, 6L); // 20 examples in batches of 8: 3 steps per epoch
        assertThat(epochs).containsExactly(1, 2);
    }

    @Test
    void nanInputStopsNamingStepAndFirstLayer() throws Exception {
        Dataset good = data(16, 6);
        float[] im = good.images().clone();
        java.util.Arrays.fill(im, im.length - 64, im.length, Float.NaN); // the last image is NaN
        Dataset bad = new Dataset("with NaN", im, good.labels(), 1, 8, 8, good.classNames());
        TrainConfig c = new TrainConfig(1, 16, "sgd", 0.05, 0.9, false, 0, "none", 0, 0, 7, false, 1, 16, dir.resolve("nan"));
        assertThatThrownBy(() -> new Trainer(tiny(1), CpuBackend.get(), bad, good, c, info(good), quiet()).run(null))
                .isInstanceOf(TrainingDiverged.class)
                .hasMessageContaining("step 1 ")
                .hasMessageContaining("the output of '0' Conv2d")
                .hasMessageContaining("no checkpoint yet");
    }

    @Test
    void hugeLearningRateDivergesAndKeepsTheLastGoodCheckpoint() throws Exception {
        Dataset train = data(16, 8);
        Path out = dir.resolve("div");
        // epoch 1 at a sane lr writes a checkpoint; then the same run continues with lr 1e30
        new Trainer(tiny(2), CpuBackend.get(), train, train, cfg(out, 1, 0.05), info(train), quiet()).run(null);
        byte[] before = Files.readAllBytes(out.resolve(Trainer.CHECKPOINT));
        TrainConfig wild = new TrainConfig(3, 8, "sgd", 1e30, 0.9, true, 5e-4, "none", 0, 0.1, 7, true, 2, 16, out);
        Module m = tiny(2);
        TrainingDiverged stop = catchThrowableOfType(TrainingDiverged.class, () -> {
            Trainer t = new Trainer(m, CpuBackend.get(), train, train, wild, info(train), quiet());
            // resuming needs the same optimizer settings; start fresh from the saved weights instead
            org.resnet4j.ops.io.StateDict.load(m, out.resolve("last.safetensors"), true);
            t.run(null);
        });
        assertThat(stop).as("the run at lr 1e30 must stop with TrainingDiverged").isNotNull();
        assertThat(stop.getMessage()).matches("(?s)training stopped at step \\d+ \\(epoch \\d+, batch \\d of 2\\).*")
                .contains("first non-finite value: ");
        // how many steps lr 1e30 needs to overflow float32 depends on rounding; what must hold is that the
        // checkpoint on disk is the last completed epoch's, with only finite values in it
        var matcher = java.util.regex.Pattern.compile("\\(epoch (\\d+),").matcher(stop.getMessage());
        assertThat(matcher.find()).isTrue();
        int failedEpoch = Integer.parseInt(matcher.group(1));
        byte[] after = Files.readAllBytes(out.resolve(Trainer.CHECKPOINT));
        if (failedEpoch == 1) {
            assertThat(after).isEqualTo(before);
        } else {
            assertThat(stop.getMessage()).contains("(epoch " + (failedEpoch - 1) + ")");
        }
        for (var e : org.resnet4j.ops.io.SafeTensors.read(out.resolve(Trainer.CHECKPOINT)).tensors().entrySet()) {
            if (!e.getValue().dtype().isFloatingPoint()) continue;
            for (double v : e.getValue().toDoubles()) {
                assertThat(Double.isFinite(v)).as("checkpoint tensor %s is finite", e.getKey()).isTrue();
            }
        }
    }

    @Test
    void stepRowsSurviveRestoreUpToTheResumedEpoch() throws Exception {
        Path f = dir.resolve("metrics.csv");
        MetricsLog log = new MetricsLog(f);
        log.add(new MetricsLog.Row("step", 1, 2, 0.1, 2.0, 0.1, Double.NaN, Double.NaN, 10, 1));
        log.add(new MetricsLog.Row("epoch", 1, 4, 0.1, 1.9, 0.2, 1.8, 0.3, 10, 2));
        log.add(new MetricsLog.Row("step", 2, 6, 0.1, 1.5, 0.4, Double.NaN, Double.NaN, 10, 3));
        MetricsLog again = new MetricsLog(f);
        again.restore(1);
        assertThat(again.rows()).hasSize(2);
        assertThat(again.rows().get(1).testAcc()).isEqualTo(0.3);
        assertThat(again.rows().get(0).testLoss()).isNaN();
    }
}
