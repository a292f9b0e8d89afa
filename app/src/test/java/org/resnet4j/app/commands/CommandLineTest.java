package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import org.resnet4j.app.data.TestFiles;

/** The commands through Main.run: exit codes, messages, and small end-to-end runs. */
class CommandLineTest {
    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpOnEveryCommandExitsZero() {
        for (String c : new String[] {"train", "eval", "predict", "demo", "summary", "profile"}) {
            assertThat(Main.run(c, "--help")).as(c).isEqualTo(0);
        }
        assertThat(out()).contains("--resume", "--recipe", "seed-cifar-sgd", "seed-tf-adam", "seed-mnist", "--label-smoothing",
                "--device", "--top-k", "confusion matrix");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(Main.run("train", "--no-such-option")).isEqualTo(2);
        assertThat(Main.run("train", "--epochs", "zero")).isEqualTo(2);
        assertThat(Main.run("train", "--epochs", "0")).isEqualTo(2);
        assertThat(Main.run("train", "--optimizer", "rmsprop")).isEqualTo(2);
        assertThat(Main.run("train", "--schedule", "linear")).isEqualTo(2);
        assertThat(Main.run("train", "--recipe", "imagenet")).isEqualTo(2);
        assertThat(Main.run("train", "--format", "png")).isEqualTo(2);
        assertThat(Main.run("eval")).isEqualTo(2);
        assertThat(Main.run("predict", "--weights", "x.safetensors")).isEqualTo(2);
        assertThat(Main.run("no-such-command")).isEqualTo(2);
        assertThat(err()).contains("rmsprop", "sgd, adam or adamw", "imagenet", "png");
    }

    @Test
    void summaryPrintsTheTableAndListsModels() {
        assertThat(Main.run("summary", "--model", "resnet20", "--input-shape", "2,1,28,28")).isEqualTo(0);
        assertThat(out()).contains("Total params: 269,434", "(2, 10)");
        assertThat(Main.run("summary", "--list")).isEqualTo(0);
        assertThat(out()).contains("resnet50", "seed-mnist", "seed-cifar-resnet", "seed-tf-cifar");
        assertThat(Main.run("summary", "--model", "resnet7")).isEqualTo(2);
        assertThat(Main.run("summary", "--input-shape", "1,3,32")).isEqualTo(2);
    }

    @Test
    void profilePrintsWhereTheTimeGoes() {
        assertThat(Main.run("profile", "--model", "resnet20", "--input-shape", "4,3,32,32", "--steps", "1", "--warmup", "0",
                "--top", "0", "--threads", "1")).isEqualTo(0);
        String o = out();
        assertThat(o).contains("resnet20, input (4, 3, 32, 32), training steps on cpu, 1 thread:", "images/s");
        // per kind: the 3x3 stride-1 and stride-2 convolutions, the blocks' own work, the optimizer
        assertThat(o).contains("Conv2d 3x3/1", "Conv2d 3x3/2", "BatchNorm2d", "BasicBlock (own)", "zero_grad + SGD step");
        // --top 0: every module in forward order, the stem first and the classifier last
        assertThat(o).contains("Every module, in forward order");
        assertThat(o.indexOf("\nconv1 ")).isLessThan(o.indexOf("\nlayer1.0.conv1 "));
        assertThat(o.indexOf("\nlayer3.2.bn2 ")).isLessThan(o.indexOf("\nfc "));

        out.reset();
        assertThat(Main.run("profile", "--model", "resnet20", "--input-shape", "2,3,32,32", "--steps", "1", "--warmup", "0",
                "--top", "3", "--inference")).isEqualTo(0);
        assertThat(out()).contains("inference on cpu", "The 3 slowest modules").doesNotContain("SGD step");
        // and the fused forward, every one of ResNet-20's 19 convolutions with its batch norm
        assertThat(out()).contains("Under InferenceMode (what predict and eval run), with 19 of 19 convolutions fused");

        assertThat(Main.run("profile", "--model", "resnet7")).isEqualTo(2);
        assertThat(Main.run("profile", "--steps", "0")).isEqualTo(2);
        assertThat(Main.run("profile", "--warmup", "-1")).isEqualTo(2);
        assertThat(Main.run("profile", "--input-shape", "0,3,32,32")).isEqualTo(2);
        assertThat(err()).contains("unknown model 'resnet7'", "--steps must be >= 1, got 0", "--warmup must be >= 0, got -1",
                "--input-shape values must be >= 1");
    }

