package org.resnet4j.app.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed; gzip is recognised by its
 * magic bytes 1f 8b, not by the file name. Layout: two zero bytes, a type byte (0x08 = unsigned byte,
 * the only type these data sets use), the number of dimensions, then each dimension as a big-endian
 * int32, then the data.
 */
public final class IdxReader {
    /** Larger than any file; a product of dimensions beyond it is reported as "at least" this. */
    private static final long SATURATED = 1L << 62;

    private static final long NOT_IDX = -2;

    /** Deflate's best case is about 1032:1 (258-byte matches in ~2 bits); no gzip stream inflates further. */
    private static final long DEFLATE_MAX_RATIO = 1032;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private IdxReader() {}

    /** The dimensions and the raw unsigned bytes of an IDX file. */
    public record IdxFile(Path path, int[] dims, byte[] data) {}

    public static IdxFile read(Path file) throws IOException {
        byte[] bytes = readMaybeGzip(file);
        if (bytes.length < 4) {
            throw new DataFileException(file, "an IDX header of at least 4 bytes", bytes.length + " bytes");
        }
        if (bytes[0] != 0 || bytes[1] != 0) {
            throw new DataFileException(file, "IDX magic bytes 00 00 at the start",
                    String.format("%02x %02x (not an IDX file)", bytes[0] & 0xff, bytes[1] & 0xff));
        }
        if (bytes[2] != 0x08) {
            throw new DataFileException(file, "IDX element type 0x08 (unsigned byte)",
                    String.format("type 0x%02x", bytes[2] & 0xff));
        }
        int ndims = bytes[3] & 0xff;
        if (ndims < 1 || ndims > 4) {
            throw new DataFileException(file, "1 to 4 IDX dimensions", ndims + " dimensions");
        }
        int header = 4 + 4 * ndims;
        if (bytes.length < header) {
            throw new DataFileException(file, "a header of " + header + " bytes", bytes.length + " bytes");
        }
        int[] dims = new int[ndims];
        long count = 1; // saturates at SATURATED: four int dimensions can wrap a long (65536^4 = 2^64 -> 0)
        for (int i = 0; i < ndims; i++) {
            int o = 4 + 4 * i;
            dims[i] = ((bytes[o] & 0xff) << 24) | ((bytes[o + 1] & 0xff) << 16) | ((bytes[o + 2] & 0xff) << 8) | (bytes[o + 3] & 0xff);
            if (dims[i] <= 0) throw new DataFileException(file, "positive dimensions", "dimension " + i + " = " + dims[i]);
            count = count > SATURATED / dims[i] ? SATURATED : count * dims[i];
        }
        if (bytes.length - header != count) {
            String atLeast = count == SATURATED ? "at least " : "";
            throw new DataFileException(file, atLeast + (header + count) + " bytes (header " + header + " + " + atLeast + count
                    + " data bytes for dimensions " + java.util.Arrays.toString(dims) + ")",
                    bytes.length + " bytes (truncated or corrupt; download it again)");
        }
        byte[] data = java.util.Arrays.copyOfRange(bytes, header, bytes.length);
        return new IdxFile(file, dims, data);
    }

    /** Images (N, rows, cols) as N single-channel images scaled to [0, 1]. */
    public static float[] readImages(Path file, int[] shapeOut) throws IOException {
        IdxFile f = read(file);
        if (f.dims().length != 3) {
            throw new DataFileException(file, "an image file with 3 dimensions (N, rows, cols)", f.dims().length + " dimensions");
        }
        shapeOut[0] = f.dims()[0];
        shapeOut[1] = f.dims()[1];
        shapeOut[2] = f.dims()[2];
        byte[] d = f.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (d[i] & 0xff) / 255f;
        return out;
    }

    /** Labels (N) checked to lie in [0, numClasses). */
    public static int[] readLabels(Path file, int numClasses) throws IOException {
        IdxFile f = read(file);
        if (f.dims().length != 1) {
            throw new DataFileException(file, "a label file with 1 dimension (N)", f.dims().length + " dimensions");
        }
        byte[] d = f.data();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] & 0xff;
            if (out[i] >= numClasses) {
                throw new DataFileException(file, "labels in [0, " + numClasses + ")", "label " + out[i] + " at index " + i);
            }
        }
        return out;
    }

    /**
     * The total size an IDX header at the start of {@code head} declares; {@link #NOT_IDX} when the
     * header is not a valid one; -1 while {@code head} is too short to tell.
     */
    private static long declaredSize(byte[] head) {
        if (head.length < 4) return -1;
        int ndims = head[3] & 0xff;
        if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || ndims < 1 || ndims > 4) return NOT_IDX;
        int header = 4 + 4 * ndims;
        if (head.length < header) return -1;
        long count = 1;
        for (int i = 0; i < ndims; i++) {
            int d = java.nio.ByteBuffer.wrap(head, 4 + 4 * i, 4).getInt();
            if (d <= 0) return NOT_IDX;
            count = count > SATURATED / d ? SATURATED : count * d;
        }
        return header + count;
    }

    /** The most a gzip file of {@code compressed} bytes can hold (gzip's own framing taken as 1 KiB of slack). */
    private static long maxInflated(long compressed) {
        return Math.min(MAX_ARRAY, DEFLATE_MAX_RATIO * compressed + 1024);
    }

    static byte[] readMaybeGzip(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new java.io.FileNotFoundException(file + ": no such file");
        byte[] raw = Files.readAllBytes(file);
        if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw), 1 << 16)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(raw.length * 4L, 1 << 26));
                byte[] chunk = new byte[1 << 16];
                long limit = -1; // the size the header declares, once it has been inflated
                for (int r; (r = in.read(chunk)) > 0; ) {
                    out.write(chunk, 0, r);
                    if (limit < 0) {
                        limit = declaredSize(out.toByteArray());
                        if (limit > maxInflated(raw.length)) {
                            throw new DataFileException(file, "at most " + maxInflated(raw.length) + " bytes once decompressed (deflate "
                                    + "expands at most " + DEFLATE_MAX_RATIO + "-fold, and one Java array holds at most " + MAX_ARRAY + ")",
                                    "a header whose dimensions declare " + (limit >= SATURATED ? "at least " : "") + limit
                                            + " bytes (damaged; download the file again)");
                        }
                    }
                    if (limit == NOT_IDX) break; // read() names what is wrong with the header
                    // a small gzip file can inflate ~1000-fold: stop at what the dimensions promise
                    if (limit >= 0 && out.size() > limit) {
                        throw new DataFileException(file, limit + " bytes once decompressed (as its header declares)",
                                "more (at least " + out.size() + "; corrupt, or not this data set's file)");
                    }
                }
                return out.toByteArray();
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new DataFileException(file, "a complete gzip stream", "a damaged one (" + e.getMessage()
                        + "); download the file again");
            }
        }
        return raw;
    }
}
