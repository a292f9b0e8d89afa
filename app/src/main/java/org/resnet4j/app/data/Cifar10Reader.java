package org.resnet4j.app.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10 binary batches ({@code data_batch_1.bin} ... {@code data_batch_5.bin},
 * {@code test_batch.bin}): records of 1 label byte followed by 3072 pixel bytes, the 32x32 red plane,
 * then green, then blue, which is already CHW.
 */
public final class Cifar10Reader {
    public static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    private Cifar10Reader() {}

    /** Reads and concatenates the given batch files. */
    public static Dataset read(List<Path> files) throws IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("no CIFAR-10 batch files given");
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new java.io.FileNotFoundException(f + ": no such file");
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw new DataFileException(f, "a size that is a positive multiple of " + RECORD
                        + " bytes (1 label + 3072 pixels per image)", size + " bytes (truncated or not a CIFAR-10 binary batch)");
            }
            total += size / RECORD;
        }
        // all pixels go into one float array: check before reading (n * 3072 used to wrap an int)
        long maxImages = (Integer.MAX_VALUE - 8) / 3072;
        if (total > maxImages) {
            throw new DataFileException(files.size() == 1 ? files.get(0) : files.get(0).getParent(),
                    "at most " + maxImages + " images (one Java array of pixels)", total + " images; give fewer batch files");
        }
        int n = (int) total;
        float[] images = new float[n * 3072];
        int[] labels = new int[n];
        int i = 0;
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            for (int r = 0; r < b.length / RECORD; r++, i++) {
                int off = r * RECORD;
                int label = b[off] & 0xff;
                if (label >= CLASSES.size()) {
                    throw new DataFileException(f, "labels in [0, 10)", "label " + label + " in record " + r
                            + " (byte offset " + off + ")");
                }
                labels[i] = label;
                for (int k = 0; k < 3072; k++) images[i * 3072 + k] = (b[off + 1 + k] & 0xff) / 255f;
            }
        }
        String src = files.size() == 1 ? files.get(0).toString() : files.get(0).getParent() + " (" + files.size() + " batches)";
        return new Dataset(src, images, labels, 3, 32, 32, CLASSES);
    }
}
