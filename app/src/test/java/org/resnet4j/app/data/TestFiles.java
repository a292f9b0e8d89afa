package org.resnet4j.app.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX and CIFAR-10 files for the reader tests. */
public final class TestFiles {
    private TestFiles() {}

    public static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** n images of h x w with pixel (i, y, x) = (i * 7 + y * w + x) mod 256, labels i mod classes. */
    public static void writeIdxSet(Path dir, String split, int n, int h, int w, int classes, boolean gz) throws IOException {
        byte[] px = new byte[n * h * w];
        for (int i = 0; i < n; i++) for (int k = 0; k < h * w; k++) px[i * h * w + k] = (byte) ((i * 7 + k) % 256);
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) lb[i] = (byte) (i % classes);
        byte[] im = idx(new int[] {n, h, w}, px), la = idx(new int[] {n}, lb);
        String sfx = gz ? ".gz" : "";
        Files.createDirectories(dir);
        Files.write(dir.resolve(split + "-images-idx3-ubyte" + sfx), gz ? gzip(im) : im);
        Files.write(dir.resolve(split + "-labels-idx1-ubyte" + sfx), gz ? gzip(la) : la);
    }

    /** A CIFAR-10 batch of n records: label i mod 10, pixels (i + k) mod 256. */
    public static byte[] cifar(int n) {
        byte[] b = new byte[n * Cifar10Reader.RECORD];
        for (int i = 0; i < n; i++) {
            b[i * Cifar10Reader.RECORD] = (byte) (i % 10);
            for (int k = 0; k < 3072; k++) b[i * Cifar10Reader.RECORD + 1 + k] = (byte) ((i + k) % 256);
        }
        return b;
    }
}