    @Test
    void missingDataSetIsAFailureThatSaysWhatToDo() {
        assertThat(Main.run("train", "--data", dir.resolve("none").toString(), "--out", dir.resolve("o").toString())).isEqualTo(1);
        assertThat(err()).contains(dir.resolve("none").toString(), "--data");
    }

    @Test
    void demoPrintsTheLossFalling() {
        assertThat(Main.run("demo")).isEqualTo(0);
        String[] lines = out().lines().filter(l -> l.startsWith("step")).toArray(String[]::new);
        assertThat(lines).hasSize(20);
        double first = loss(lines[0]), last = loss(lines[19]);
        assertThat(last).isLessThan(first / 2);
    }

    static double loss(String stepLine) {
        String[] f = stepLine.trim().split("\\s+");
        return Double.parseDouble(f[3]);
    }

    @Test
    void trainThenEvalAndPredictAndResume() throws Exception {
        Path data = dir.resolve("mnist-like");
        TestFiles.writeIdxSet(data, "train", 24, 8, 8, 10, true);
        TestFiles.writeIdxSet(data, "t10k", 12, 8, 8, 10, true);
        Path run = dir.resolve("run");
        String[] common = {"train", "--data", data.toString(), "--out", run.toString(), "--batch-size", "12", "--threads", "2",
                "--log-every", "1", "--lr", "0.05", "--schedule", "none", "--warmup", "0"}; // a constant lr: extending a run keeps its schedule
        assertThat(Main.run(concat(common, "--epochs", "1"))).as(err()).isEqualTo(0);
        assertThat(out()).contains("epoch 1/1: train loss", "test loss", "img/s");
        for (String f : new String[] {"metrics.csv", "curves.png", "last.safetensors", "best.safetensors", "checkpoint.safetensors"}) {
            assertThat(run.resolve(f)).exists();
        }
        // continue the same run for a second epoch: the other options come from the checkpoint
        assertThat(Main.run("train", "--resume", run.resolve("checkpoint.safetensors").toString(), "--epochs", "2")).as(err()).isEqualTo(0);
        assertThat(out()).contains("resumed from", "batch 12, sgd lr 0.05 ", "epoch 2/2: train loss");
        // ... and ends where an uninterrupted two-epoch run ends, bit for bit (Trainer tests cover a cosine
        // schedule interrupted mid-run; here the run is extended, so the lr must not depend on the epoch count)
        Path whole = dir.resolve("whole");
        String[] again = common.clone();
        again[4] = whole.toString();
        assertThat(Main.run(concat(again, "--epochs", "2"))).as(err()).isEqualTo(0);
        var a = org.resnet4j.ops.io.SafeTensors.read(run.resolve("last.safetensors")).tensors();
        var b = org.resnet4j.ops.io.SafeTensors.read(whole.resolve("last.safetensors")).tensors();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String k : a.keySet()) assertThat(a.get(k).data()).as(k).isEqualTo(b.get(k).data());

