package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.app.Main;
import org.resnet4j.app.data.Normalization;
import org.resnet4j.app.data.TestFiles;
import org.resnet4j.app.train.RunInfo;
import org.resnet4j.ops.Module;
import org.resnet4j.ops.init.RandomState;
import org.resnet4j.ops.io.StateDict;

/**
 * Bad input through {@link Main#run}: usage errors exit 2, everything else that is wrong exits 1 with
 * one line {@code error: ...} naming the thing, and no stack trace ever reaches the user. Covers bad
 * option values, missing or corrupt data, checkpoints and weights, and corrupt or unusual images for
 * {@code predict}.
 */
class CommandLineFaultTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    PrintStream oldOut, oldErr;
    Path data, weights;

    @BeforeEach
    void setUp() throws IOException {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        data = dir.resolve("data");
        TestFiles.writeIdxSet(data, "train", 8, 8, 8, 10, false);
        TestFiles.writeIdxSet(data, "t10k", 4, 8, 8, 10, false);
        // weights as train writes them: a small CIFAR-style net on 1x8x8 inputs, with its run description
        RandomState.manualSeed(5);
        Module m = Models.create("resnet20", 1, 10);
        RunInfo info = new RunInfo("resnet20", 1, 10, 8, 8, new Normalization(new float[] {0.5f}, new float[] {0.25f}),
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        weights = dir.resolve("best.safetensors");
        StateDict.save(m, weights, info.toMetadata());
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Runs the command line; checks its exit code and that stderr holds no stack trace; returns stderr. */
    String run(int expectedCode, String... args) {
        err.reset();
        out.reset();
        int code = Main.run(args);
        String e = err();
        assertThat(code).as("%s\nstderr: %s", Arrays.toString(args), e).isEqualTo(expectedCode);
        assertThat(e).as(Arrays.toString(args)).doesNotContain("\tat ", "Exception:", "Error:");
        if (expectedCode == 1) {
            // one error line that says something (a device error goes on to list the devices there are)
            assertThat(e).startsWith("error: ");
            assertThat(e.lines().findFirst().orElseThrow().length()).isGreaterThan(20);
            if (!Arrays.asList(args).contains("--device")) assertThat(e.strip().lines()).as(Arrays.toString(args)).hasSize(1);
        }
        return e;
    }

    String[] train(String... more) {
        String[] base = {"train", "--data", data.toString(), "--out", dir.resolve("run").toString(), "--epochs", "1", "--batch-size", "4"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        assertThat(run(2, train("--epochs", "-1"))).contains("epochs");
        assertThat(run(2, train("--epochs", "99999999999"))).contains("--epochs");
        assertThat(run(2, train("--batch-size", "0"))).contains("batch");
        assertThat(run(2, train("--batch-size", "-4"))).contains("batch");
        assertThat(run(2, train("--lr", "fast"))).contains("--lr");
        assertThat(run(2, train("--lr", "-0.1"))).contains("lr");
        assertThat(run(2, train("--lr", "NaN"))).contains("lr");
        assertThat(run(2, train("--momentum", "-1"))).contains("--momentum must be >= 0, got -1.0");
        assertThat(run(2, train("--optimizer", "adam", "--momentum", "1"))).contains("--momentum is adam's beta1 and must be < 1");
        assertThat(run(2, train("--weight-decay", "-1"))).contains("--weight-decay must be >= 0, got -1.0");
        assertThat(run(2, train("--label-smoothing", "1.5"))).contains("--label-smoothing must be in [0, 1], got 1.5");
        assertThat(run(2, train("--warmup", "-1"))).contains("--warmup must be >= 0");
        assertThat(run(2, train("--warmup", "Infinity"))).contains("--warmup must be >= 0");
        assertThat(run(2, train("--log-every", "0"))).contains("log");
        assertThat(run(2, train("--limit", "0"))).contains("--limit must be >= 1, got 0");
        assertThat(run(2, train("--threads", "0"))).contains("--threads must be >= 1, got 0");
        assertThat(run(2, train("--format", "jpeg"))).contains("jpeg");
        assertThat(run(2, train("--model", "resnet7"))).contains("unknown model 'resnet7'").contains("resnet20");
        assertThat(run(2, "eval", weights.toString(), "--split", "validation")).contains("--split must be test or train");
        assertThat(run(2, "predict", "--weights", weights.toString(), "--top-k", "0", "x.png")).contains("--top-k must be >= 1");
        assertThat(run(2, "summary", "--model", "")).contains("model");
        assertThat(run(2, "eval", weights.toString(), "--data", data.toString(), "--batch-size", "0")).contains("--batch-size");
        assertThat(run(2, "eval", weights.toString(), "--data", data.toString(), "--limit", "-3")).contains("--limit");
        assertThat(run(2, "eval", weights.toString(), "--data", data.toString(), "--threads", "0")).contains("--threads");
        assertThat(run(2, "eval", weights.toString(), "--data", data.toString(), "--format", "png")).contains("png");
        assertThat(run(2, "summary", "--model", "resnet20", "--input-shape", "0,1,28,28")).contains("input");
        assertThat(run(2, "summary", "--model", "resnet20", "--input-shape", "1,1,-5,28")).contains("input");
        assertThat(run(2, "summary", "--model", "resnet20", "--input-shape", "1,1,a,28")).contains("input");
    }

    @Test
    void missingThingsAreOneLineFailures() throws IOException {
        assertThat(run(1, "train", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("o").toString()))
                .contains("nowhere").contains("does not exist");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThat(run(1, "train", "--data", empty.toString(), "--out", dir.resolve("o").toString())).contains(empty.toString());
        assertThat(run(1, train("--resume", dir.resolve("missing.safetensors").toString())))
                .contains("--resume: no checkpoint at").contains("missing.safetensors");
        assertThat(run(1, "eval", dir.resolve("nothing.safetensors").toString(), "--data", data.toString()))
                .contains("no weights file at").contains("nothing.safetensors");
        assertThat(run(1, "predict", "--weights", weights.toString(), dir.resolve("nope.png").toString()))
                .contains("no image file at").contains("nope.png");
        assertThat(run(1, "predict", "--weights", weights.toString(), "--idx", dir.resolve("nope-idx3-ubyte").toString()))
                .contains("nope-idx3-ubyte");
    }

    /** A device that is not there names the device asked for (needs an OpenCL driver to list the real ones). */
    @Test
    void missingOpenClDeviceIsAOneLineFailure() {
        org.resnet4j.opencl.OpenClTestSupport.backendOrSkip(); // fails in CI without OpenCL, skips elsewhere
        assertThat(run(1, train("--device", "opencl:99"))).contains("99");
        assertThat(run(1, train("--device", "opencl:NoSuchVendorAnywhere"))).contains("NoSuchVendorAnywhere");
    }

    @Test
    void corruptCheckpointsAndWeightsAreOneLineFailures() throws IOException {
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, "not a checkpoint at all, just some text".getBytes(StandardCharsets.UTF_8));
        assertThat(run(1, train("--resume", junk.toString()))).contains("junk.safetensors").contains("header length");
        assertThat(run(1, "eval", junk.toString(), "--data", data.toString())).contains("junk.safetensors");
        assertThat(run(1, "predict", "--weights", junk.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte").toString()))
                .contains("junk.safetensors");
        // plain weights are no training checkpoint
        assertThat(run(1, train("--resume", weights.toString()))).contains("best.safetensors");
        // the same weights truncated, and with random byte damage
        byte[] good = Files.readAllBytes(weights);
        Path bad = dir.resolve("damaged.safetensors");
        Files.write(bad, Arrays.copyOf(good, good.length / 2));
        assertThat(run(1, "predict", "--weights", bad.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte").toString()))
                .contains("damaged.safetensors").contains("truncated");
        SplittableRandom rnd = new SplittableRandom(99);
        for (int i = 0; i < 12; i++) {
            byte[] b = good.clone();
            // damage the header, where the structure is (the data bytes are just numbers)
            int headerEnd = 8 + (int) ByteBuffer.wrap(good).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            b[rnd.nextInt(headerEnd)] ^= (byte) (1 << rnd.nextInt(8));
            Files.write(bad, b);
            err.reset();
            int code = Main.run("predict", "--weights", bad.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte").toString());
            assertThat(code).as("mutant %d: %s", i, err()).isIn(0, 1);
            assertThat(err()).as("mutant %d", i).doesNotContain("\tat ");
            if (code == 1) assertThat(err()).startsWith("error: ").contains("damaged.safetensors");
        }
    }

    @Test
    void damagedRunDescriptionInTheWeights() throws IOException {
        var c = org.resnet4j.ops.io.SafeTensors.read(weights);
        String[][] edits = {{"info.input_size", "8"}, {"info.input_size", "0x0"}, {"info.input_size", "-8x8"},
                {"info.in_channels", "two"}, {"info.in_channels", "0"}, {"info.num_classes", "-10"},
                {"info.mean", "0.5,0.5,0.5"}, {"info.std", "0"}, {"info.model", "resnet7"}, {"info.mean", null}};
        for (String[] e : edits) {
            var meta = new java.util.LinkedHashMap<>(c.metadata());
            if (e[1] == null) meta.remove(e[0]);
            else meta.put(e[0], e[1]);
            Path f = dir.resolve("edited.safetensors");
            org.resnet4j.ops.io.SafeTensors.write(f, c.tensors(), meta);
            String msg = run(1, "predict", "--weights", f.toString(), "--idx", data.resolve("t10k-images-idx3-ubyte").toString());
            assertThat(msg).as("%s = %s", e[0], e[1]).contains("edited.safetensors");
            if (e[1] == null) assertThat(msg).contains("missing " + e[0]);
            if (e[0].equals("info.input_size") && !e[1].equals("8")) assertThat(msg).contains("input size " + e[1]);
        }
    }

    // ------------------------------------------------------------------ images for predict

    String predict(Path image) {
        return run(0, "predict", "--weights", weights.toString(), image.toString());
    }

    String predictFails(Path image) {
        return run(1, "predict", "--weights", weights.toString(), image.toString());
    }

    Path png(BufferedImage img, String name) throws IOException {
        Path p = dir.resolve(name);
        assertThat(ImageIO.write(img, "png", p.toFile())).isTrue();
        return p;
    }

    @Test
    void unusualButValidImagesPredict() throws IOException {
        BufferedImage gray16 = new BufferedImage(5, 7, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(2, 3, 0, 65535);
        BufferedImage alpha = new BufferedImage(9, 9, BufferedImage.TYPE_INT_ARGB);
        alpha.setRGB(4, 4, 0x80ff0000);
        BufferedImage binary = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_BINARY);
        BufferedImage indexed = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_INDEXED);
        BufferedImage tiny = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage large = new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR);
        for (var e : List.of(gray16, alpha, binary, indexed, tiny, large)) {
            Path p = png(e, "img" + e.getType() + ".png");
            assertThat(predict(p)).isEmpty();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(p + ":", "  1. ", "%");
        }
        Path jpg = dir.resolve("x.jpg");
        assertThat(ImageIO.write(large, "jpg", jpg.toFile())).isTrue();
        assertThat(predict(jpg)).isEmpty();
    }

    @Test
    void predictDropsAlphaAsPilConvertRgbDoes() throws IOException {
        BufferedImage argb = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) argb.setRGB(x, y, 0x00ffffff); // transparent white
        RunInfo rgbInfo = new RunInfo("resnet20", 3, 10, 8, 8, new Normalization(new float[3], new float[] {1, 1, 1}), List.of("a"));
        float[] v = PredictCommand.load(png(argb, "transparent.png"), rgbInfo);
        assertThat(v).hasSize(3 * 64).containsOnly(1f);
    }

    @Test
    void corruptImagesAreOneLineFailures() throws IOException {
        Path empty = dir.resolve("empty.png");
        Files.write(empty, new byte[0]);
        assertThat(predictFails(empty)).contains("empty.png").contains("PNG or JPEG");
        Path text = dir.resolve("text.png");
        Files.writeString(text, "this is not an image");
        assertThat(predictFails(text)).contains("text.png").contains("cannot decode");
        assertThat(predictFails(dir)).contains(dir.toString());

        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, x * 8 << 16 | y * 8);
        byte[] goodPng = Files.readAllBytes(png(img, "good.png"));
        Path jpgPath = dir.resolve("good.jpg");
        ImageIO.write(img, "jpg", jpgPath.toFile());
        byte[] goodJpg = Files.readAllBytes(jpgPath);
        Path bad = dir.resolve("bad.img");
        SplittableRandom rnd = new SplittableRandom(4);
        for (byte[] good : List.of(goodPng, goodJpg)) {
            for (int i = 0; i < 25; i++) {
                byte[] b = i < 10 ? Arrays.copyOf(good, 1 + rnd.nextInt(good.length - 1)) : good.clone();
                if (i >= 10) for (int k = 0; k < 1 + rnd.nextInt(4); k++) b[rnd.nextInt(Math.min(b.length, 120))] ^= (byte) (1 << rnd.nextInt(8));
                Files.write(bad, b);
                err.reset();
                out.reset();
                int code = Main.run("predict", "--weights", weights.toString(), bad.toString());
                assertThat(code).as("mutant %d: %s", i, err()).isIn(0, 1);
                assertThat(err()).as("mutant %d", i).doesNotContain("\tat ");
                if (code == 1) assertThat(err()).startsWith("error: ").contains("bad.img");
            }
        }
    }

    /** A PNG whose IHDR promises width x height with no pixel data behind it. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(b, "IHDR", ihdr.array());
        chunk(b, "IDAT", new byte[0]);
        chunk(b, "IEND", new byte[0]);
        return Arrays.copyOf(b.array(), b.position());
    }

    static void chunk(ByteBuffer b, String type, byte[] payload) {
        b.putInt(payload.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(payload);
        CRC32 crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(payload);
        b.putInt((int) crc.getValue());
    }

    @Test
    void anImageThatClaimsToBeHugeIsRefusedBeforeDecoding() throws IOException {
        Path huge = dir.resolve("huge.png");
        Files.write(huge, pngHeaderOnly(200_000, 200_000));
        assertThat(predictFails(huge)).contains("huge.png").contains("200000x200000");
        // small enough for the decoder to try: 1.6 gigapixels would have been allocated before finding no data
        Files.write(huge, pngHeaderOnly(40_000, 40_000));
        assertThat(predictFails(huge)).contains("huge.png").contains("40000x40000");
        Path zero = dir.resolve("zero.png");
        Files.write(zero, pngHeaderOnly(0, 5));
        assertThat(predictFails(zero)).contains("zero.png");
    }
}