        assertThat(Main.run("eval", run.toString(), "--data", data.toString())).as(err()).isEqualTo(0);
        assertThat(out()).contains("per-class accuracy", "confusion matrix (rows: actual, columns: predicted)", "accuracy");

        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 4, 0xffffff);
        Path png = dir.resolve("x.png");
        ImageIO.write(img, "png", png.toFile());
        assertThat(Main.run("predict", "--weights", run.toString(), "--top-k", "2", png.toString(),
                "--idx", data.resolve("t10k-images-idx3-ubyte.gz").toString(), "--index", "3")).as(err()).isEqualTo(0);
        assertThat(out()).contains(png.toString() + ":", "t10k-images-idx3-ubyte.gz[3]:", "  1. ", "  2. ");
        assertThat(Main.run("predict", "--weights", run.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte.gz").toString(),
                "--index", "99")).isEqualTo(1);
        assertThat(err()).contains("--index 99 is outside [0, 12)");
    }

    @Test
    void evalOfWeightsWithoutARunDescriptionTakesModelAndData() throws Exception {
        Path data = dir.resolve("plain");
        TestFiles.writeIdxSet(data, "train", 8, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 6, 8, 8, 10, false);
        Path w = dir.resolve("export.safetensors");
        org.resnet4j.ops.io.StateDict.save(Models.create("resnet20", 1, 10), w); // as a PyTorch export would be: weights only
        assertThat(Main.run("eval", w.toString(), "--data", data.toString())).isEqualTo(1);
        assertThat(err()).contains("carries no run description", "--model");
        assertThat(Main.run("eval", w.toString(), "--data", data.toString(), "--model", "resnet20")).as(err()).isEqualTo(0);
        assertThat(out()).contains("(test, 6 images)", "confusion matrix");
        assertThat(Main.run("eval", w.toString(), "--data", data.toString(), "--model", "resnet32")).isEqualTo(1);
        assertThat(err()).contains("resnet32");
    }

    @Test
    void divergenceExitsOneNamingStepAndLayer() throws Exception {
        Path data = dir.resolve("d");
        TestFiles.writeIdxSet(data, "train", 16, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 8, 8, 10, false);
        int code = Main.run("train", "--data", data.toString(), "--out", dir.resolve("o").toString(), "--batch-size", "4",
                "--epochs", "1", "--lr", "1e30", "--warmup", "0", "--schedule", "none");
        assertThat(code).isEqualTo(1);
        assertThat(err()).containsPattern("error: training stopped at step \\d+ \\(epoch 1").contains("first non-finite value: ");
        // said once, as the command's error, not also on the progress output
        String both = out() + err();
        assertThat(both.split("training stopped at step", -1)).as(both).hasSize(2);
    }

    @Test
    void resumeKeepsTheLogEveryTheRunWasStartedWith() throws Exception {
        Path data = dir.resolve("log");
        TestFiles.writeIdxSet(data, "train", 16, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 8, 8, 10, false);
        Path run = dir.resolve("run");
        assertThat(Main.run("train", "--data", data.toString(), "--out", run.toString(), "--batch-size", "4", "--epochs", "1",
                "--threads", "1", "--log-every", "1")).as(err()).isEqualTo(0);
        Path ckpt = run.resolve("checkpoint.safetensors");
        assertThat(org.resnet4j.ops.io.SafeTensors.read(ckpt).metadata()).containsEntry("info.run.log_every", "1");
        // the default is 50: without the saved value, epoch 2's four steps would write no step row
        assertThat(Main.run("train", "--resume", ckpt.toString(), "--epochs", "2")).as(err()).isEqualTo(0);
        assertThat(stepRowsOfEpoch(run, 2)).containsExactly(5L, 6L, 7L, 8L);
        assertThat(out()).contains("epoch 2/2 step 1/4 loss");
        // given again, it overrides the saved value, and is saved for the next --resume
        assertThat(Main.run("train", "--resume", ckpt.toString(), "--epochs", "3", "--log-every", "2")).as(err()).isEqualTo(0);
        assertThat(stepRowsOfEpoch(run, 3)).containsExactly(10L, 12L);
        assertThat(org.resnet4j.ops.io.SafeTensors.read(ckpt).metadata()).containsEntry("info.run.log_every", "2");
    }

    /** The steps of the {@code step} rows of metrics.csv in {@code epoch}. */
    private static java.util.List<Long> stepRowsOfEpoch(Path run, int epoch) throws java.io.IOException {
        return Files.readAllLines(run.resolve("metrics.csv")).stream().skip(1).map(l -> l.split(","))
                .filter(f -> f[0].equals("step") && Integer.parseInt(f[1]) == epoch).map(f -> Long.parseLong(f[2])).toList();
    }

    @Test
    void trainsOnAnOpenClDeviceWhenThereIsOne() throws Exception {
        org.resnet4j.opencl.OpenClTestSupport.backendOrSkip(); // fails in CI without OpenCL, skips elsewhere
        Path data = dir.resolve("cl");
        TestFiles.writeIdxSet(data, "train", 16, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 8, 8, 10, false);
        assertThat(Main.run("train", "--data", data.toString(), "--out", dir.resolve("o").toString(), "--device", "opencl:0",
                "--epochs", "1", "--batch-size", "8")).as(err()).isEqualTo(0);
        assertThat(out()).contains("on opencl:", "epoch 1/1: train loss");
        assertThat(Main.run("eval", dir.resolve("o").toString(), "--data", data.toString(), "--device", "opencl:0")).as(err()).isEqualTo(0);
        assertThat(Main.run("train", "--data", data.toString(), "--device", "cuda")).isEqualTo(1);
        assertThat(err()).contains("--device must be cpu, opencl, opencl:N or opencl:NAME, got 'cuda'");
    }

    @Test
    void profilesOnAnOpenClDeviceWhenThereIsOne() {
        org.resnet4j.opencl.OpenClTestSupport.backendOrSkip(); // fails in CI without OpenCL, skips elsewhere
        // each module's clock read after the queue has finished (Backend.finish)
        assertThat(Main.run("profile", "--model", "resnet20", "--input-shape", "2,3,16,16", "--steps", "1", "--warmup", "1",
                "--top", "3", "--device", "opencl:0")).as(err()).isEqualTo(0);
        assertThat(out()).contains("training steps on opencl:0", "Conv2d 3x3/1", "The 3 slowest modules");
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
